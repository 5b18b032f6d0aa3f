package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

func TestParseWindow(t *testing.T) {
	for in, want := range map[string][3]string{
		"Sun 03:00":   {"Sun 03:00", "Sun *-*-* 03:00:00", "0 3 * * 0"},
		"sat 23:59":   {"Sat 23:59", "Sat *-*-* 23:59:00", "59 23 * * 6"},
		"daily 3:05":  {"daily 03:05", "*-*-* 03:05:00", "5 3 * * *"},
		" Mon  00:00": {"Mon 00:00", "Mon *-*-* 00:00:00", "0 0 * * 1"},
	} {
		w, err := parseWindow(in)
		if err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got := [3]string{w.String(), w.calendar(), w.cron()}; got != want {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
	for _, bad := range []string{"", "Sun", "03:00", "Sunday 03:00", "Sun 24:00", "Sun 3am", "Sun 03:00 UTC", "weekly 03:00", "Sun,Mon 03:00", "Sun 03:60"} {
		_, err := parseWindow(bad)
		if engine.ExitCode(err) != engine.ExitUsage || !strings.Contains(err.Error(), "--window") {
			t.Errorf("%q: %v, want a usage error naming --window", bad, err)
		}
	}
}

// enable writes a timer (or a cron file) running `upgrade --auto` in the
// window, with the passphrase by its file; the settings go to appsmith.yaml;
// status shows them; disable removes the files and keeps the last outcome.
func TestAutoUpdateEnableStatusDisable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my apps")
	os.MkdirAll(dir, 0o755)
	last := &state.AutoUpdateRecord{At: time.Now().Add(-time.Hour), From: "v1.9.2", To: "v1.9.38", Outcome: "rolled_back", Error: "boom"}
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2", AutoUpdate: &state.AutoUpdate{Last: last}})
	pass := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pass, []byte("s3cret-value\n"), 0o600)
	run := func(root string, o AutoUpdateOptions, f func(context.Context, *AutoUpdateOptions) error) (string, string, error) {
		stdio, out, errOut := testIO()
		eng := dockerfake.New(t).Serve(managed("a", dir, true))
		o.IO, o.Deps, o.Root, o.SystemRoot, o.Binary = stdio, fakeDeps(eng), &rootOpts{dir: dir, progress: "plain"}, root, "/usr/local/bin/appsmith"
		if o.Channel == "" {
			o.Channel = "patch"
		}
		err := f(context.Background(), &o)
		return out.String(), errOut.String(), err
	}

	sys := t.TempDir()
	os.MkdirAll(filepath.Join(sys, "run/systemd/system"), 0o755)
	if _, _, err := run(sys, AutoUpdateOptions{Window: "sun 03:00", Channel: "minor", PassphraseFile: pass}, autoUpdateEnable); err != nil {
		t.Fatal(err)
	}
	f := autoUpdateFiles(sys, dir)
	svc, _ := os.ReadFile(f.service)
	timer, _ := os.ReadFile(f.timer)
	contains(t, string(svc), "Environment=APPSMITH_BACKUP_PASSPHRASE_FILE="+pass, `ExecStart=/usr/local/bin/appsmith --dir "`+dir+`" --progress plain upgrade --auto`, "After=docker.service", "Type=oneshot")
	contains(t, string(timer), "OnCalendar=Sun *-*-* 03:00:00", "Persistent=false", "WantedBy=timers.target")
	if strings.Contains(string(svc), "s3cret") {
		t.Error("the passphrase is in the unit")
	}
	if !strings.HasPrefix(f.unit, "appsmith-auto-update-") || f.unit == filesFor(sys, dir).unit {
		t.Errorf("unit %s", f.unit)
	}
	st, _ := state.Load(dir)
	if au := st.AutoUpdate; au == nil || au.Window != "Sun 03:00" || au.Channel != "minor" || au.Last == nil || au.Last.Outcome != "rolled_back" {
		t.Fatalf("recorded %+v", st.AutoUpdate)
	}

	out, _, err := run(sys, AutoUpdateOptions{}, autoUpdateStatus)
	if err != nil {
		t.Fatal(err)
	}
	contains(t, out, "Sun 03:00, channel minor", f.timer, "rolled_back (v1.9.2 → v1.9.38): boom")
	out, _, _ = run(sys, AutoUpdateOptions{JSON: true}, autoUpdateStatus)
	var js AutoUpdateStatus
	if err := json.Unmarshal([]byte(out), &js); err != nil || !js.Enabled || js.Window != "Sun 03:00" || js.Channel != "minor" || len(js.TimerFiles) != 2 || js.Last == nil || js.Last.To != "v1.9.38" {
		t.Errorf("--json %v: %s", err, out)
	}

	if _, _, err := run(sys, AutoUpdateOptions{}, autoUpdateDisable); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{f.service, f.timer} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("disable left %s", p)
		}
	}
	st, _ = state.Load(dir)
	if au := st.AutoUpdate; au == nil || au.Window != "" || au.Last == nil {
		t.Errorf("after disable %+v", st.AutoUpdate)
	}
	out, _, _ = run(sys, AutoUpdateOptions{}, autoUpdateStatus)
	contains(t, out, "off")

	cron := t.TempDir() // no systemd
	if _, _, err := run(cron, AutoUpdateOptions{Window: "daily 04:30"}, autoUpdateEnable); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(autoUpdateFiles(cron, dir).cron)
	contains(t, string(data), "30 4 * * * root ( /usr/local/bin/appsmith --dir '"+dir+"' --progress plain upgrade --auto ) 2>&1 | logger -t appsmith-auto-update-")
	if strings.Contains(string(data), "APPSMITH_BACKUP_PASSPHRASE_FILE") {
		t.Error("a passphrase file nobody gave")
	}

	before, _ := os.ReadFile(state.Path(dir))
	for _, bad := range []AutoUpdateOptions{{}, {Window: "Sunday 03:00"}, {Window: "Sun 03:00", Channel: "weekly"}, {Window: "Sun 03:00", PassphraseFile: filepath.Join(dir, "nope")}} {
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "run/systemd/system"), 0o755)
		if _, _, err := run(root, bad, autoUpdateEnable); engine.ExitCode(err) != engine.ExitUsage {
			t.Errorf("%+v: %v, want a usage error", bad, err)
		}
		if _, err := os.Stat(autoUpdateFiles(root, dir).timer); err == nil {
			t.Errorf("%+v: a timer written", bad)
		}
	}
	if after, _ := os.ReadFile(state.Path(dir)); string(after) != string(before) {
		t.Error("a refused enable changed appsmith.yaml")
	}
}

func TestEnvInFile(t *testing.T) {
	d := t.TempDir()
	unit := filepath.Join(d, "u")
	os.WriteFile(unit, []byte("[Service]\nEnvironment="+systemdQuote(passphraseEnv+"=/etc/my pass$%")+"\n"), 0o644)
	if got := envInFile(unit, passphraseEnv); got != "/etc/my pass$%" {
		t.Errorf("unit: %q", got)
	}
	cron := filepath.Join(d, "c")
	os.WriteFile(cron, []byte("SHELL=/bin/sh\n"+passphraseEnv+"=/etc/pass\n0 3 * * * root x\n"), 0o644)
	if got := envInFile(cron, passphraseEnv); got != "/etc/pass" {
		t.Errorf("cron: %q", got)
	}
}
