package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A schedule is a systemd service and timer where systemd runs, a cron file
// elsewhere; each runs the backup with the options given (the passphrase by
// its file, never the secret) and then prune; --off removes them.
func TestBackupScheduleWritesUnitsOrCron(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my apps")
	os.MkdirAll(dir, 0o755)
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2"})
	pass := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pass, []byte("s3cret-value\n"), 0o600)
	run := func(root string, o BackupScheduleOptions) (string, error) {
		stdio, _, errOut := testIO()
		eng := dockerfake.New(t).Serve(managed("a", dir, true))
		o.IO, o.Deps, o.Root, o.SystemRoot, o.Binary = stdio, fakeDeps(eng), &rootOpts{dir: dir, progress: "plain"}, root, "/usr/local/bin/appsmith"
		err := backupScheduleRun(context.Background(), &o)
		return errOut.String(), err
	}

	sys := t.TempDir()
	os.MkdirAll(filepath.Join(sys, "run/systemd/system"), 0o755)
	if _, err := run(sys, BackupScheduleOptions{Daily: "03:30", PassphraseFile: pass, To: "s3://bucket/appsmith", Keep: backup.Keep{Last: 7, Daily: 7}}); err != nil {
		t.Fatal(err)
	}
	f := filesFor(sys, dir)
	svc, _ := os.ReadFile(f.service)
	timer, _ := os.ReadFile(f.timer)
	for _, want := range []string{"Environment=APPSMITH_BACKUP_PASSPHRASE_FILE=" + pass, `ExecStart=/usr/local/bin/appsmith --dir "` + dir + `" --progress plain backup --to s3://bucket/appsmith`,
		"ExecStartPost=/usr/local/bin/appsmith", "backup prune --from s3://bucket/appsmith --keep-last 7 --keep-daily 7", "After=docker.service"} {
		contains(t, string(svc), want)
	}
	contains(t, string(timer), "OnCalendar=*-*-* 03:30:00", "Persistent=true", "WantedBy=timers.target")
	if strings.Contains(string(svc), "s3cret") {
		t.Error("the passphrase is in the unit")
	}
	if _, err := run(sys, BackupScheduleOptions{Off: true}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{f.service, f.timer} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("--off left %s", p)
		}
	}

	// A retention the nightly prune would refuse is refused now, nothing
	// written.
	refused := t.TempDir()
	os.MkdirAll(filepath.Join(refused, "run/systemd/system"), 0o755)
	if _, err := run(refused, BackupScheduleOptions{Daily: "03:30", NoEncrypt: true, Keep: backup.Keep{Last: -1}}); engine.ExitCode(err) != engine.ExitUsage || !strings.Contains(err.Error(), "negative") {
		t.Errorf("--keep-last -1: %v, want a usage error", err)
	}
	if f := filesFor(refused, dir); fileExists(f.service) || fileExists(f.timer) {
		t.Error("a refused schedule wrote its units")
	}

	cron := t.TempDir() // no systemd
	if _, err := run(cron, BackupScheduleOptions{Daily: "23:05", NoEncrypt: true}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filesFor(cron, dir).cron)
	contains(t, string(data), "5 23 * * * root ( /usr/local/bin/appsmith --dir '"+dir+"' --progress plain backup --no-encrypt ) 2>&1 | logger -t appsmith-backup-")

	for _, bad := range []BackupScheduleOptions{{}, {Daily: "25:00", NoEncrypt: true}, {Daily: "3am", NoEncrypt: true}, {Daily: "03:00"}, {Daily: "03:00", Off: true}} {
		if _, err := run(t.TempDir(), bad); engine.ExitCode(err) != engine.ExitUsage {
			t.Errorf("%+v: %v, want a usage error", bad, err)
		}
	}
}
