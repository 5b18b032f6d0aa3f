package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// What draws on the terminal gets the terminal's file, not the stream that
// wraps it: --progress auto and bubbletea tell a terminal by its *os.File.
func TestTerminalIsTheFileUnderTheStream(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "tty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := terminal(&errStream{w: f, json: func() bool { return false }}); got != f {
		t.Errorf("terminal() = %T, want the *os.File", got)
	}
	if got := terminal(f); got != f {
		t.Errorf("terminal of a plain writer changed it")
	}
}

// A json stream ends with the outcome: the run's own (held back past the
// error event the failure adds), or one made for a command that ran no plan.
func TestJSONStreamEndsWithTheOutcome(t *testing.T) {
	at := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	for _, c := range []struct {
		name   string
		write  []string
		code   int
		fields map[string]any
		want   []string // kind/outcome of each line
		last   map[string]any
	}{
		{"no plan, success", nil, 0, nil, []string{"outcome/done"}, map[string]any{"exit_code": 0.0}},
		{"no plan, failure", []string{"a note\n"}, 2, map[string]any{"kind": "error", "message": "bad --x", "hint": "run y"},
			[]string{"note/", "outcome/failed"}, map[string]any{"exit_code": 2.0, "message": "bad --x", "hint": "run y"}},
		{"run rolled back, then the error", []string{`{"kind":"step_failed","message":"boom"}` + "\n", `{"kind":"outcome","outcome":"rolled_back","message":"boom"}` + "\n", "warning: kept\n"}, 1,
			map[string]any{"kind": "error", "message": "boom: rolled back", "checkpoint_missed": map[string]any{"version": "v1"}},
			[]string{"step_failed/", "warning/", "outcome/rolled_back"}, map[string]any{"exit_code": 1.0, "message": "boom: rolled back", "checkpoint_missed": map[string]any{"version": "v1"}}},
		{"run done, command failed after", []string{`{"kind":"outcome","outcome":"done"}` + "\n"}, 4, map[string]any{"kind": "error", "message": "not ready"},
			[]string{"outcome/failed"}, map[string]any{"exit_code": 4.0}},
		{"rolled back, then a follow-up run", []string{`{"kind":"outcome","outcome":"rolled_back"}` + "\n", `{"kind":"plan","message":"after the rollback"}` + "\n", `{"kind":"outcome","outcome":"done"}` + "\n"}, 1,
			map[string]any{"kind": "error", "message": "rolled back"},
			[]string{"outcome/rolled_back", "plan/", "outcome/rolled_back"}, map[string]any{"exit_code": 1.0}},
		{"two runs", []string{`{"kind":"outcome","outcome":"done"}` + "\n", `{"kind":"plan_done"}` + "\n", `{"kind":"outcome","outcome":"done"}` + "\n"}, 0, nil,
			[]string{"outcome/done", "plan_done/", "outcome/done"}, map[string]any{"exit_code": 0.0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			s := &errStream{w: &buf, json: func() bool { return true }, now: func() time.Time { return at }}
			for _, w := range c.write {
				if _, err := terminal(s).Write([]byte(w)); err != nil {
					t.Fatal(err)
				}
			}
			s.end(c.code, c.fields)
			var got []string
			var last map[string]any
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				var ev map[string]any
				if err := json.Unmarshal([]byte(line), &ev); err != nil {
					t.Fatalf("not NDJSON: %q", line)
				}
				o, _ := ev["outcome"].(string)
				got = append(got, ev["kind"].(string)+"/"+o)
				last = ev
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("events %v, want %v\n%s", got, c.want, buf.String())
			}
			for k, v := range c.last {
				if !reflect.DeepEqual(last[k], v) {
					t.Errorf("outcome's %s = %v, want %v", k, last[k], v)
				}
			}
			if last["time"] != at.Format(time.RFC3339) {
				t.Errorf("outcome's time %v, want the command's clock", last["time"])
			}
		})
	}
}

