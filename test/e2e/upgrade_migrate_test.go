package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// An instance whose v1.9.2 image embeds MongoDB 4.4 (a build of the 1.9 line
// on the MongoDB of v1.8, as made for CPUs without AVX) keeps its data at FCV
// 4.4, which MongoDB 6 (v1.98, v1.99) refuses and MongoDB 4.4 cannot raise:
// the upgrade migrates by dump and restore. A new version that never gets
// ready after the restore is rolled back automatically; a run killed once
// the restore is done keeps data/mongodb aside and --resume rolls it back;
// in both cases the stacks are byte-identical to before. The good upgrade
// brings every document across and removes the old data directory only
// once it is verified.
func TestUpgradeMigratesByDumpAndRestore(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2", MongoVersion: "4.4"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.98", Fault: spec.FaultNeverHealthy})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.99"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2", "--db", "embedded-mongodb")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 30)
	stacks := filepath.Join(e.dir, "stacks")
	hash := func() string {
		e.mustSucceed(e.run(nil, "stop"), "stop")
		defer e.mustSucceed(e.run(nil, "start"), "start")
		return hashTree(t, filepath.Join(stacks, "data"), filepath.Join(stacks, "configuration"), filepath.Join(stacks, "git-storage"))
	}
	before := hash()
	aside := filepath.Join(stacks, "data", "mongodb.pre-v1.9.2")
	same := func(what string) {
		t.Helper()
		s, code := e.status()
		if code != 0 || s.Version != "v1.9.2" {
			t.Fatalf("%s: exit %d %+v", what, code, s)
		}
		if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 30 {
			t.Errorf("%s: %d documents, want 30", what, n)
		}
		if after := hash(); after != before {
			t.Errorf("%s: the stacks differ from before the upgrade", what)
		}
		for _, p := range []string{aside, filepath.Join(stacks, "data", "mongodb.failed-v1.98"), filepath.Join(stacks, "data", "mongodb.failed-v1.99")} {
			if _, err := os.Stat(p); err == nil {
				t.Errorf("%s: %s is left", what, p)
			}
		}
	}

	r := e.run(nil, "upgrade", "v1.99", "--plan")
	e.mustSucceed(r, "plan")
	contains(t, "plan", r.out, "migrate by dump and restore: the data is at FCV 4.4", "Dump MongoDB 4.4 of v1.9.2", "Restore the dump into MongoDB 6.0")

	r = e.run(nil, "upgrade", "v1.98", "--yes", "--progress", "plain", "--timeout", "20s")
	if r.code != 1 {
		t.Fatalf("upgrade to a release that never gets ready: exit %d, want 1\n%s", r.code, r.errOut)
	}
	contains(t, "failed migration", r.errOut, "rolled back", "Restore the dump into MongoDB 6.0")
	same("after the automatic rollback")

	r = e.run([]string{testenv.FailpointAt("done", "hop1:v1.99/restore")}, "upgrade", "v1.99", "--yes", "--progress", "plain", "--timeout", "60s")
	if r.code != 128+int(syscall.SIGKILL) {
		t.Fatalf("killed after the restore: exit %d\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(filepath.Join(aside, "standin-mongo.json")); err != nil {
		t.Errorf("the old data directory is not kept while the hop is unverified: %v", err)
	}
	e.mustSucceed(e.run(nil, "upgrade", "--resume", "--progress", "plain", "--timeout", "60s"), "resume")
	same("after --resume")

	r = e.run(nil, "upgrade", "v1.99", "--yes", "--progress", "plain", "--timeout", "60s")
	e.mustSucceed(r, "upgrade")
	s, code := e.status()
	if code != 0 || s.Version != "v1.99" {
		t.Fatalf("after the upgrade: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 30 {
		t.Errorf("%d documents after the migration, want 30", n)
	}
	if v := testenv.MongoEval(t, e.cli, s.ContainerID, "db.version()"); !strings.HasPrefix(strings.Trim(v, `"'`), "6.0") {
		t.Errorf("MongoDB %s after the upgrade", v)
	}
	if _, err := os.Stat(aside); err == nil {
		t.Error("the old data directory is left after a verified upgrade")
	}
	st, err := state.Load(e.dir)
	if err != nil || len(st.History) == 0 {
		t.Fatalf("history after the upgrade: %v %+v", err, st)
	}
	if dumps, _ := filepath.Glob(filepath.Join(filepath.Dir(st.History[len(st.History)-1].RollbackPoint), "mongodb-hop*")); len(dumps) != 0 {
		t.Errorf("the verified upgrade left its dump: %v", dumps)
	}
}

// A migration killed (SIGKILL) as each of its own steps starts and once it
// is done is rolled back by --resume, also when the rollback is killed too
// (after data/mongodb came back): v1.9.2 ready with every document, nothing
// left aside, the stacks byte-identical to before. Killed once v1.99 is
// verified, --resume finishes it and the old data directory goes.
func TestUpgradeMigrationKilledResumes(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2", MongoVersion: "4.4"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.99"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2", "--db", "embedded-mongodb")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 12)
	stacks := filepath.Join(e.dir, "stacks")
	hash := func() string {
		e.mustSucceed(e.run(nil, "stop"), "stop")
		defer e.mustSucceed(e.run(nil, "start"), "start")
		return hashTree(t, filepath.Join(stacks, "data"), filepath.Join(stacks, "configuration"), filepath.Join(stacks, "git-storage"))
	}
	before := hash()
	upgrade := func(failpoint string) result {
		return e.run([]string{failpoint}, "upgrade", "v1.99", "--yes", "--progress", "plain", "--timeout", "60s")
	}
	leftovers := func() []string {
		m, _ := filepath.Glob(filepath.Join(stacks, "data", "mongodb.*"))
		return m
	}
	killed := 0
	for _, id := range []string{"stop-writers-old", "dump", "move-aside", "wait-mongodb", "stop-writers", "restore", "check-counts", "restart"} {
		for _, typ := range []string{"start", "done"} {
			at := typ + ":" + id
			if r := upgrade(testenv.FailpointAt(typ, "hop1:v1.99/"+id)); r.code != 128+int(syscall.SIGKILL) {
				t.Fatalf("%s: exit %d, want killed\n%s", at, r.code, r.errOut)
			}
			killed++
			if typ == "done" && (id == "restore" || id == "wait-mongodb") {
				// The rollback killed too, right after data/mongodb came back.
				r := e.run([]string{testenv.FailpointAt("undo_done", "hop1:v1.99/move-aside")}, "upgrade", "--resume", "--progress", "plain", "--timeout", "60s")
				if r.code != 128+int(syscall.SIGKILL) {
					t.Fatalf("%s, rollback killed: exit %d\n%s", at, r.code, r.errOut)
				}
				killed++
			}
			e.mustSucceed(e.run(nil, "upgrade", "--resume", "--progress", "plain", "--timeout", "60s"), "resume at "+at)
			s, code := e.status()
			if code != 0 || s.Version != "v1.9.2" {
				t.Fatalf("%s: after --resume: exit %d %+v", at, code, s)
			}
			if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 12 {
				t.Fatalf("%s: %d documents after --resume, want 12", at, n)
			}
			if l := leftovers(); len(l) != 0 {
				t.Fatalf("%s: left in data/: %v", at, l)
			}
		}
	}
	if after := hash(); after != before {
		t.Error("the stacks differ from before after the rolled-back migrations")
	}
	if r := upgrade(testenv.FailpointAt("start", "hop1:v1.99/drop-aside")); r.code != 128+int(syscall.SIGKILL) {
		t.Fatalf("killed before drop-aside: exit %d\n%s", r.code, r.errOut)
	}
	killed++
	if _, err := os.Stat(filepath.Join(stacks, "data", "mongodb.pre-v1.9.2")); err != nil {
		t.Errorf("the old data directory is gone before the upgrade finished: %v", err)
	}
	e.mustSucceed(e.run(nil, "upgrade", "--resume", "--progress", "plain", "--timeout", "60s"), "resume after ready")
	s, code := e.status()
	if code != 0 || s.Version != "v1.99" {
		t.Fatalf("after the finishing --resume: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 12 {
		t.Errorf("%d documents after the migration, want 12", n)
	}
	if l := leftovers(); len(l) != 0 {
		t.Errorf("left in data/ after the finished migration: %v", l)
	}
	t.Logf("covered %d kill points of the migration", killed)
}
