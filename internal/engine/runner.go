package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Policy says what a run does when a step fails.
type Policy int

const (
	// StopOnFailure leaves things as the failed step left them; with a
	// journal, the operation stays unfinished for the next command to
	// resume (steps are written to be run again).
	StopOnFailure Policy = iota
	// RollBackOnFailure undoes the steps that ran, newest first, so the
	// instance ends as it began. It runs even when the user interrupted
	// the run: a half-made change is the state to leave least.
	RollBackOnFailure
)

// Runner runs plans: events to Sink, each step announced in and closed in
// Journal (when set) before and after it runs, and on failure what Policy
// says. Every run ends with an outcome event.
type Runner struct {
	Sink      Sink
	Journal   *Journal
	OnFailure Policy
}

// Run executes the plan from its first step.
func (rn Runner) Run(ctx context.Context, p Plan) (Outcome, error) {
	return rn.forward(ctx, p, false)
}

// Resume runs the plan of an unfinished journal forward: steps the journal
// says finished are passed over (their outputs stay available through the
// journal), the rest run, from the one that was cut short.
func (rn Runner) Resume(ctx context.Context, p Plan) (Outcome, error) {
	if rn.Journal == nil {
		return OutcomeFailed, errors.New("resume needs a journal")
	}
	return rn.forward(ctx, p, true)
}

// RollBack undoes, newest first, the steps of p that an unfinished journal
// says started: the way a later process takes back an operation that was
// killed. reason is shown as the cause of the rollback.
func (rn Runner) RollBack(ctx context.Context, p Plan, reason string) (Outcome, error) {
	if rn.Journal == nil {
		return OutcomeFailed, errors.New("rollback needs a journal")
	}
	x := rn.newExec(p)
	if err := p.validate(); err != nil {
		return x.finish(OutcomeFailed, err)
	}
	x.emit(Event{Kind: KindPlan, Message: p.Name + " (rollback)", Cause: reason})
	last := -1
	for i, s := range p.Steps {
		if rn.Journal.Started(s.Key()) {
			last = i
		}
	}
	return x.rollBack(ctx, last, errors.New(reason))
}

type execution struct {
	Runner
	p     Plan
	start time.Time
	// changed: a step that is not read-only began, so a failure may have
	// left something changed.
	changed bool
	outputs map[string]Outputs // what each step of this process recorded
}

func (rn Runner) newExec(p Plan) *execution {
	if rn.Sink == nil {
		rn.Sink = SinkFunc(func(Event) {})
	}
	return &execution{Runner: rn, p: p, start: time.Now(), outputs: map[string]Outputs{}}
}

func (x *execution) emit(e Event) {
	e.Time = time.Now()
	e.Total = len(x.p.Steps)
	x.Sink.Emit(e)
}

func (x *execution) record(r Record) error {
	if x.Journal == nil {
		return nil
	}
	return x.Journal.Append(r)
}

func (x *execution) forward(ctx context.Context, resume bool) (Outcome, error) {
	for i, s := range x.p.Steps {
		ev := Event{Step: s.ID, Scope: s.Scope, Title: s.Title, Index: i + 1}
		if resume {
			if _, done := x.Journal.Done(s.Key()); done {
				x.changed = x.changed || !s.ReadOnly
				ev.Kind, ev.Message = KindStepDone, "done by an earlier run"
				x.emit(ev)
				continue
			}
		}
		if err := ctx.Err(); err != nil {
			return x.fail(ctx, i-1, err)
		}
		t0 := time.Now()
		if err := x.record(Record{Type: RecStart, Step: s.Key()}); err != nil {
			return x.fail(ctx, i-1, err)
		}
		x.changed = x.changed || !s.ReadOnly
		ev.Kind, ev.Cause = KindStepStart, s.Cause
		x.emit(ev)
		out := Outputs{}
		err := s.Run(ctx, reporter{step: s, index: i + 1, emit: x.emit, outputs: out})
		ev.Cause = ""
		if err != nil {
			if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
				err = fmt.Errorf("%w (%v)", ctx.Err(), err)
			}
			if len(out) > 0 {
				x.outputs[s.Key()] = out // a partial run's undo needs them
			}
			_ = x.record(Record{Type: RecFailed, Step: s.Key(), Error: err.Error(), Outputs: x.outputs[s.Key()]})
			ev.Kind, ev.Message, ev.ElapsedMS = KindStepFailed, err.Error(), since(t0)
			x.emit(ev)
			return x.fail(ctx, i, err)
		}
		if len(out) == 0 {
			out = nil
		}
		x.outputs[s.Key()] = out
		if err := x.record(Record{Type: RecDone, Step: s.Key(), Outputs: out}); err != nil {
			return x.fail(ctx, i, err)
		}
		ev.Kind, ev.ElapsedMS = KindStepDone, since(t0)
		x.emit(ev)
	}
	x.emit(Event{Kind: KindPlanDone, Message: x.p.Name, ElapsedMS: since(x.start)})
	return x.finish(OutcomeDone, nil)
}

