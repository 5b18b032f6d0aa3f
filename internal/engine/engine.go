// Package engine runs plans: ordered lists of steps that act on the machine,
// reporting what happens as events. It knows no UI: the edges (CLI, wizard)
// render events through a Sink and map errors to exit codes.
package engine

import (
	"context"
	"fmt"
	"io"
	"time"
)

// Kind names an event type. The values are part of the documented NDJSON
// output of `--progress json`, so they never change meaning.
type Kind string

const (
	KindPlan       Kind = "plan"        // a plan is about to run; Message = plan name, Total = steps
	KindStepStart  Kind = "step_start"  // Step began
	KindStepDone   Kind = "step_done"   // Step finished; ElapsedMS set
	KindStepFailed Kind = "step_failed" // Step failed; Message = error
	KindProgress   Kind = "progress"    // bytes of a unit of work (Layer) in a step
	KindLog        Kind = "log"         // a line of interest (for example a container log line)
	KindWarning    Kind = "warning"     // something the user should know; the plan goes on
	KindPlanDone   Kind = "plan_done"   // plan finished successfully; ElapsedMS set
	KindPlanFailed Kind = "plan_failed" // plan stopped; Message = error
	KindUndoStart  Kind = "undo_start"  // a rollback began undoing Step
	KindUndoDone   Kind = "undo_done"   // Step was undone; ElapsedMS set
	KindUndoFailed Kind = "undo_failed" // undoing Step failed; Message = error
	KindOutcome    Kind = "outcome"     // the run ended: Outcome says how; always the run's last event
)

// Outcome is how a run ended. The values are part of the NDJSON output.
type Outcome string

const (
	OutcomeDone       Outcome = "done"        // every step ran
	OutcomeRolledBack Outcome = "rolled_back" // a step failed and every change made was undone
	OutcomeFailed     Outcome = "failed"      // a step failed; what changed, if anything, is still changed
)

// Event is one thing that happened while a plan ran.
type Event struct {
	Time      time.Time `json:"time"`
	Kind      Kind      `json:"kind"`
	Step      string    `json:"step,omitempty"`  // step ID
	Scope     string    `json:"scope,omitempty"` // the part of a multi-part run the step belongs to
	Title     string    `json:"title,omitempty"` // step title
	Cause     string    `json:"cause,omitempty"` // step_start: why the step is in the plan
	Index     int       `json:"index,omitempty"` // 1-based step position
	Total     int       `json:"total,omitempty"` // number of steps in the plan
	Message   string    `json:"message,omitempty"`
	Layer     string    `json:"layer,omitempty"`  // progress: which unit (an image layer)
	Status    string    `json:"status,omitempty"` // progress: engine status ("Downloading", "Extracting", ...)
	Current   int64     `json:"current,omitempty"`
	Size      int64     `json:"size,omitempty"`
	ElapsedMS int64     `json:"elapsed_ms,omitempty"`
	Outcome   Outcome   `json:"outcome,omitempty"` // outcome events
}

