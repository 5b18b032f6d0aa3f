package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// world is what the steps of a test plan act on: a log of what ran, in order.
type world struct {
	log   []string
	files string // dir of the file plan() changes
}

func (w *world) step(id string, fail bool) Step {
	return Step{ID: id, Title: "do " + id, Cause: "test",
		Run: func(_ context.Context, r Reporter) error {
			w.log = append(w.log, "run "+id)
			r.Output("made", id+"-thing")
			if fail {
				return fmt.Errorf("%s broke", id)
			}
			return nil
		},
		Undo: func(_ context.Context, _ Reporter, out Outputs) error {
			w.log = append(w.log, "undo "+id+" "+out["made"])
			return nil
		}}
}

func (w *world) readOnly(id string) Step {
	return Step{ID: id, Title: "check " + id, ReadOnly: true,
		Run: func(context.Context, Reporter) error { w.log = append(w.log, "run "+id); return nil }}
}

type recorder struct{ events []Event }

func (r *recorder) Emit(e Event) { r.events = append(r.events, e) }

func (r *recorder) kinds() []string {
	var ks []string
	for _, e := range r.events {
		k := string(e.Kind)
		if e.Step != "" {
			k += ":" + e.Step
		}
		if e.Outcome != "" {
			k += ":" + string(e.Outcome)
		}
		ks = append(ks, k)
	}
	return ks
}

func (r *recorder) last() Event { return r.events[len(r.events)-1] }

