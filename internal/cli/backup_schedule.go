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
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
)

// BackupScheduleOptions are `appsmith backup schedule`'s.
type BackupScheduleOptions struct {
	IO             IO
	Deps           Deps
	Root           *rootOpts
	Daily          string // HH:MM, local time of the host
	Off            bool
	To             string
	PassphraseFile string
	Recipients     []string
	NoEncrypt      bool
	Cold           bool
	Keep           backup.Keep
	S3             s3Flags
	// SystemRoot is where /etc and /run are ("/"; tests use a scratch dir,
	// and nothing is enabled outside "/").
	SystemRoot string
	// Binary is the command the schedule runs (this executable).
	Binary string
}

// NewCmdBackupSchedule builds `backup schedule`; runF replaces backupScheduleRun.
func NewCmdBackupSchedule(f *Factory, runF func(*BackupScheduleOptions) error) *cobra.Command {
	opts := &BackupScheduleOptions{IO: f.IO, Deps: f.Deps, Root: f.root, SystemRoot: "/"}
	cmd := &cobra.Command{
		Use:   "schedule --daily HH:MM [--to ...] [--keep-...] | --off",
		Short: "Back up every day (a systemd timer, or a cron file where there is no systemd)",
		Long: "Writes a systemd service and timer (appsmith-backup-<id>.timer, logging to the journal) or, where\n" +
			"systemd is absent, /etc/cron.d/appsmith-backup-<id>, that runs `appsmith backup` with the options\n" +
			"given here and then `appsmith backup prune` with the --keep-* given. The passphrase stays in its file:\n" +
			"the unit names the file, never the secret. --off removes them.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return backupScheduleRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Daily, "daily", "", "time of day (HH:MM, the host's local time) to back up at")
	fl.BoolVar(&opts.Off, "off", false, "remove the schedule")
	fl.StringVar(&opts.To, "to", "", "where to write: a directory or s3://BUCKET/PREFIX (default <dir>/backups)")
	fl.StringVar(&opts.PassphraseFile, "passphrase-file", "", "file holding the passphrase (read at each run; env "+passphraseEnv+")")
	fl.StringArrayVar(&opts.Recipients, "recipient", nil, "age public key to encrypt to; repeatable")
	fl.BoolVar(&opts.NoEncrypt, "no-encrypt", false, "unencrypted archives without the encryption keys")
	fl.BoolVar(&opts.Cold, "cold", false, "cold backups (Appsmith stops while the stacks are archived)")
	fl.IntVar(&opts.Keep.Last, "keep-last", 0, "prune: keep the N newest archives")
	fl.IntVar(&opts.Keep.Daily, "keep-daily", 0, "prune: keep the newest archive of each of the last N days")
	fl.IntVar(&opts.Keep.Weekly, "keep-weekly", 0, "prune: keep the newest archive of each of the last N weeks")
	fl.IntVar(&opts.Keep.Monthly, "keep-monthly", 0, "prune: keep the newest archive of each of the last N months")
	opts.S3.add(fl)
	return cmd
}

var hhmm = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)

// scheduleFiles are the files a schedule of dir is made of.
type scheduleFiles struct{ service, timer, cron, unit string }

func filesFor(root, dir string) scheduleFiles {
	sum := sha256.Sum256([]byte(dir))
	unit := "appsmith-backup-" + hex.EncodeToString(sum[:4])
	return scheduleFiles{
		unit:    unit,
		service: filepath.Join(root, "etc/systemd/system", unit+".service"),
		timer:   filepath.Join(root, "etc/systemd/system", unit+".timer"),
		cron:    filepath.Join(root, "etc/cron.d", unit),
	}
}

func backupScheduleRun(ctx context.Context, opts *BackupScheduleOptions) error {
	if opts.Off == (opts.Daily != "") {
		return engine.UsageError("backup schedule needs --daily HH:MM, or --off to remove the schedule")
	}
	var hour, minute int
	if opts.Daily != "" {
		m := hhmm.FindStringSubmatch(opts.Daily)
		if m == nil {
			return engine.UsageError("--daily %q: a time of day as HH:MM (24-hour), such as 03:30", opts.Daily)
		}
		hour, _ = strconv.Atoi(m[1])
		minute, _ = strconv.Atoi(m[2])
	}
	in, err := locate(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	opts.Root.usedDir = in.dir
	files := filesFor(opts.SystemRoot, in.dir)
	systemd := isDir(filepath.Join(opts.SystemRoot, "run/systemd/system"))
	if opts.Off {
		if systemd && opts.SystemRoot == "/" {
			_ = exec.CommandContext(ctx, "systemctl", "disable", "--now", files.unit+".timer").Run()
		}
		removed := 0
		for _, p := range []string{files.timer, files.service, files.cron} {
			if err := os.Remove(p); err == nil {
				removed++
			} else if !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		if systemd && opts.SystemRoot == "/" {
			_ = exec.CommandContext(ctx, "systemctl", "daemon-reload").Run()
		}
		if removed == 0 {
			fmt.Fprintf(opts.IO.Err, "No backup schedule for %s.\n", in.dir)
		} else {
			fmt.Fprintf(opts.IO.Err, "Backup schedule of %s removed.\n", in.dir)
		}
		return nil
	}
	args, env, err := scheduledArgs(opts, in.dir)
	if err != nil {
		return err
	}
	bin := opts.Binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return err
		}
	}
	backupCmd := append([]string{bin, "--dir", in.dir, "--progress", "plain", "backup"}, args...)
	var pruneCmd []string
	if opts.Keep != (backup.Keep{}) {
		pruneCmd = []string{bin, "--dir", in.dir, "--progress", "plain", "backup", "prune"}
		if opts.To != "" {
			pruneCmd = append(pruneCmd, "--from", opts.To)
		}
		pruneCmd = append(pruneCmd, keepArgs(opts.Keep)...)
		pruneCmd = append(pruneCmd, s3Args(&opts.S3)...)
	}
	if systemd {
		return writeSystemd(ctx, opts, files, in.dir, backupCmd, pruneCmd, env, hour, minute)
	}
	return writeCron(opts, files, in.dir, backupCmd, pruneCmd, env, hour, minute)
}

// scheduledArgs are the backup's flags, checked now (a schedule that would
// fail every night is refused today), and its environment.
func scheduledArgs(opts *BackupScheduleOptions, dir string) ([]string, []string, error) {
	if _, err := encryption(opts.IO, opts.PassphraseFile, opts.Recipients, opts.NoEncrypt); err != nil {
		return nil, nil, err
	}
	var args, env []string
	if opts.To != "" {
		to := opts.To
		if !strings.HasPrefix(to, "s3://") {
			abs, err := filepath.Abs(to)
			if err != nil {
				return nil, nil, err
			}
			to = abs
		}
		args = append(args, "--to", to)
		opts.To = to
	}
	if opts.Cold {
		args = append(args, "--cold")
	}
	pass := opts.PassphraseFile
	if pass == "" && len(opts.Recipients) == 0 && !opts.NoEncrypt {
		pass = opts.IO.Getenv(passphraseEnv)
	}
	switch {
	case pass != "":
		abs, err := filepath.Abs(pass)
		if err != nil {
			return nil, nil, err
		}
		env = append(env, passphraseEnv+"="+abs)
	case opts.NoEncrypt:
		args = append(args, "--no-encrypt")
	default:
		for _, r := range opts.Recipients {
			args = append(args, "--recipient", r)
		}
	}
	args = append(args, s3Args(&opts.S3)...)
	return args, env, nil
}

func keepArgs(k backup.Keep) []string {
	var a []string
	for _, kv := range []struct {
		flag string
		n    int
	}{{"--keep-last", k.Last}, {"--keep-daily", k.Daily}, {"--keep-weekly", k.Weekly}, {"--keep-monthly", k.Monthly}} {
		if kv.n > 0 {
			a = append(a, kv.flag, strconv.Itoa(kv.n))
		}
	}
	return a
}

func s3Args(s *s3Flags) []string {
	var a []string
	if s.endpoint != "" {
		a = append(a, "--s3-endpoint", s.endpoint)
	}
	if s.region != "" {
		a = append(a, "--s3-region", s.region)
	}
	if s.fs != nil && s.fs.Changed("s3-path-style") {
		a = append(a, "--s3-path-style="+strconv.FormatBool(s.pathStyle))
	}
	return a
}

func writeSystemd(ctx context.Context, opts *BackupScheduleOptions, f scheduleFiles, dir string, backupCmd, pruneCmd, env []string, hour, minute int) error {
	var svc strings.Builder
	fmt.Fprintf(&svc, "# Written by appsmith-install (`appsmith backup schedule`); `appsmith --dir %s backup schedule --off` removes it.\n", dir)
	fmt.Fprintf(&svc, "[Unit]\nDescription=Back up the Appsmith instance in %s\nWants=docker.service\nAfter=docker.service\n\n[Service]\nType=oneshot\n", dir)
	for _, e := range env {
		fmt.Fprintf(&svc, "Environment=%s\n", systemdQuote(e))
	}
	fmt.Fprintf(&svc, "ExecStart=%s\n", systemdCmd(backupCmd))
	if pruneCmd != nil {
		fmt.Fprintf(&svc, "ExecStartPost=%s\n", systemdCmd(pruneCmd))
	}
	timer := fmt.Sprintf("# Written by appsmith-install (`appsmith backup schedule`).\n[Unit]\nDescription=Daily backup of the Appsmith instance in %s\n\n"+
		"[Timer]\nOnCalendar=*-*-* %02d:%02d:00\nPersistent=true\n\n[Install]\nWantedBy=timers.target\n", dir, hour, minute)
	if err := os.MkdirAll(filepath.Dir(f.service), 0o755); err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(f.service, []byte(svc.String()), 0o644); err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(f.timer, []byte(timer), 0o644); err != nil {
		return err
	}
	_ = os.Remove(f.cron) // one schedule per install
	enable := "systemctl daemon-reload && systemctl enable --now " + f.unit + ".timer"
	if opts.SystemRoot == "/" {
		if err := exec.CommandContext(ctx, "systemctl", "daemon-reload").Run(); err == nil {
			if out, err := exec.CommandContext(ctx, "systemctl", "enable", "--now", f.unit+".timer").CombinedOutput(); err != nil {
				return fmt.Errorf("systemctl enable --now %s.timer: %v: %s", f.unit, err, strings.TrimSpace(string(out)))
			}
			enable = ""
		}
	}
	fmt.Fprintf(opts.IO.Err, "Daily backup of %s at %02d:%02d: %s (logs: `journalctl -u %s`).\n", dir, hour, minute, f.timer, f.unit)
	if enable != "" {
		fmt.Fprintf(opts.IO.Err, "Enable it with `%s`.\n", enable)
	}
	return nil
}

func writeCron(opts *BackupScheduleOptions, f scheduleFiles, dir string, backupCmd, pruneCmd, env []string, hour, minute int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by appsmith-install (`appsmith backup schedule`); `appsmith --dir %s backup schedule --off` removes it.\n", dir)
	b.WriteString("SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n")
	for _, e := range env {
		b.WriteString(e + "\n")
	}
	line := shellCmd(backupCmd)
	if pruneCmd != nil {
		line += " && " + shellCmd(pruneCmd)
	}
	fmt.Fprintf(&b, "%d %d * * * root ( %s ) 2>&1 | logger -t %s\n", minute, hour, line, f.unit)
	if err := os.MkdirAll(filepath.Dir(f.cron), 0o755); err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(f.cron, []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Err, "Daily backup of %s at %02d:%02d: %s (no systemd here; logs go to syslog as %s).\n", dir, hour, minute, f.cron, f.unit)
	if opts.SystemRoot == "/" && !cronRuns() {
		fmt.Fprintln(opts.IO.Err, "warning: no cron daemon seems to run on this machine (no crond pid file): nothing will run this schedule until one does (apt-get install cron)")
	}
	return nil
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

// cronRuns looks for a running cron daemon by the pid files Debian's cron,
// cronie and busybox crond write.
func cronRuns() bool {
	for _, p := range []string{"/run/crond.pid", "/var/run/crond.pid", "/run/cron.pid", "/var/run/cron.pid"} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}
