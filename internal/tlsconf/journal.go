package tlsconf

import (
	"context"
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// Unfinished lists the TLS changes whose journal did not end (a run killed
// by a power loss or kill -9), oldest first.
func Unfinished(dir string) ([]*engine.Journal, error) {
	return engine.UnfinishedOp(instance.Layout{Dir: dir}.Journal(), Op)
}

// IsTLS reports whether the journal is a TLS change's.
func IsTLS(j *engine.Journal) bool { return j.IsOp(Op) }

// Recover rolls back every unfinished TLS change, newest first, so the
// files end as they were before the oldest one began — except a change
// whose every step finished (killed before it could say so), which is
// closed as done.
// It returns how many it found.
func Recover(ctx context.Context, in Instance, sink engine.Sink) (int, error) {
	js, err := Unfinished(in.Dir)
	if err != nil {
		return 0, err
	}
	for i := len(js) - 1; i >= 0; i-- {
		if err := recoverOne(ctx, in, js[i], sink); err != nil {
			return 0, err
		}
	}
	return len(js), nil
}

func recoverOne(ctx context.Context, in Instance, old *engine.Journal, sink engine.Sink) error {
	j, err := engine.Open(old.Path())
	if err != nil {
		return err
	}
	defer j.Close()
	snap := j.Meta()["snapshot"]
	if snap == "" {
		return fmt.Errorf("%s: no snapshot recorded", j.Path())
	}
	plan := changePlan(in, nil, snap, "")
	rn := engine.Runner{Sink: sink, Journal: j}
	if allDone(j, plan) {
		_, err := rn.Resume(ctx, plan) // runs nothing: records the end
		return err
	}
	out, err := rn.RollBack(ctx, plan, "an earlier TLS change ("+j.Op()+") was interrupted before it finished")
	if out == engine.OutcomeFailed {
		if _, ended := j.Ended(); !ended {
			return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("rolling back an interrupted TLS change: %w", err),
				Hint: "its files are in " + snap + "; `appsmith logs -f` shows why the container does not start"}
		}
	}
	return nil
}

func allDone(j *engine.Journal, p engine.Plan) bool {
	for _, s := range p.Steps {
		if _, done := j.Done(s.Key()); !done {
			return false
		}
	}
	return true
}
