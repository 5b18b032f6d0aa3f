package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// v1.8.15 → v2.0.1 on embedded MongoDB steps through both checkpoints
// (v1.9.2, then the newest of v1.96–v1.99), setting the FCV before each
// MongoDB major and checking the one the image raises; the data comes
// through; the copy of the stacks and the old image are the rollback point.
func TestUpgradeThroughCheckpoints(t *testing.T) {
	e := newEnv(t)
	for _, tag := range []string{"v1.8.15", "v1.9.2", "v1.98", "v1.99", "v2.0.1"} {
		e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: tag})
	}
	e.mustSucceed(e.run(nil, e.installArgs("v1.8.15", "--db", "embedded-mongodb")...), "install")
	orig := e.containerID()
	testenv.SeedDocuments(t, e.cli, orig, "widgets", 50)

	r := e.run(nil, "upgrade", "v2.0.1", "--plan")
	e.mustSucceed(r, "plan")
	contains(t, "plan", r.out, "v1.8.15 → v1.9.2", "v1.9.2 → v1.99", "v1.99 → v2.0.1", "set FCV 5.0", "check FCV 6.0")
	if id := e.containerID(); id != orig {
		t.Fatal("--plan changed the container")
	}

	r = e.run(nil, "upgrade", "v2.0.1", "--yes", "--progress", "plain", "--timeout", "90s")
	e.mustSucceed(r, "upgrade")
	s, code := e.status()
	if code != 0 || s.Version != "v2.0.1" || s.Container != e.name {
		t.Fatalf("after the upgrade: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 50 {
		t.Errorf("%d documents after the upgrade, want 50", n)
	}
	if fcv := testenv.MongoEval(t, e.cli, s.ContainerID, "db.adminCommand({getParameter: 1, featureCompatibilityVersion: 1}).featureCompatibilityVersion.version"); !strings.Contains(fcv, "6.0") {
		t.Errorf("FCV after the upgrade: %s", fcv)
	}
	st, _ := state.Load(e.dir)
	if len(st.History) != 1 || st.History[0].Version != "v1.8.15" || st.History[0].ImageID == "" {
		t.Errorf("history %+v", st.History)
	} else if _, err := os.Stat(st.History[0].RollbackPoint); err != nil {
		t.Errorf("rollback point: %v", err)
	}
	// The replaced containers are gone: one container per stacks directory.
	list, _ := e.cli.ContainerList(context.Background(), client.ContainerListOptions{All: true})
	n := 0
	for _, c := range list.Items {
		for _, name := range c.Names {
			if strings.Contains(name, e.name) {
				n++
			}
		}
	}
	if n != 1 {
		t.Errorf("%d containers of the install, want only the new one", n)
	}
	r = e.run(nil, "upgrade", "v1.9.2", "--yes")
	if r.code != 2 {
		t.Errorf("a downgrade: exit %d, want 2\n%s", r.code, r.errOut)
	}
}

// A hop whose image never becomes ready rolls every hop back: the original
// version runs again on stacks byte-identical to before the upgrade.
func TestUpgradeFailureRollsBackWithData(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.99", Fault: spec.FaultCorruptOnStart})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2", "--db", "embedded-mongodb")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 20)
	e.mustSucceed(e.run(nil, "stop"), "stop")
	before := hashTree(t, filepath.Join(e.dir, "stacks/data"), filepath.Join(e.dir, "stacks/configuration"), filepath.Join(e.dir, "stacks/git-storage"))
	e.mustSucceed(e.run(nil, "start"), "start")

	r := e.run(nil, "upgrade", "v1.99", "--yes", "--progress", "plain", "--timeout", "30s")
	if r.code != 1 {
		t.Fatalf("upgrade to a failing image: exit %d, want 1\n%s", r.code, r.errOut)
	}
	contains(t, "failed upgrade", r.errOut, "rolled back")
	s, code := e.status()
	if code != 0 || s.Version != "v1.9.2" {
		t.Fatalf("after the rollback: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 20 {
		t.Errorf("%d documents after the rollback", n)
	}
	e.mustSucceed(e.run(nil, "stop"), "stop")
	if after := hashTree(t, filepath.Join(e.dir, "stacks/data"), filepath.Join(e.dir, "stacks/configuration"), filepath.Join(e.dir, "stacks/git-storage")); after != before {
		t.Error("the stacks differ from before the upgrade after its rollback")
	}
}

