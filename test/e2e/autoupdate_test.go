package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// autoUpdateOf is the auto_update field of `status --json`.
func (e *env) autoUpdateOf() *state.AutoUpdateRecord {
	e.t.Helper()
	r := e.run(nil, "status", "--json")
	var s struct {
		AutoUpdate *struct {
			Last *state.AutoUpdateRecord `json:"last"`
		} `json:"auto_update"`
	}
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		e.t.Fatalf("status --json: %v\n%s", err, r.out)
	}
	if s.AutoUpdate == nil {
		return nil
	}
	return s.AutoUpdate.Last
}

// upgrade --auto on channel patch (the default) goes from v1.9.2 to the
// newest v1.9.x, not to v1.99, after a backup with the passphrase file of
// the environment; the outcome is recorded and status shows it; a second
// run has nothing to do.
func TestAutoUpgradePatchChannel(t *testing.T) {
	e := newEnv(t)
	for _, tag := range []string{"v1.9.2", "v1.9.37", "v1.9.38", "v1.99"} {
		e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: tag})
	}
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 30)
	pass := passphraseFile(t, "correct horse battery staple")

	r := e.run([]string{"APPSMITH_BACKUP_PASSPHRASE_FILE=" + pass}, "upgrade", "--auto", "--progress", "plain", "--timeout", "90s")
	e.mustSucceed(r, "upgrade --auto")
	s, code := e.status()
	if code != 0 || s.Version != "v1.9.38" {
		t.Fatalf("after upgrade --auto: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 30 {
		t.Errorf("%d documents after the upgrade, want 30", n)
	}
	last := e.autoUpdateOf()
	if last == nil || last.Outcome != "done" || last.From != "v1.9.2" || last.To != "v1.9.38" || last.Backup == "" || last.Error != "" {
		t.Fatalf("recorded %+v", last)
	}
	if !strings.HasSuffix(last.Backup, "-v1.9.2.tar.zst.age") {
		t.Errorf("backup %q, want an archive of v1.9.2", last.Backup)
	} else if _, err := os.Stat(last.Backup); err != nil {
		t.Errorf("backup: %v", err)
	}
	r = e.run(nil, "status")
	contains(t, "status", r.out, "auto-update: off; last:", "done (v1.9.2 → v1.9.38)")

	r = e.run(nil, "upgrade", "--auto", "--progress", "plain")
	e.mustSucceed(r, "second upgrade --auto")
	contains(t, "second run", r.errOut, "nothing to do")
	if last := e.autoUpdateOf(); last == nil || last.Outcome != "nothing-to-do" || last.From != "v1.9.38" || last.To != "" {
		t.Errorf("recorded %+v", last)
	}
	if r := e.run(nil, "upgrade", "--auto", "v1.99"); r.code != 2 {
		t.Errorf("--auto with a VERSION: exit %d, want 2", r.code)
	}
}

// A newest patch that never becomes ready is rolled back by the upgrade:
// the instance is ready on v1.9.2 with its data, and the outcome recorded
// is rolled_back (no backup without a passphrase file: the upgrade's copy
// of the stacks was the rollback point).
func TestAutoUpgradeBadReleaseRolledBack(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.37"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38", Fault: spec.FaultNeverHealthy})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.99"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 20)

	r := e.run(nil, "upgrade", "--auto", "--progress", "plain", "--timeout", "30s")
	if r.code != 1 {
		t.Fatalf("upgrade --auto to a bad release: exit %d, want 1\n%s", r.code, r.errOut)
	}
	contains(t, "upgrade --auto", r.errOut, "no backup taken", "rolled back")
	s, code := e.status()
	if code != 0 || s.Version != "v1.9.2" {
		t.Fatalf("after the rollback: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 20 {
		t.Errorf("%d documents after the rollback, want 20", n)
	}
	last := e.autoUpdateOf()
	if last == nil || last.Outcome != "rolled_back" || last.From != "v1.9.2" || last.To != "v1.9.38" || last.Backup != "" || !strings.Contains(last.Error, "rolled back") {
		t.Fatalf("recorded %+v", last)
	}
	r = e.run(nil, "status")
	contains(t, "status", r.out, "rolled_back (v1.9.2 → v1.9.38)")
}