// A flag cobra refuses before it reaches --progress json is still refused
// in NDJSON: the stream is chosen from the command line, not the parse.
func TestJSONChosenBeforeTheParse(t *testing.T) {
	for _, args := range [][]string{
		{"--http-port", "abc", "--yes", "--progress", "json"},
		{"status", "--bogus", "--progress=json"},
	} {
		r := run(t, fakeDeps(emptyEngine(t)), nil, args...)
		lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
		var last map[string]any
		for _, l := range lines {
			if err := json.Unmarshal([]byte(l), &last); err != nil {
				t.Fatalf("%v: not NDJSON: %q", args, l)
			}
		}
		if r.code != 2 || last["kind"] != "outcome" || last["exit_code"] != 2.0 || last["message"] == nil {
			t.Errorf("%v: exit %d, last event %v", args, r.code, last)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"status", "--progress", "json"}, "json"},
		{[]string{"--progress=plain", "--progress", "json", "--progress=tty"}, "tty"},
		{[]string{"restore", "--", "--progress", "json"}, ""},
		{[]string{"--progress"}, ""},
	} {
		if got := progressInArgs(c.args); got != c.want {
			t.Errorf("progressInArgs(%v) = %q, want %q", c.args, got, c.want)
		}
	}
}

// A restore into a dir with nothing installed that refuses its archive
// leaves no trace: not the dir, its parents or its backups/.
func TestFreshRestoreRefusalLeavesNoDirs(t *testing.T) {
	base := t.TempDir()
	junk := filepath.Join(base, "junk.tar")
	if err := os.WriteFile(junk, []byte("not an archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(base, "w", "p", "d")
	r := run(t, fakeDeps(emptyEngine(t)), nil, "restore", junk, "--yes", "--dir", dir)
	if r.code != 2 {
		t.Fatalf("restore of junk: exit %d, want 2\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(filepath.Join(base, "w")); !os.IsNotExist(err) {
		t.Errorf("a refused restore left %s (%v)", filepath.Join(base, "w"), err)
	}
	r = run(t, fakeDeps(emptyEngine(t)), nil, "restore", filepath.Join(base, "missing.tar"), "--yes", "--dir", dir)
	if r.code != 2 || !strings.Contains(r.errOut, "no such archive") {
		t.Errorf("restore of a missing archive: exit %d, want 2\n%s", r.code, r.errOut)
	}
}

// Bad arguments are refused (exit 2) before the engine is asked for: with
// none reachable they still say what is wrong with them.
func TestBadArgumentsBeforeTheEngine(t *testing.T) {
	deps := fakeDeps(emptyEngine(t))
	deps.Docker = func(context.Context) (Engine, error) { return nil, errors.New("no engine here") }
	dir := filepath.Join(t.TempDir(), "appsmith")
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"upgrade", "notaversion", "--dir", dir}, `VERSION "notaversion"`},
		{[]string{"backup", "--to", "ftp://x/y", "--no-encrypt", "--dir", dir}, `--to "ftp://x/y"`},
		{[]string{"restore", filepath.Join(dir, "missing.tar"), "--yes", "--dir", dir}, "no such archive"},
	} {
		r := run(t, deps, nil, c.args...)
		if r.code != 2 || !strings.Contains(r.errOut, c.says) {
			t.Errorf("%v: exit %d, want 2 saying %q\n%s", c.args, r.code, c.says, r.errOut)
		}
	}
	// restore --resume takes no archive: it is not refused for lacking one.
	if r := run(t, deps, nil, "restore", "--resume", "--dir", dir); strings.Contains(r.errOut, "no such archive") || !strings.Contains(r.errOut, "--resume is for a Kubernetes install") {
		t.Errorf("restore --resume: exit %d\n%s", r.code, r.errOut)
	}
	// A program's logs are read without the engine; a dir with no install
	// has none to read, which is "not installed", not a bad program name.
	if r := run(t, deps, nil, "logs", "backend", "--dir", dir); r.code != 5 || !strings.Contains(r.errOut, "no Appsmith installed in "+dir) {
		t.Errorf("logs backend of no install: exit %d, want 5\n%s", r.code, r.errOut)
	}
}
