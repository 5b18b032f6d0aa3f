package e2e

import (
	"encoding/json"
	"net"
	"strconv"
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

// With --progress json, stderr is nothing but NDJSON even when a command
// fails: failures are events (error, with message, hint and exit code), a
// refused preflight ends with plan_failed and an outcome, and no text line
// slips through.
func TestJSONFailuresAreEvents(t *testing.T) {
	e := newEnv(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	for _, c := range []struct {
		name  string
		args  []string
		code  int
		kinds []string // kinds that must appear, in this order
	}{
		{"usage", []string{"--yes", "--progress", "json", "--http-port", "abc"}, 2, []string{"error", "outcome"}},
		{"preflight", append(e.installArgs("v1.9.2", "--http-port", busyPort), "--progress", "json"), 3, []string{"preflight", "plan_failed", "error", "outcome"}},
		{"not installed", []string{"status", "--progress", "json"}, 5, []string{"error", "outcome"}},
		{"purge needs --yes", []string{"uninstall", "--purge", "--progress", "json"}, 5, []string{"error", "outcome"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := e.run(nil, c.args...)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\n%s", r.code, c.code, r.errOut)
			}
			var kinds []string
			var last map[string]any
			for _, line := range strings.Split(strings.TrimSpace(r.errOut), "\n") {
				var ev map[string]any
				if err := json.Unmarshal([]byte(line), &ev); err != nil {
					t.Fatalf("not NDJSON: %q\nall:\n%s", line, r.errOut)
				}
				k, _ := ev["kind"].(string)
				kinds = append(kinds, k)
				last = ev
			}
			i := 0
			for _, k := range kinds {
				if i < len(c.kinds) && k == c.kinds[i] {
					i++
				}
			}
			if i < len(c.kinds) {
				t.Errorf("kinds %v, want %v in that order", kinds, c.kinds)
			}
			// The stream ends with the outcome, which says how the
			// command ended as the error event before it does.
			if n := strings.Count(strings.Join(kinds, " "), "outcome"); n != 1 {
				t.Errorf("kinds %v: want one outcome", kinds)
			}
			if last["kind"] != "outcome" || last["outcome"] != "failed" || last["exit_code"] != float64(c.code) || last["message"] == nil || last["message"] == "" {
				t.Errorf("last event %v, want outcome failed with exit_code %d and the message", last, c.code)
			}
		})
	}
	e.noDir()
}
