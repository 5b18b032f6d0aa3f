package upgrade

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// RollbackOp is the journal operation name of rollbacks.
const RollbackOp = "rollback"

// ErrNoRollbackPoint: no upgrade left a copy to go back to.
var ErrNoRollbackPoint = errors.New("no rollback point: no upgrade by appsmith-install left a copy of the stacks here")

// Point is what a rollback goes back to: the newest revision of the
// history whose copy of the stacks is still there.
func Point(s *state.State) (state.Revision, error) {
	for i := len(s.History) - 1; i >= 0; i-- {
		r := s.History[i]
		if r.RollbackPoint == "" {
			continue
		}
		if fi, err := os.Stat(r.RollbackPoint); err == nil && fi.IsDir() {
			return r, nil
		}
		return r, fmt.Errorf("the copy of the stacks from before %q is gone (%s)", r.Operation, r.RollbackPoint)
	}
	return state.Revision{}, ErrNoRollbackPoint
}

// RollbackPlan goes back to rev: the stacks of its copy (the current ones
// kept beside it, not deleted), and a container with the current one's
// settings on rev's image. Any failure puts back what it changed.
func RollbackPlan(in Instance, rev state.Revision) engine.Plan {
	p, _ := rollbackPlan(in, rev)
	return p
}

func rollbackPlan(in Instance, rev state.Revision) (engine.Plan, *instance.Swap) {
	d := in.Docker
	stacksDir := instance.Layout{Dir: in.Dir}.Stacks().Root
	aside := filepath.Join(filepath.Dir(rev.RollbackPoint), "stacks-at-rollback")
	image := rev.Image
	sw := &instance.Swap{Old: in.Container, Image: image, KeptName: in.Container.Name + "-" + in.Version}
	tg := sw.Target()
	before := filepath.Join(filepath.Dir(rev.RollbackPoint), "appsmith.yaml.before-rollback")
	steps := []engine.Step{
		{ID: "image", Title: "Check the image of " + rev.Version, Cause: "the container is made again on it", ReadOnly: true,
			Run: func(ctx context.Context, r engine.Reporter) error {
				img, err := d.ImageInspect(ctx, image)
				if err == nil && (rev.ImageID == "" || img.ID == rev.ImageID) {
					return nil
				}
				if err != nil && !errors.Is(err, docker.ErrNotFound) {
					return err
				}
				// The tag moved or the image was removed: the registry has it.
				return d.ImagePull(ctx, image, func(e docker.PullEvent) { r.Progress(e.Layer, e.Status, e.Current, e.Total) })
			}},
		instance.StopStep(d, instance.Target{ID: in.Container.ID, Name: in.Container.Name}, "the stacks are swapped with nothing writing to them"),
		{ID: "swap-stacks", Title: "Put back the stacks from before the upgrade", Cause: "the current ones move to " + aside + " (renames: no copy)",
			Run: func(context.Context, engine.Reporter) error {
				if _, err := os.Stat(aside); err == nil {
					if _, err := os.Stat(stacksDir); errors.Is(err, os.ErrNotExist) {
						return os.Rename(rev.RollbackPoint, stacksDir) // killed between the renames
					}
					return nil
				}
				if err := os.Rename(stacksDir, aside); err != nil {
					return err
				}
				return os.Rename(rev.RollbackPoint, stacksDir)
			},
			Undo: func(context.Context, engine.Reporter, engine.Outputs) error {
				if _, err := os.Stat(aside); err != nil {
					return nil // never moved
				}
				if _, err := os.Stat(rev.RollbackPoint); errors.Is(err, os.ErrNotExist) {
					if err := os.Rename(stacksDir, rev.RollbackPoint); err != nil {
						return err
					}
				}
				return os.Rename(aside, stacksDir)
			}},
	}
	steps = append(steps, sw.Steps(d)...)
	steps = append(steps,
		instance.StartStep(d, tg, rev.Version+" starts on its own data"),
		instance.ReadyStep(d, in.HTTP, tg, in.BaseURL, rev.Version, in.Timeout),
		instance.RecordStep(in.Dir, before, "Record "+rev.Version+" in appsmith.yaml", "the history's last revision is taken back",
			func(ctx context.Context, s *state.State) error {
				img, err := d.ImageInspect(ctx, image)
				if err != nil {
					return err
				}
				instance.Switched(s, rev.Version, image, sw.Current(), img)
				s.ImageDigest = rev.ImageDigest
				for i := len(s.History) - 1; i >= 0; i-- {
					if s.History[i].RollbackPoint == rev.RollbackPoint {
						s.History = append(s.History[:i], s.History[i+1:]...)
						break
					}
				}
				return nil
			}),
		sw.RemoveStep(d),
	)
	return engine.Plan{Name: "rollback " + in.Version + " → " + rev.Version, Steps: steps}, sw
}

// Rollback runs RollbackPlan on the journal; a failure puts the upgraded
// instance back (exit 1).
func Rollback(ctx context.Context, in Instance, rev state.Revision, sink engine.Sink) error {
	plan := RollbackPlan(in, rev)
	meta := map[string]string{"recover": "upgrade --resume", "from": in.Version, "container": in.Container.ID, "name": in.Container.Name,
		"image": in.Container.Image, "image_id": in.Container.ImageID, "restart": in.Container.Restart,
		"rev_version": rev.Version, "rev_image": rev.Image, "rev_image_id": rev.ImageID, "rev_digest": rev.ImageDigest, "rev_point": rev.RollbackPoint}
	j, err := engine.Create(instance.Layout{Dir: in.Dir}.Journal(), RollbackOp+" "+in.Version+" → "+rev.Version, plan, meta)
	if err != nil {
		return err
	}
	defer j.Close()
	out, err := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}.Run(ctx, plan)
	switch out {
	case engine.OutcomeDone:
		return nil
	case engine.OutcomeRolledBack:
		return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("the rollback to %s failed and was undone: Appsmith %s runs as before: %w", rev.Version, in.Version, err),
			Hint: "`appsmith logs` shows why " + rev.Version + " did not start"}
	}
	return &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "the stacks of " + in.Version + " are in " + filepath.Join(filepath.Dir(rev.RollbackPoint), "stacks-at-rollback")}
}

// resumeRollback finishes (once the old version was seen ready) or undoes
// an interrupted rollback.
func resumeRollback(ctx context.Context, in Instance, j *engine.Journal, sink engine.Sink) (Spec, engine.Outcome, error) {
	m := j.Meta()
	in.Container = docker.Container{ID: m["container"], Name: m["name"], Image: m["image"], ImageID: m["image_id"], Restart: m["restart"]}
	in.Version = m["from"]
	rev := state.Revision{Version: m["rev_version"], Image: m["rev_image"], ImageID: m["rev_image_id"], ImageDigest: m["rev_digest"], RollbackPoint: m["rev_point"]}
	plan, sw := rollbackPlan(in, rev)
	sp := Spec{From: in.Version, To: rev.Version}
	rn := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}
	if out, ok := j.Done("create"); ok && out["id"] != "" {
		sw.SetCurrent(out["id"])
	}
	if _, ok := j.Done("ready"); ok {
		out, err := rn.Resume(ctx, plan)
		return sp, out, err
	}
	out, err := rn.RollBack(ctx, plan, "the rollback to "+rev.Version+" was interrupted before "+rev.Version+" was seen ready")
	if _, ended := j.Ended(); ended {
		return Spec{From: in.Version, To: in.Version}, engine.OutcomeRolledBack, nil
	}
	return sp, out, err
}
