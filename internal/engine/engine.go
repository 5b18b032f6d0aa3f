// Package engine runs plans: ordered lists of steps that act on the machine,
// reporting what happens as events. It knows no UI: the edges (CLI, wizard)
// render events through a Sink and map errors to exit codes.
package engine

import (
	"context"
	"errors"
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
)

// Event is one thing that happened while a plan ran.
type Event struct {
	Time      time.Time `json:"time"`
	Kind      Kind      `json:"kind"`
	Step      string    `json:"step,omitempty"`  // step ID
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
}

// Step is one action of a plan.
type Step struct {
	ID    string // stable machine name, used in events and journals
	Title string // what it does, for people
	Cause string // why it is in this plan (printed by --dry-run)
	Run   func(ctx context.Context, r Reporter) error
}

// Plan is an ordered list of steps; order matters and is decided by whoever
// builds the plan (install, upgrade, ...).
type Plan struct {
	Name  string
	Steps []Step
}

// Print writes the plan, one line per step with its cause.
func (p Plan) Print(w io.Writer) error {
	if len(p.Steps) == 0 {
		_, err := fmt.Fprintf(w, "%s: nothing to do\n", p.Name)
		return err
	}
	if _, err := fmt.Fprintf(w, "%s: %d steps\n", p.Name, len(p.Steps)); err != nil {
		return err
	}
	for i, s := range p.Steps {
		if _, err := fmt.Fprintf(w, "%2d. %-36s # %s\n", i+1, s.Title, s.Cause); err != nil {
			return err
		}
	}
	return nil
}

// Run executes the steps in order and stops at the first error. A cancelled
// context stops the plan between or inside steps; the error then wraps
// context.Canceled so callers can map it to the "interrupted" exit code.
func Run(ctx context.Context, p Plan, sink Sink) error {
	if sink == nil {
		sink = SinkFunc(func(Event) {})
	}
	start := time.Now()
	emit := func(e Event) {
		e.Time = time.Now()
		e.Total = len(p.Steps)
		sink.Emit(e)
	}
	emit(Event{Kind: KindPlan, Message: p.Name})
	for i, s := range p.Steps {
		if err := ctx.Err(); err != nil {
			emit(Event{Kind: KindPlanFailed, Message: err.Error()})
			return err
		}
		t0 := time.Now()
		emit(Event{Kind: KindStepStart, Step: s.ID, Title: s.Title, Cause: s.Cause, Index: i + 1})
		err := s.Run(ctx, reporter{step: s, index: i + 1, emit: emit})
		if err != nil {
			if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
				err = fmt.Errorf("%w (%v)", ctx.Err(), err)
			}
			emit(Event{Kind: KindStepFailed, Step: s.ID, Title: s.Title, Index: i + 1, Message: err.Error(), ElapsedMS: since(t0)})
			emit(Event{Kind: KindPlanFailed, Message: err.Error(), ElapsedMS: since(start)})
			return err
		}
		emit(Event{Kind: KindStepDone, Step: s.ID, Title: s.Title, Index: i + 1, ElapsedMS: since(t0)})
	}
	emit(Event{Kind: KindPlanDone, Message: p.Name, ElapsedMS: since(start)})
	return nil
}

func since(t time.Time) int64 { return time.Since(t).Milliseconds() }

type reporter struct {
	step  Step
	index int
	emit  func(Event)
}

func (r reporter) Progress(layer, status string, current, size int64) {
	r.emit(Event{Kind: KindProgress, Step: r.step.ID, Index: r.index, Layer: layer, Status: status, Current: current, Size: size})
}

func (r reporter) Log(line string) {
	r.emit(Event{Kind: KindLog, Step: r.step.ID, Index: r.index, Message: line})
}

func (r reporter) Warn(msg string) {
	r.emit(Event{Kind: KindWarning, Step: r.step.ID, Index: r.index, Message: msg})
}
