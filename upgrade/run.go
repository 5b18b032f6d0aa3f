package upgrade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// NewSpec is the upgrade of the instance to target along hops, with the
// stamp naming its copy of the stacks.
func NewSpec(in Instance, target string, hops []Hop, now time.Time) Spec {
	stamp := now.UTC().Format("20060102T150405Z")
	return Spec{From: in.Version, To: target, Hops: hops, Stamp: stamp,
		Snapshot: filepath.Join(instance.Layout{Dir: in.Dir}.Backups(), "upgrade-"+stamp, "stacks")}
}

// swapsFor chains the hops' container replacements: the first replaces the
// instance's container, each next one the container the previous created.
func swapsFor(in Instance, sp Spec) []*instance.Swap {
	var out []*instance.Swap
	for i, h := range sp.Hops {
		sw := &instance.Swap{Old: in.Container, Image: instance.WithTag(in.Container.Image, h.To), KeptName: in.Container.Name + "-" + h.From}
		if i > 0 {
			sw.Prev = out[i-1]
		}
		out = append(out, sw)
	}
	return out
}

// Plan is the upgrade's plan, for --plan and for the run.
func Plan(in Instance, sp Spec) engine.Plan { return build(in, sp, swapsFor(in, sp)) }

// Run carries out the upgrade on the core's journal. Any failure rolls
// every hop back (the stacks from the copy, the original container started
// again), and the error says which step failed; a run killed half-way is
// finished or rolled back by Resume.
func Run(ctx context.Context, in Instance, sp Spec, sink engine.Sink) error {
	swaps := swapsFor(in, sp)
	plan := build(in, sp, swaps)
	meta, err := specMeta(in, sp)
	if err != nil {
		return err
	}
	j, err := engine.Create(instance.Layout{Dir: in.Dir}.Journal(), Op+" "+sp.From+" → "+sp.To, plan, meta)
	if err != nil {
		return err
	}
	defer j.Close()
	out, err := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}.Run(ctx, plan)
	if out == engine.OutcomeRolledBack {
		waitAfterRollBack(ctx, in, sp, sink)
	}
	return outcome(out, err, j, in.Dir, sp)
}

// waitAfterRollBack waits until the original version answers again: a
// rollback ends with Appsmith ready, or says it is not.
func waitAfterRollBack(ctx context.Context, in Instance, sp Spec, sink engine.Sink) {
	ready := instance.ReadyStep(in.Docker, in.HTTP, instance.Target{ID: in.Container.ID, Name: in.Container.Name}, in.BaseURL, sp.From, in.Timeout)
	ready.Title = "Wait until Appsmith " + sp.From + " is ready again"
	_ = engine.Run(context.WithoutCancel(ctx), engine.Plan{Name: "after the rollback", Steps: []engine.Step{ready}}, sink)
}

func outcome(out engine.Outcome, err error, j *engine.Journal, dir string, sp Spec) error {
	switch out {
	case engine.OutcomeDone:
		return nil
	case engine.OutcomeRolledBack:
		if cm, ok := AsCheckpointMissed(err); ok {
			return rolledBackAtCheckpoint(cm, err, dir, sp)
		}
		return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("upgrade to %s %w, Appsmith %s runs on its data as before: %w", sp.To, ErrRolledBack, sp.From, err),
			Hint: "`appsmith logs` shows what the new version logged; nothing of the instance changed"}
	}
	if _, ended := j.Ended(); ended {
		return err
	}
	return &engine.Error{Code: engine.ExitFailure, Err: err,
		Hint: "the copy of the stacks is in " + sp.Snapshot + "; `appsmith upgrade --resume` finishes or rolls back this upgrade"}
}

// meta is what Resume needs to rebuild the plan: the spec and the original
// container.
func specMeta(in Instance, sp Spec) (map[string]string, error) {
	hops, err := json.Marshal(sp.Hops)
	if err != nil {
		return nil, err
	}
	return map[string]string{"from": sp.From, "to": sp.To, "stamp": sp.Stamp, "snapshot": sp.Snapshot, "hops": string(hops),
		"container": in.Container.ID, "name": in.Container.Name, "image": in.Container.Image, "image_id": in.Container.ImageID,
		"restart": in.Container.Restart, "recover": "upgrade --resume", "source": sp.Source}, nil
}

// Unfinished lists the upgrades (and rollbacks) whose journal did not end,
// oldest first.
func Unfinished(dir string) ([]*engine.Journal, error) {
	return engine.UnfinishedOp(instance.Layout{Dir: dir}.Journal(), Op, RollbackOp)
}

// IsUpgrade reports an upgrade's (or a rollback's) journal: `upgrade
// --resume` finishes or undoes both.
func IsUpgrade(j *engine.Journal) bool { return j.IsOp(Op, RollbackOp) }

// ErrNothingToResume: no upgrade is unfinished.
var ErrNothingToResume = errors.New("no unfinished upgrade")

// Resume finishes or rolls back the unfinished upgrade: one whose last hop
// was seen ready is finished (the record and the removal of intermediate
// containers); any other is rolled back to the version it started from.
// in gives the dir, engine and readiness settings; the rest comes from the
// journal.
func Resume(ctx context.Context, in Instance, sink engine.Sink) (Spec, engine.Outcome, error) {
	js, err := Unfinished(in.Dir)
	if err != nil {
		return Spec{}, "", err
	}
	if len(js) == 0 {
		return Spec{}, "", ErrNothingToResume
	}
	j, err := engine.Open(js[len(js)-1].Path())
	if err != nil {
		return Spec{}, "", err
	}
	defer j.Close()
	if strings.HasPrefix(j.Op(), RollbackOp+" ") {
		return resumeRollback(ctx, in, j, sink)
	}
	m := j.Meta()
	sp := Spec{From: m["from"], To: m["to"], Stamp: m["stamp"], Snapshot: m["snapshot"], Source: m["source"]}
	if err := json.Unmarshal([]byte(m["hops"]), &sp.Hops); err != nil {
		return sp, "", fmt.Errorf("%s: the journal's hops: %w", j.Path(), err)
	}
	in.Container = docker.Container{ID: m["container"], Name: m["name"], Image: m["image"], ImageID: m["image_id"], Restart: m["restart"]}
	in.Version = sp.From
	swaps := swapsFor(in, sp)
	plan := build(in, sp, swaps)
	// The containers the hops created, from the journal.
	for i, sw := range swaps {
		if out, ok := j.Done(hopScope(i, sp.Hops[i]) + "/create"); ok && out["id"] != "" {
			sw.SetCurrent(out["id"])
		}
	}
	rn := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}
	last := len(sp.Hops) - 1
	if _, ok := j.Done(hopScope(last, sp.Hops[last]) + "/ready"); ok {
		out, err := rn.Resume(ctx, plan)
		return sp, out, outcome(out, err, j, in.Dir, sp)
	}
	out, err := rn.RollBack(ctx, plan, "the upgrade to "+sp.To+" was interrupted before "+sp.To+" was seen ready")
	if _, ended := j.Ended(); ended {
		// Rolled back, or nothing had changed yet: the instance is whole,
		// which is what --resume is for.
		if out == engine.OutcomeRolledBack {
			waitAfterRollBack(ctx, in, sp, sink)
		}
		return sp, engine.OutcomeRolledBack, nil
	}
	return sp, out, outcome(out, err, j, in.Dir, sp)
}
