//go:build !nokube

package cli

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// kubeRollback is `appsmith rollback` of a Kubernetes install as a plan on
// the install dir's journal, undone as a whole when a step fails or a run
// is killed (`upgrade --resume` ends it), so the older image never stays
// on the newer data:
//   - backup-newer: when the last upgrade's snapshot holds the older
//     version's data, the newer data are backed up first (kept).
//   - helm-rollback: back one revision (never forward) with the recovery
//     a failed hop gets; its undo goes back to the revision it left.
//   - restore-snapshot: the snapshot restored into the release (a
//     journaled restore of its own, which undoes itself when it fails).
type kubeRollback struct {
	opts                *RollbackOptions
	s                   *state.State
	h                   *kube.Helm
	fromRev, toRev      int
	fromTag, toTag      string
	snapshot, newerData string // the snapshot put back ("" = none), the newer data's backup
}

func (b *kubeRollback) op() string { return upgrade.RollbackOp + " " + b.fromTag + " → " + b.toTag }

func (b *kubeRollback) meta() map[string]string {
	return map[string]string{"target": state.TargetKubernetes, "from_revision": strconv.Itoa(b.fromRev), "from_tag": b.fromTag,
		"to_revision": strconv.Itoa(b.toRev), "to_tag": b.toTag, "snapshot": b.snapshot, "recover": "upgrade --resume"}
}

func kubeRollbackFromJournal(opts *RollbackOptions, s *state.State, h *kube.Helm, j *engine.Journal) (*kubeRollback, error) {
	m := j.Meta()
	b := &kubeRollback{opts: opts, s: s, h: h, fromTag: m["from_tag"], toTag: m["to_tag"], snapshot: m["snapshot"]}
	var err1, err2 error
	b.fromRev, err1 = strconv.Atoi(m["from_revision"])
	b.toRev, err2 = strconv.Atoi(m["to_revision"])
	if err1 != nil || err2 != nil || m["target"] != state.TargetKubernetes {
		return nil, fmt.Errorf("%s is not a Kubernetes rollback's journal", j.Path())
	}
	return b, nil
}

func (b *kubeRollback) plan() engine.Plan {
	var steps []engine.Step
	if b.snapshot != "" {
		steps = append(steps, engine.Step{ID: "backup-newer", ReadOnly: true,
			Title: "Back up the " + b.fromTag + " data into " + instance.Layout{Dir: b.s.Dir}.Backups(),
			Cause: "the snapshot of " + b.toTag + " replaces them; they are kept",
			Run: func(ctx context.Context, r engine.Reporter) error {
				snap, err := (&kubeSnapshot{sink: reporterSink{r}}).take(ctx, b.opts.IO, b.opts.Root, b.opts.Deps, b.s, b.h)
				if err != nil {
					return &engine.Error{Code: engine.ExitPreflight, Err: err, Hint: "the release was not changed; `appsmith status` shows what its pods say"}
				}
				b.newerData = snap.location
				r.Output("location", snap.location)
				return nil
			}})
	}
	steps = append(steps, engine.Step{ID: "helm-rollback",
		Title: fmt.Sprintf("Roll release %s back to revision %d's %s, until Ready and /info says it", b.s.Kubernetes.Release, b.toRev, b.toTag),
		Cause: "back one version: never to a failed hop's tag, never forward",
		Run: func(ctx context.Context, r engine.Reporter) error {
			res, err := b.h.Rollback(ctx, b.toRev)
			if err != nil {
				return err
			}
			if len(res.Deleted) > 0 {
				r.Log("pods deleted (still on " + b.fromTag + "): " + strings.Join(res.Deleted, ", "))
			}
			return recordKube(b.s, b.toTag, res.Revision, b.opts.Deps)
		},
		// Back to the revision it left: the data are that version's again
		// (the restore after it undoes itself), so its image must run.
		Undo: func(ctx context.Context, r engine.Reporter, _ engine.Outputs) error {
			st, err := b.h.Status()
			if err != nil {
				return err
			}
			if st.ImageTag == b.fromTag && st.State == "deployed" {
				return recordKube(b.s, b.fromTag, st.Revision, b.opts.Deps)
			}
			if n, err := b.h.FailPending(b.fromRev, b.toTag); err != nil {
				return err
			} else if n > 0 {
				r.Log(fmt.Sprintf("revision %d was left pending by the interrupted run: marked failed", n))
			}
			res, err := b.h.Rollback(ctx, b.fromRev)
			if err != nil {
				return err
			}
			return recordKube(b.s, b.fromTag, res.Revision, b.opts.Deps)
		}})
	if b.snapshot != "" {
		steps = append(steps, engine.Step{ID: "restore-snapshot",
			Title: "Restore the snapshot of " + b.toTag + " into the release", Cause: "the data the upgrade began with, which " + b.toTag + " wrote",
			Run: func(ctx context.Context, r engine.Reporter) error {
				if _, err := (&kubeSnapshot{location: b.snapshot, sink: reporterSink{r}}).restore(ctx, b.opts.IO, b.opts.Root, b.opts.Deps, b.s, b.h); err != nil {
					return err
				}
				b.s.Kubernetes.Snapshot = nil // put back once: a later rollback does not again
				return state.Save(b.s.Dir, b.s)
			},
			// A failed restore undid itself; a killed one is undone before
			// this journal is (kubeRecoverRestores).
			Undo: func(context.Context, engine.Reporter, engine.Outputs) error { return nil }})
	}
	return engine.Plan{Name: b.op() + " (Kubernetes release " + b.s.Kubernetes.Release + ")", Steps: steps}
}