func (rn Runner) forward(ctx context.Context, p Plan, resume bool) (Outcome, error) {
	x := rn.newExec(p)
	if err := p.validate(); err != nil {
		return x.finish(OutcomeFailed, err)
	}
	x.emit(Event{Kind: KindPlan, Message: p.Name})
	return x.forward(ctx, resume)
}

// fail ends a run whose step last (index; -1 = none) was the last to start.
func (x *execution) fail(ctx context.Context, last int, err error) (Outcome, error) {
	x.emit(Event{Kind: KindPlanFailed, Message: err.Error(), ElapsedMS: since(x.start)})
	if x.OnFailure == RollBackOnFailure {
		return x.rollBack(ctx, last, err)
	}
	if !x.changed {
		return x.finish(OutcomeFailed, err) // nothing changed: nothing to resume
	}
	// Changed, not rolled back: the journal stays open for the next run.
	x.emit(Event{Kind: KindOutcome, Outcome: OutcomeFailed, Message: err.Error()})
	return OutcomeFailed, err
}

// rollBack undoes steps last..0 that are not read-only. A step that cannot
// be undone stops it: what ran before it stays, and the journal stays open.
func (x *execution) rollBack(ctx context.Context, last int, cause error) (Outcome, error) {
	ctx = context.WithoutCancel(ctx)
	undone := 0
	for i := last; i >= 0; i-- {
		s := x.p.Steps[i]
		if s.ReadOnly {
			continue
		}
		out := x.outputs[s.Key()]
		if x.Journal != nil {
			st := x.Journal.step(s.Key())
			if st.undone || !st.started {
				continue
			}
			out = st.outputs
		}
		ev := Event{Step: s.ID, Scope: s.Scope, Title: s.Title, Index: i + 1}
		if s.Undo == nil {
			err := fmt.Errorf("%w; and %q cannot be undone, so the rollback stopped there", cause, s.Title)
			x.emit(Event{Kind: KindOutcome, Outcome: OutcomeFailed, Message: err.Error()})
			return OutcomeFailed, err
		}
		t0 := time.Now()
		if err := x.record(Record{Type: RecUndoStart, Step: s.Key()}); err != nil {
			return x.undoFailed(ev, t0, cause, err)
		}
		ev.Kind = KindUndoStart
		x.emit(ev)
		if err := s.Undo(ctx, reporter{step: s, index: i + 1, emit: x.emit}, out); err != nil {
			_ = x.record(Record{Type: RecUndoFailed, Step: s.Key(), Error: err.Error()})
			return x.undoFailed(ev, t0, cause, err)
		}
		if err := x.record(Record{Type: RecUndoDone, Step: s.Key()}); err != nil {
			return x.undoFailed(ev, t0, cause, err)
		}
		ev.Kind, ev.ElapsedMS = KindUndoDone, since(t0)
		x.emit(ev)
		undone++
	}
	if undone == 0 && !x.journalUndid() {
		return x.finish(OutcomeFailed, cause) // nothing had changed
	}
	return x.finish(OutcomeRolledBack, cause)
}

// journalUndid: an earlier process already undid steps of this operation.
func (x *execution) journalUndid() bool {
	if x.Journal == nil {
		return false
	}
	for _, r := range x.Journal.records {
		if r.Type == RecUndoDone {
			return true
		}
	}
	return false
}

func (x *execution) undoFailed(ev Event, t0 time.Time, cause, err error) (Outcome, error) {
	ev.Kind, ev.Message, ev.ElapsedMS = KindUndoFailed, err.Error(), since(t0)
	x.emit(ev)
	err = fmt.Errorf("%w; and the rollback failed: undoing %q: %v", cause, ev.Title, err)
	x.emit(Event{Kind: KindOutcome, Outcome: OutcomeFailed, Message: err.Error()})
	return OutcomeFailed, err
}

// finish closes the journal with the outcome and emits it.
func (x *execution) finish(o Outcome, err error) (Outcome, error) {
	if jerr := x.record(Record{Type: RecEnd, Outcome: o}); jerr != nil && err == nil {
		o, err = OutcomeFailed, jerr
	}
	ev := Event{Kind: KindOutcome, Outcome: o, ElapsedMS: since(x.start)}
	if err != nil {
		ev.Message = err.Error()
	}
	x.emit(ev)
	return o, err
}
