package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/doctor"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

func TestDoctorWithoutInstallRunsTheMachineChecks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "none")
	r := run(t, fakeDeps(emptyEngine(t)), nil, "doctor", "--json", "--dir", dir)
	if r.code != engine.ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	var rep doctor.Report
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Worst != doctor.Info || rep.Findings[0].ID != "engine" || rep.Findings[0].Status != doctor.OK {
		t.Errorf("report %+v", rep)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("doctor created %s", dir)
	}
}

func TestDoctorEngineUnreachableFails(t *testing.T) {
	deps := fakeDeps(nil)
	deps.Docker = func(context.Context) (Engine, error) {
		return nil, errors.New("docker engine unreachable\nIs dockerd running?")
	}
	r := run(t, deps, nil, "doctor", "--dir", t.TempDir())
	if r.code != engine.ExitFailure || !strings.Contains(r.out, "FAIL  engine") || !strings.Contains(r.out, "sudo systemctl start docker") {
		t.Errorf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

func TestSupportBundleBadOutputChangesNothing(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []string{filepath.Join(dir, "missing", "b.tar.gz"), dir} {
		r := run(t, fakeDeps(emptyEngine(t)), nil, "support-bundle", "-o", o, "--dir", filepath.Join(dir, "none"))
		if r.code != engine.ExitUsage || !strings.Contains(r.errOut, "-o "+o) {
			t.Errorf("-o %s: exit %d, stderr %q", o, r.code, r.errOut)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %v", ents)
	}
}

func TestSupportBundleWritesAPrivateFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	eng := emptyEngine(t)
	r := run(t, fakeDeps(eng), nil, "support-bundle", "-o", out, "--dir", filepath.Join(t.TempDir(), "none"))
	if r.code != 0 || strings.TrimSpace(r.out) != out {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%v %v", err, st)
	}
}
