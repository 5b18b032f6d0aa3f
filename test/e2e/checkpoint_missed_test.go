package e2e

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// A release that enforces a checkpoint the graph does not know (Appsmith
// added one after this tool's release) aborts its start with CHECKPOINT
// MISSED: the upgrade rolls back and says plainly which checkpoint to step
// through, with the command, in text and in the NDJSON failure event; the
// command it names then works, and so does the upgrade after it.
func TestUpgradeReportsUnknownCheckpoint(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.30"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.50", Checkpoint: "v1.9.30"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2", "--db", "embedded-mongodb")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 10)

	// The plan sizes what it would pull from the registry's manifest.
	sizes := e.planSizes("v1.9.50")
	if len(sizes) != 1 || sizes[0].Present || !sizes[0].Known || sizes[0].Bytes <= 0 {
		t.Fatalf("plan's image sizes before the pull: %+v", sizes)
	}
	contains(t, "plan", e.run(nil, "upgrade", "v1.9.50", "--plan").out, "to pull, ", "time: about", "assumed: pull at")

	r := e.run(nil, "upgrade", "v1.9.50", "--yes", "--progress", "json", "--timeout", "60s")
	if r.code != 1 {
		t.Fatalf("upgrade onto an unknown checkpoint: exit %d, want 1\n%s", r.code, r.errOut)
	}
	var last map[string]any
	sc := bufio.NewScanner(strings.NewReader(r.errOut))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev map[string]any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not NDJSON: %q", sc.Text())
		}
		last = ev
	}
	if last["kind"] != "outcome" || last["outcome"] != "rolled_back" || last["exit_code"] != float64(1) {
		t.Fatalf("last event %v, want the outcome rolled_back with exit_code 1", last)
	}
	msg, _ := last["message"].(string)
	contains(t, "failure event", msg, "rolled back", "v1.9.50 refuses to start on this data: Appsmith requires stepping through checkpoint v1.9.30 first — run: appsmith upgrade v1.9.30 --dir "+e.dir, "CHECKPOINT MISSED")
	cm, _ := last["checkpoint_missed"].(map[string]any)
	if cm["checkpoint"] != "v1.9.30" || cm["version"] != "v1.9.50" || cm["named"] != "v1.9.30" || cm["known"] != false {
		t.Errorf("checkpoint_missed %v", last["checkpoint_missed"])
	}
	if s, code := e.status(); code != 0 || s.Version != "v1.9.2" {
		t.Fatalf("after the rollback: exit %d %+v", code, s)
	}

	// Pulled by the failed attempt, the image is present: its local size.
	if sizes := e.planSizes("v1.9.50"); len(sizes) != 1 || !sizes[0].Present || sizes[0].Bytes <= 0 {
		t.Errorf("plan's image sizes after the pull: %+v", sizes)
	}

	e.mustSucceed(e.run(nil, "upgrade", "v1.9.30", "--yes", "--progress", "plain", "--timeout", "60s"), "upgrade to the checkpoint it named")
	e.mustSucceed(e.run(nil, "upgrade", "v1.9.50", "--yes", "--progress", "plain", "--timeout", "60s"), "upgrade past it")
	s, code := e.status()
	if code != 0 || s.Version != "v1.9.50" {
		t.Fatalf("after stepping through the checkpoint: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 10 {
		t.Errorf("%d documents, want 10", n)
	}
}

func (e *env) planSizes(target string) []upgrade.ImageSize {
	e.t.Helper()
	r := e.run(nil, "upgrade", target, "--plan", "--json")
	e.mustSucceed(r, "upgrade --plan --json")
	var p struct {
		ImageSizes []upgrade.ImageSize `json:"image_sizes"`
		Estimate   *upgrade.Estimate   `json:"estimate"`
	}
	if err := json.Unmarshal([]byte(r.out), &p); err != nil {
		e.t.Fatalf("plan JSON: %v\n%s", err, r.out)
	}
	if p.Estimate == nil || p.Estimate.TotalSeconds <= 0 || len(p.Estimate.Assumptions) == 0 {
		e.t.Errorf("plan estimate %+v", p.Estimate)
	}
	return p.ImageSizes
}