func TestRunEndsWithOutcome(t *testing.T) {
	w := &world{}
	rec := &recorder{}
	err := Run(context.Background(), Plan{Name: "p", Steps: []Step{w.step("a", false), w.readOnly("b")}}, rec)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"plan", "step_start:a", "step_done:a", "step_start:b", "step_done:b", "plan_done", "outcome:done"}
	if got := rec.kinds(); !reflect.DeepEqual(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

func TestDuplicateStepKeysAreRefused(t *testing.T) {
	w := &world{}
	p := Plan{Name: "p", Steps: []Step{w.step("a", false), w.step("a", false)}}
	if err := Run(context.Background(), p, nil); err == nil || !strings.Contains(err.Error(), `"a" appears twice`) {
		t.Fatalf("got %v, want a duplicate-step error", err)
	}
	if len(w.log) != 0 {
		t.Errorf("steps ran: %v", w.log)
	}
	// The same ID in two scopes (two upgrade hops) is two steps.
	a1, a2 := w.step("a", false), w.step("a", false)
	a1.Scope, a2.Scope = "v1.9.2", "v1.99"
	if err := Run(context.Background(), Plan{Name: "p", Steps: []Step{a1, a2}}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestRollBackUndoesNewestFirstWithOutputs(t *testing.T) {
	w := &world{}
	rec := &recorder{}
	dir := t.TempDir()
	p := Plan{Name: "change", Steps: []Step{w.readOnly("snapshot"), w.step("write", false), w.step("restart", false), w.readOnly("ready"), w.step("verify", true)}}
	j, err := Create(dir, "change", p, map[string]string{"snapshot": "/x"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	out, err := Runner{Sink: rec, Journal: j, OnFailure: RollBackOnFailure}.Run(context.Background(), p)
	if out != OutcomeRolledBack || err == nil || !strings.Contains(err.Error(), "verify broke") {
		t.Fatalf("got %s, %v; want rolled_back with the step's error", out, err)
	}
	want := []string{"run snapshot", "run write", "run restart", "run ready", "run verify",
		"undo verify verify-thing", "undo restart restart-thing", "undo write write-thing"}
	if !reflect.DeepEqual(w.log, want) {
		t.Errorf("ran %v\nwant %v", w.log, want)
	}
	if e := rec.last(); e.Kind != KindOutcome || e.Outcome != OutcomeRolledBack {
		t.Errorf("last event %+v, want outcome rolled_back", e)
	}
	if o, ended := j.Ended(); !ended || o != OutcomeRolledBack {
		t.Errorf("journal ended=%v outcome=%s", ended, o)
	}
	if un, _ := Unfinished(dir); len(un) != 0 {
		t.Errorf("a rolled-back operation is still unfinished: %v", un)
	}
}

func TestRollBackStopsAtAStepThatCannotBeUndone(t *testing.T) {
	w := &world{}
	dir := t.TempDir()
	final := w.step("migrate", false)
	final.Undo = nil
	p := Plan{Name: "p", Steps: []Step{w.step("a", false), final, w.step("b", true)}}
	j, _ := Create(dir, "p", p, nil)
	defer j.Close()
	out, err := Runner{Journal: j, OnFailure: RollBackOnFailure}.Run(context.Background(), p)
	if out != OutcomeFailed || err == nil || !strings.Contains(err.Error(), "cannot be undone") {
		t.Fatalf("got %s, %v", out, err)
	}
	if w.log[len(w.log)-1] != "undo b b-thing" {
		t.Errorf("ran %v: the undo should stop at migrate, after undoing b", w.log)
	}
	if un, _ := Unfinished(dir); len(un) != 1 {
		t.Errorf("the operation must stay unfinished for a person to look at; unfinished = %d", len(un))
	}
}

func TestAFailedUndoLeavesTheJournalOpen(t *testing.T) {
	w := &world{}
	dir := t.TempDir()
	a := w.step("a", false)
	a.Undo = func(context.Context, Reporter, Outputs) error { return errors.New("disk full") }
	p := Plan{Name: "p", Steps: []Step{a, w.step("b", true)}}
	j, _ := Create(dir, "p", p, nil)
	defer j.Close()
	rec := &recorder{}
	out, err := Runner{Sink: rec, Journal: j, OnFailure: RollBackOnFailure}.Run(context.Background(), p)
	if out != OutcomeFailed || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "b broke") {
		t.Fatalf("got %s, %v", out, err)
	}
	if e := rec.last(); e.Outcome != OutcomeFailed {
		t.Errorf("last event %+v", e)
	}
	if un, _ := Unfinished(dir); len(un) != 1 {
		t.Errorf("unfinished = %d, want 1", len(un))
	}
}

func TestNothingChangedMeansFailedAndClosed(t *testing.T) {
	w := &world{}
	dir := t.TempDir()
	check := Step{ID: "check", ReadOnly: true, Run: func(context.Context, Reporter) error { return errors.New("no") }}
	p := Plan{Name: "p", Steps: []Step{check, w.step("a", false)}}
	for _, pol := range []Policy{StopOnFailure, RollBackOnFailure} {
		j, _ := Create(dir, "p", p, nil)
		out, err := Runner{Journal: j, OnFailure: pol}.Run(context.Background(), p)
		j.Close()
		if out != OutcomeFailed || err == nil {
			t.Errorf("policy %d: got %s, %v", pol, out, err)
		}
	}
	if un, _ := Unfinished(dir); len(un) != 0 {
		t.Errorf("a run that changed nothing left %d unfinished journals", len(un))
	}
}

func TestStopThenResumeRunsOnlyWhatIsLeft(t *testing.T) {
	dir := t.TempDir()
	w := &world{}
	flaky := true
	c := w.step("c", false)
	c.Run = func(_ context.Context, r Reporter) error {
		w.log = append(w.log, "run c")
		if flaky {
			return errors.New("engine away")
		}
		return nil
	}
	p := Plan{Name: "p", Steps: []Step{w.step("a", false), w.step("b", false), c}}
	j, _ := Create(dir, "p", p, nil)
	out, err := Runner{Journal: j}.Run(context.Background(), p)
	j.Close()
	if out != OutcomeFailed || err == nil {
		t.Fatalf("got %s, %v", out, err)
	}
	un, err := Unfinished(dir)
	if err != nil || len(un) != 1 {
		t.Fatalf("unfinished %v %v", un, err)
	}
	if un[0].LastStep() != "c" {
		t.Errorf("last step %q", un[0].LastStep())
	}
	if o, ok := un[0].Done("b"); !ok || o["made"] != "b-thing" {
		t.Errorf("outputs of b: %v %v", o, ok)
	}
	// A later process: the same plan, from the journal.
	j2, err := Open(un[0].Path())
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	flaky, w.log = false, nil
	rec := &recorder{}
	if out, err := (Runner{Sink: rec, Journal: j2}).Resume(context.Background(), p); out != OutcomeDone || err != nil {
		t.Fatalf("resume: %s, %v", out, err)
	}
	if !reflect.DeepEqual(w.log, []string{"run c"}) {
		t.Errorf("resume ran %v, want only c", w.log)
	}
	if un, _ := Unfinished(dir); len(un) != 0 {
		t.Errorf("still unfinished after resume")
	}
}

func TestInterruptedRunIsStillRolledBack(t *testing.T) {
	w := &world{}
	ctx, cancel := context.WithCancel(context.Background())
	b := Step{ID: "b", Title: "b", Run: func(ctx context.Context, _ Reporter) error {
		cancel()
		<-ctx.Done()
		return ctx.Err()
	}, Undo: func(ctx context.Context, _ Reporter, _ Outputs) error {
		if ctx.Err() != nil {
			return errors.New("undo got a cancelled context")
		}
		w.log = append(w.log, "undo b")
		return nil
	}}
	p := Plan{Name: "p", Steps: []Step{w.step("a", false), b}}
	out, err := Runner{OnFailure: RollBackOnFailure}.Run(ctx, p)
	if out != OutcomeRolledBack || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %s, %v", out, err)
	}
	if !reflect.DeepEqual(w.log, []string{"run a", "undo b", "undo a a-thing"}) {
		t.Errorf("ran %v", w.log)
	}
}

func TestTornLastLine(t *testing.T) {
	dir := t.TempDir()
	w := &world{}
	p := Plan{Name: "p", Steps: []Step{w.step("a", false)}}
	j, _ := Create(dir, "p", p, nil)
	j.Append(Record{Type: RecStart, Step: "a"})
	path := j.Path()
	j.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"seq":3,"type":"do`)
	f.Close()
	before, _ := os.ReadFile(path)
	un, err := Unfinished(dir) // a reader holding no lock changes nothing
	if err != nil || len(un) != 1 {
		t.Fatalf("unfinished %v %v", un, err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("a read changed the journal")
	}
	j2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j2.Append(Record{Type: RecDone, Step: "a"}); err != nil {
		t.Fatal(err)
	}
	j2.Close()
	j3, err := Open(path)
	if err != nil {
		t.Fatalf("after appending past a torn line: %v", err)
	}
	defer j3.Close()
	if _, done := j3.Done("a"); !done || len(j3.Records()) != 3 {
		t.Errorf("records %+v", j3.Records())
	}
}

func TestDamagedJournalIsAnError(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "20260101T000000.000000000Z-x.jsonl"), []byte("garbage\n{\"seq\":2}\n"), 0o600)
	if _, err := Unfinished(dir); err == nil {
		t.Fatal("a damaged journal must not pass for a finished one")
	}
	// A journal killed before its first record was complete never ran a step.
	os.WriteFile(filepath.Join(dir, "20260101T000000.000000000Z-x.jsonl"), []byte(`{"seq":1,"ty`), 0o600)
	if un, err := Unfinished(dir); err != nil || len(un) != 0 {
		t.Fatalf("got %v, %v", un, err)
	}
}

func TestPrintMarksWhatCanBeUndone(t *testing.T) {
	w := &world{}
	final := w.step("migrate", false)
	final.Undo = nil
	var b strings.Builder
	Plan{Name: "p", Steps: []Step{w.readOnly("snapshot"), w.step("write", false), final}}.Print(&b)
	for _, want := range []string{"[read-only] check snapshot", "[undoable]  do write", "[final]     do migrate"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("plan print lacks %q:\n%s", want, b.String())
		}
	}
	// Plans with nothing to undo print as they always did.
	b.Reset()
	Plan{Name: "p", Steps: []Step{w.readOnly("x")}}.Print(&b)
	if strings.Contains(b.String(), "[") {
		t.Errorf("unexpected marks:\n%s", b.String())
	}
}

// The failpoint kills the process right after a record is durable; the next
// process rolls the operation back from the journal. Run as a child process:
// a real SIGKILL, not a simulation.
func TestKilledAtEveryRecordRollsBackFromTheJournal(t *testing.T) {
	if os.Getenv("ENGINE_TEST_CHILD") != "" {
		childRun(os.Getenv("ENGINE_TEST_CHILD"))
		return
	}
	points := 0
	for n := 1; ; n++ {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledAtEveryRecordRollsBackFromTheJournal$")
		cmd.Env = append(os.Environ(), "ENGINE_TEST_CHILD="+dir, FailpointEnv+"=record:"+strconv.Itoa(n))
		out, err := cmd.CombinedOutput()
		if err == nil {
			// No record n: the run finished before reaching it.
			if n < 4 {
				t.Fatalf("the child finished without being killed at record %d:\n%s", n, out)
			}
			break
		}
		points++
		un, err := Unfinished(filepath.Join(dir, "journal"))
		if err != nil {
			t.Fatalf("record %d: %v", n, err)
		}
		for _, j := range un {
			w := &world{}
			j2, err := Open(j.Path())
			if err != nil {
				t.Fatal(err)
			}
			w.files = dir
			out, err := Runner{Journal: j2}.RollBack(context.Background(), w.plan(), "killed")
			j2.Close()
			if err == nil || (out != OutcomeRolledBack && out != OutcomeFailed) {
				t.Fatalf("record %d: rollback %s, %v", n, out, err)
			}
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "file")); string(got) != "old" {
			t.Fatalf("killed at record %d: file holds %q after the rollback, want old", n, got)
		}
		if un, _ := Unfinished(filepath.Join(dir, "journal")); len(un) != 0 {
			t.Fatalf("record %d: still unfinished after rollback", n)
		}
	}
	if points < 8 {
		t.Errorf("covered only %d kill points", points)
	}
	t.Logf("covered %d kill points", points)
}