// A two-hop upgrade (v1.9.1 → v1.9.2 → v1.9.38) killed at any journal
// record is finished or rolled back by `upgrade --resume`: the instance
// ends ready at the old or the new version with its data.
func TestUpgradeKilledResumes(t *testing.T) {
	e := newEnv(t)
	for _, tag := range []string{"v1.9.1", "v1.9.2", "v1.9.38"} {
		e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: tag})
	}
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.1", "--db", "embedded-mongodb")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 10)
	killed := 0
	for n := 1; n < 90; n++ {
		r := e.run([]string{testenv.FailpointAfterRecord(n)}, "upgrade", "v1.9.38", "--yes", "--progress", "plain", "--timeout", "60s")
		if r.code == 0 {
			break
		}
		if r.code != 128+int(syscall.SIGKILL) {
			t.Fatalf("record %d: exit %d, want killed\n%s", n, r.code, r.errOut)
		}
		killed++
		if other := e.run(nil, "restart"); other.code != 3 || !strings.Contains(other.errOut, "upgrade --resume") {
			t.Fatalf("record %d: another command during an unfinished upgrade: exit %d\n%s", n, other.code, other.errOut)
		}
		e.mustSucceed(e.run(nil, "upgrade", "--resume", "--progress", "plain", "--timeout", "60s"), "resume at record "+strconv.Itoa(n))
		s, code := e.status()
		if code != 0 || (s.Version != "v1.9.1" && s.Version != "v1.9.38") {
			t.Fatalf("record %d: after --resume: exit %d %+v", n, code, s)
		}
		if c := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); c != 10 {
			t.Fatalf("record %d: %d documents", n, c)
		}
		if s.Version == "v1.9.38" {
			break // finished by the resume
		}
	}
	if killed < 20 {
		t.Fatalf("covered only %d kill points", killed)
	}
	t.Logf("covered %d kill points", killed)
}

// After a good upgrade, rollback goes back to the version before it on the
// copy the upgrade took; what was written since is set aside, not deleted.
func TestRollbackAfterUpgrade(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2", "--db", "embedded-mongodb")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 8)
	e.mustSucceed(e.run(nil, "upgrade", "v1.9.38", "--yes", "--progress", "plain"), "upgrade")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 2)
	contains(t, "status", e.run(nil, "status").out, "rollback:   to v1.9.2")

	if r := e.run(nil, "rollback"); r.code != 2 || !strings.Contains(r.errOut, "--yes") {
		t.Fatalf("rollback without --yes and no terminal: exit %d\n%s", r.code, r.errOut)
	}
	e.mustSucceed(e.run(nil, "rollback", "--yes", "--progress", "plain"), "rollback")
	s, code := e.status()
	if code != 0 || s.Version != "v1.9.2" {
		t.Fatalf("after the rollback: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 8 {
		t.Errorf("%d documents after the rollback, want the 8 of before the upgrade", n)
	}
	st, _ := state.Load(e.dir)
	if len(st.History) != 0 {
		t.Errorf("history after the rollback: %+v", st.History)
	}
	matches, _ := filepath.Glob(filepath.Join(e.dir, "backups", "upgrade-*", "stacks-at-rollback", "configuration", "docker.env"))
	if len(matches) != 1 {
		t.Errorf("the stacks of v1.9.38 were not set aside: %v", matches)
	}
	if strings.Contains(e.run(nil, "status").out, "rollback:") {
		t.Error("status still offers a rollback")
	}
	if r := e.run(nil, "rollback", "--yes"); r.code != 3 {
		t.Errorf("a second rollback: exit %d, want 3\n%s", r.code, r.errOut)
	}
}
