package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
)

// scheduleFiles are the files a timer of one install is made of: a systemd
// service and timer, or a cron file where systemd is absent.
type scheduleFiles struct{ service, timer, cron, unit string }

// unitFiles names them after the job and a hash of the install dir, so
// two installs on one host have their own.
func unitFiles(root, job, dir string) scheduleFiles {
	sum := sha256.Sum256([]byte(dir))
	unit := job + "-" + hex.EncodeToString(sum[:4])
	return scheduleFiles{
		unit:    unit,
		service: filepath.Join(root, "etc/systemd/system", unit+".service"),
		timer:   filepath.Join(root, "etc/systemd/system", unit+".timer"),
		cron:    filepath.Join(root, "etc/cron.d", unit),
	}
}

// timerJob is a command run at set times: what `backup schedule` and
// `auto-update enable` write.
type timerJob struct {
	root  string // SystemRoot: "/", or a test's scratch dir (nothing is enabled outside "/")
	files scheduleFiles
	by    string // the command that wrote it, for the files' first line
	off   string // the command that removes it
	what  string // the service's description
	when  string // the timer's description
	env   []string
	cmds  [][]string // in order; each only if the one before succeeded
	// calendar is the systemd OnCalendar, cron the first five cron fields.
	calendar, cron string
	// persistent runs a missed time at the next boot (a backup wants it;
	// an upgrade must keep to its window).
	persistent bool
}

func (j timerJob) systemd() bool { return isDir(filepath.Join(j.root, "run/systemd/system")) }

// write writes the unit files or the cron file, removing the other kind,
// and enables the timer on the real system; enable is the command that
// still has to be run ("" when done or with cron).
func (j timerJob) write(ctx context.Context) (systemd bool, enable string, err error) {
	if !j.systemd() {
		return false, "", j.writeCron()
	}
	var svc strings.Builder
	fmt.Fprintf(&svc, "# Written by appsmith-install (`%s`); `%s` removes it.\n", j.by, j.off)
	fmt.Fprintf(&svc, "[Unit]\nDescription=%s\nWants=docker.service\nAfter=docker.service\n\n[Service]\nType=oneshot\n", j.what)
	for _, e := range j.env {
		fmt.Fprintf(&svc, "Environment=%s\n", systemdQuote(e))
	}
	for i, c := range j.cmds {
		key := "ExecStart"
		if i > 0 {
			key = "ExecStartPost"
		}
		fmt.Fprintf(&svc, "%s=%s\n", key, systemdCmd(c))
	}
	timer := fmt.Sprintf("# Written by appsmith-install (`%s`).\n[Unit]\nDescription=%s\n\n[Timer]\nOnCalendar=%s\nPersistent=%t\n\n[Install]\nWantedBy=timers.target\n",
		j.by, j.when, j.calendar, j.persistent)
	if err := os.MkdirAll(filepath.Dir(j.files.service), 0o755); err != nil {
		return true, "", err
	}
	if err := fsutil.WriteFileAtomic(j.files.service, []byte(svc.String()), 0o644); err != nil {
		return true, "", err
	}
	if err := fsutil.WriteFileAtomic(j.files.timer, []byte(timer), 0o644); err != nil {
		return true, "", err
	}
	_ = os.Remove(j.files.cron) // one schedule per install
	enable = "systemctl daemon-reload && systemctl enable --now " + j.files.unit + ".timer"
	if j.root == "/" {
		if err := exec.CommandContext(ctx, "systemctl", "daemon-reload").Run(); err == nil {
			if out, err := exec.CommandContext(ctx, "systemctl", "enable", "--now", j.files.unit+".timer").CombinedOutput(); err != nil {
				return true, "", fmt.Errorf("systemctl enable --now %s.timer: %v: %s", j.files.unit, err, strings.TrimSpace(string(out)))
			}
			enable = ""
		}
	}
	return true, enable, nil
}

func (j timerJob) writeCron() error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by appsmith-install (`%s`); `%s` removes it.\n", j.by, j.off)
	b.WriteString("SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n")
	for _, e := range j.env {
		b.WriteString(e + "\n")
	}
	lines := make([]string, len(j.cmds))
	for i, c := range j.cmds {
		lines[i] = shellCmd(c)
	}
	fmt.Fprintf(&b, "%s root ( %s ) 2>&1 | logger -t %s\n", j.cron, strings.Join(lines, " && "), j.files.unit)
	if err := os.MkdirAll(filepath.Dir(j.files.cron), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(j.files.cron, []byte(b.String()), 0o644)
}

// removeTimer disables and removes the files of a timer; removed counts
// those that were there.
func removeTimer(ctx context.Context, root string, f scheduleFiles) (removed int, err error) {
	systemd := isDir(filepath.Join(root, "run/systemd/system")) && root == "/"
	if systemd {
		_ = exec.CommandContext(ctx, "systemctl", "disable", "--now", f.unit+".timer").Run()
	}
	for _, p := range []string{f.timer, f.service, f.cron} {
		if err := os.Remove(p); err == nil {
			removed++
		} else if !errors.Is(err, os.ErrNotExist) {
			return removed, err
		}
	}
	if systemd {
		_ = exec.CommandContext(ctx, "systemctl", "daemon-reload").Run()
	}
	return removed, nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// systemdCmd quotes each word for an Exec line.
func systemdCmd(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = systemdQuote(a)
	}
	return strings.Join(q, " ")
}

func systemdQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"'\\$%;") {
		return s
	}
	s = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `$$`, `%`, `%%`).Replace(s)
	return `"` + s + `"`
}

// shellCmd quotes each word for /bin/sh (and cron's % is escaped).
func shellCmd(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && !strings.ContainsAny(a, " \t\n\"'\\$`;&|<>()*?[]#~%!{}") {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.ReplaceAll(strings.Join(q, " "), "%", `\%`)
}

// warnNoCron says when a cron file was written on a machine where no cron
// daemon runs (containers, minimal images): nothing would ever run it.
func warnNoCron(stdio IO, root string) {
	if root != "/" {
		return
	}
	for _, p := range []string{"/run/crond.pid", "/var/run/crond.pid", "/run/cron.pid", "/var/run/cron.pid"} {
		if _, err := os.Stat(p); err == nil {
			return
		}
	}
	fmt.Fprintln(stdio.Err, "warning: no cron daemon seems to run on this machine (no crond pid file): nothing will run this schedule until one does (apt-get install cron)")
}