// kubeRollbackRun goes back one Helm revision (never forward) with the
// same recovery a failed hop gets, and puts back the data the last upgrade
// snapshotted when the snapshot is of the version gone back to (the newer
// data backed up first). Without one, the data stay as the newer version
// left them, and the command says so.
func kubeRollbackRun(ctx context.Context, opts *RollbackOptions, s *state.State) error {
	if !opts.Yes {
		return engine.UsageError("on Kubernetes a rollback returns the previous revision's image and values, and the data the last upgrade snapshotted (the newer data are backed up first): pass --yes to go ahead")
	}
	k := s.Kubernetes
	h, err := kubeConnect(opts.Deps, s, opts.Timeout)
	if err != nil {
		return err
	}
	unlock, err := lockRecovered(ctx, opts.IO, opts.Root, s, h)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := h.Status()
	if err != nil {
		return kubeReleaseErr(s, err)
	}
	b := &kubeRollback{opts: opts, s: s, h: h, fromRev: st.Revision, fromTag: st.ImageTag}
	if b.toRev, b.toTag, err = h.Previous(); err != nil {
		return engine.Errorf(engine.ExitFailure, "`helm history "+k.Release+" -n "+k.Namespace+"` shows the revisions", "%v", err)
	}
	if snap := k.Snapshot; snap != nil && snap.Version == b.toTag {
		if _, err := os.Stat(snap.Location); err == nil {
			b.snapshot = snap.Location
		}
	}
	return b.run(ctx, nil)
}

// run runs the plan (j nil) or undoes an interrupted run's (j its
// journal), and says how it ended.
func (b *kubeRollback) run(ctx context.Context, j *engine.Journal) error {
	k, plan := b.s.Kubernetes, b.plan()
	sink, err := kubeSink(b.opts.IO, b.opts.Root)
	if err != nil {
		return err
	}
	var out engine.Outcome
	resumed := j != nil
	rn := engine.Runner{Sink: sink, OnFailure: engine.RollBackOnFailure}
	if !resumed {
		if j, err = engine.Create(instance.Layout{Dir: b.s.Dir}.Journal(), b.op(), plan, b.meta()); err != nil {
			_ = sink.Close()
			return err
		}
		defer j.Close()
		rn.Journal = j
		out, err = rn.Run(ctx, plan)
	} else {
		rn.Journal = j
		out, err = rn.RollBack(context.WithoutCancel(ctx), plan, "the rollback to "+b.toTag+" was interrupted before it was done")
	}
	_ = sink.Close()
	say := func(format string, args ...any) {
		if m := b.opts.Root.progress; m != "json" && m != "quiet" {
			fmt.Fprintf(b.opts.IO.Err, format, args...)
		}
	}
	_, ended := j.Ended()
	switch {
	case out == engine.OutcomeDone && b.snapshot != "":
		say("Release %s is back on %s (revision %d); the data were restored from the snapshot taken before the upgrade (%s); the newer data are kept in %s.\n",
			k.Release, b.s.Version, k.Revision, b.snapshot, b.newerData)
		return nil
	case out == engine.OutcomeDone:
		say("Release %s is back on %s (revision %d). The data stay as the newer version left them: no upgrade snapshot of %s to put back.\n",
			k.Release, b.s.Version, k.Revision, b.toTag)
		return nil
	case resumed && ended:
		say("The interrupted rollback to %s was undone: release %s runs %s (revision %d) on its data as before.\n", b.toTag, k.Release, b.s.Version, k.Revision)
		return nil
	case out == engine.OutcomeRolledBack:
		return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("rollback to %s failed and was undone: release %s runs %s (revision %d) on its data as before: %w", b.toTag, k.Release, b.s.Version, k.Revision, err),
			Hint: "`helm history " + k.Release + " -n " + k.Namespace + "` shows the revisions"}
	case !ended:
		return &engine.Error{Code: engine.ExitFailure, Err: err,
			Hint: "`" + hint.Appsmith(b.s.Dir, "upgrade --resume") + "` finishes or undoes this rollback; `" + hint.Appsmith(b.s.Dir, "status") + "` shows the release"}
	}
	return err
}