// files of world: a file the plan changes twice, so a rollback from the
// middle must land on the original content.
func (w *world) plan() Plan {
	path := filepath.Join(w.files, "file")
	set := func(v string) func(context.Context, Reporter) error {
		return func(context.Context, Reporter) error { return os.WriteFile(path, []byte(v), 0o600) }
	}
	undo := func(context.Context, Reporter, Outputs) error { return os.WriteFile(path, []byte("old"), 0o600) }
	return Plan{Name: "p", Steps: []Step{
		{ID: "one", Run: set("one"), Undo: undo},
		{ID: "check", ReadOnly: true, Run: func(context.Context, Reporter) error { return nil }},
		{ID: "two", Run: set("two"), Undo: func(ctx context.Context, r Reporter, o Outputs) error { return set("one")(ctx, r) }},
	}}
}

func childRun(dir string) {
	os.WriteFile(filepath.Join(dir, "file"), []byte("old"), 0o600)
	w := &world{files: dir}
	p := w.plan()
	j, err := Create(filepath.Join(dir, "journal"), "p", p, nil)
	if err != nil {
		os.Exit(3)
	}
	// The child then fails at the end so its own rollback runs too, and
	// the failpoint reaches the undo records as well.
	p.Steps = append(p.Steps, Step{ID: "fail", ReadOnly: true, Run: func(context.Context, Reporter) error { return errors.New("no") }})
	_, _ = Runner{Journal: j, OnFailure: RollBackOnFailure}.Run(context.Background(), p)
	os.Exit(0)
}