// Sink receives events. Implementations must be safe for use from one
// goroutine at a time; Run never calls Emit concurrently.
type Sink interface {
	Emit(Event)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(Event)

// Emit calls f.
func (f SinkFunc) Emit(e Event) { f(e) }

var _ Sink = SinkFunc(nil)

// Reporter is what a running step may tell the user.
type Reporter interface {
	Progress(layer, status string, current, size int64)
	Log(line string)
	Warn(msg string)
	// Output records a value later steps, the step's undo, or a later
	// process (through the journal) need: a container ID, a snapshot path.
	Output(key, value string)
}

// Step is one action of a plan.
type Step struct {
	ID    string // stable machine name, used in events and journals; unique within its scope
	Scope string // the part of a multi-part run it belongs to (an upgrade hop); "" for single-part plans
	Title string // what it does, for people
	Cause string // why it is in this plan (printed by --dry-run)
	Run   func(ctx context.Context, r Reporter) error
	// Undo reverses Run, given the outputs Run recorded — also in a later
	// process, from the journal. It runs after a failed or partial Run too,
	// and may run twice (a rollback killed half-way is run again), so it
	// must be safe to repeat. nil: the step cannot be undone, unless it is
	// ReadOnly.
	Undo func(ctx context.Context, r Reporter, out Outputs) error
	// ReadOnly steps change nothing (a wait, a check, a copy kept aside):
	// a rollback passes over them.
	ReadOnly bool
}

// Key identifies the step within its plan and journal.
func (s Step) Key() string {
	if s.Scope == "" {
		return s.ID
	}
	return s.Scope + "/" + s.ID
}

// Reversible reports whether a rollback can pass this step.
func (s Step) Reversible() bool { return s.ReadOnly || s.Undo != nil }

// Plan is an ordered list of steps; order matters and is decided by whoever
// builds the plan (install, upgrade, ...).
type Plan struct {
	Name  string
	Steps []Step
}

// StepView is a step as data: what --plan --json prints and what a journal
// records of the plan it ran (steps hold funcs).
type StepView struct {
	ID         string `json:"id"`
	Scope      string `json:"scope,omitempty"`
	Title      string `json:"title"`
	Cause      string `json:"cause,omitempty"`
	Reversible bool   `json:"reversible"`
	ReadOnly   bool   `json:"read_only,omitempty"`
}

// View describes the plan's steps.
func (p Plan) View() []StepView {
	v := make([]StepView, len(p.Steps))
	for i, s := range p.Steps {
		v[i] = StepView{ID: s.ID, Scope: s.Scope, Title: s.Title, Cause: s.Cause, Reversible: s.Reversible(), ReadOnly: s.ReadOnly}
	}
	return v
}

// validate catches plans a journal could not tell apart: two steps with
// one key would share their records.
func (p Plan) validate() error {
	seen := map[string]bool{}
	for _, s := range p.Steps {
		if seen[s.Key()] {
			return fmt.Errorf("plan %q: step %q appears twice", p.Name, s.Key())
		}
		seen[s.Key()] = true
	}
	return nil
}

// Print writes the plan, one line per step with its cause. When any step
// can be undone, each line says whether a rollback can pass it.
func (p Plan) Print(w io.Writer) error {
	if len(p.Steps) == 0 {
		_, err := fmt.Fprintf(w, "%s: nothing to do\n", p.Name)
		return err
	}
	if _, err := fmt.Fprintf(w, "%s: %d steps\n", p.Name, len(p.Steps)); err != nil {
		return err
	}
	undoable := false
	for _, s := range p.Steps {
		undoable = undoable || s.Undo != nil
	}
	for i, s := range p.Steps {
		mark := ""
		if undoable {
			switch {
			case s.ReadOnly:
				mark = "[read-only] "
			case s.Undo != nil:
				mark = "[undoable]  "
			default:
				mark = "[final]     "
			}
		}
		if _, err := fmt.Fprintf(w, "%2d. %s%-36s # %s\n", i+1, mark, s.Title, s.Cause); err != nil {
			return err
		}
	}
	return nil
}

// Run executes the steps in order and stops at the first error, with no
// journal and no rollback. A cancelled context stops the plan between or
// inside steps; the error then wraps context.Canceled so callers can map it
// to the "interrupted" exit code.
func Run(ctx context.Context, p Plan, sink Sink) error {
	_, err := Runner{Sink: sink}.Run(ctx, p)
	return err
}

func since(t time.Time) int64 { return time.Since(t).Milliseconds() }

type reporter struct {
	step    Step
	index   int
	emit    func(Event)
	outputs Outputs
}

func (r reporter) Progress(layer, status string, current, size int64) {
	r.emit(Event{Kind: KindProgress, Step: r.step.ID, Scope: r.step.Scope, Index: r.index, Layer: layer, Status: status, Current: current, Size: size})
}

func (r reporter) Log(line string) {
	r.emit(Event{Kind: KindLog, Step: r.step.ID, Scope: r.step.Scope, Index: r.index, Message: line})
}

func (r reporter) Warn(msg string) {
	r.emit(Event{Kind: KindWarning, Step: r.step.ID, Scope: r.step.Scope, Index: r.index, Message: msg})
}

func (r reporter) Output(key, value string) {
	if r.outputs != nil {
		r.outputs[key] = value
	}
}
