package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// --progress json: stderr is NDJSON and nothing else; the documented kinds
// appear, and the last line tells the outcome.
func TestJSONProgressIsNDJSON(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	r := e.run(nil, e.installArgs("v1.9.2", "--progress", "json")...)
	e.mustSucceed(r, "install")
	if r.out != "" {
		t.Errorf("stdout must stay empty, got %q", r.out)
	}
	kinds := map[string]int{}
	var last string
	var lastEv map[string]any
	for _, line := range strings.Split(strings.TrimSpace(r.errOut), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		k, _ := ev["kind"].(string)
		kinds[k]++
		last, lastEv = k, ev
	}
	for _, k := range []string{"preflight", "plan", "step_start", "step_done", "progress", "plan_done"} {
		if kinds[k] == 0 {
			t.Errorf("no %q event; kinds seen %v", k, kinds)
		}
	}
	// The outcome closes every run, so a reader knows how it ended.
	if last != "outcome" || lastEv["outcome"] != "done" {
		t.Errorf("last event %q %v, want outcome done", last, lastEv)
	}
}
