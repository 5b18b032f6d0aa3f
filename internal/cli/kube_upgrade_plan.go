//go:build !nokube

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"helm.sh/helm/v3/pkg/chart"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// kubeUpgrade is a Kubernetes upgrade as the lifecycle core runs it: a
// plan of steps on the install dir's journal (the one a host's upgrade
// uses), rolled back as a whole when a step fails, so that a run killed
// half-way is finished or undone by `appsmith upgrade --resume` and every
// other command refuses to act on top of it until then.
//
// The steps, in order, each with why:
//   - snapshot: the database dump and the claim's files through exec,
//     before anything changes; its undo restores it into the release once
//     the hops are undone (their images may have migrated the data, which
//     is one-way).
//   - per hop, set-fcv (when the release's MongoDB needs it): the FCV the
//     next release needs, set through the pod; the running version works
//     on it, so it is not undone.
//   - per hop, helm-upgrade: the release's values with image.tag pinned,
//     waited Ready and /info checked; a hop that fails is recovered onto
//     the previous revision by kube.Helm.UpgradeHop itself. Its undo takes
//     the release back to the revision the hop started from, when the
//     snapshot will put the data back too; without a snapshot a verified
//     hop stays, as its data are its version's now.
type kubeUpgrade struct {
	opts     *UpgradeOptions
	s        *state.State
	h        *kube.Helm
	ch       *chart.Chart // nil when resumed: no step runs forward then
	from, to string
	rev      int // the release's revision before the first hop
	hops     []upgrade.Hop
	vals     []kube.Values // per hop; nil when resumed
	snapshot bool
	location string // the snapshot once taken (or the journal's)
	// data says what happened to the data in the rollback.
	data string
	// hopErr is the failed hop's own error (recovered by UpgradeHop): an
	// interrupt's wraps it as text.
	hopErr error
}

func hopScope(i int, h upgrade.Hop) string { return fmt.Sprintf("hop%d:%s", i+1, h.To) }

func (u *kubeUpgrade) op() string { return upgrade.Op + " " + u.from + " → " + u.to }

func (u *kubeUpgrade) meta() (map[string]string, error) {
	hops, err := json.Marshal(u.hops)
	if err != nil {
		return nil, err
	}
	return map[string]string{"target": state.TargetKubernetes, "from": u.from, "to": u.to, "revision": strconv.Itoa(u.rev),
		"hops": string(hops), "snapshot": strconv.FormatBool(u.snapshot), "recover": "upgrade --resume"}, nil
}

// kubeUpgradeFromJournal rebuilds an interrupted upgrade from its journal.
func kubeUpgradeFromJournal(opts *UpgradeOptions, s *state.State, h *kube.Helm, j *engine.Journal) (*kubeUpgrade, error) {
	m := j.Meta()
	if m["target"] != state.TargetKubernetes {
		return nil, fmt.Errorf("%s is not a Kubernetes upgrade's journal", j.Path())
	}
	u := &kubeUpgrade{opts: opts, s: s, h: h, from: m["from"], to: m["to"], snapshot: m["snapshot"] == "true"}
	var err error
	if u.rev, err = strconv.Atoi(m["revision"]); err != nil {
		return nil, fmt.Errorf("%s: revision %q: %w", j.Path(), m["revision"], err)
	}
	if err := json.Unmarshal([]byte(m["hops"]), &u.hops); err != nil {
		return nil, fmt.Errorf("%s: the journal's hops: %w", j.Path(), err)
	}
	if out, ok := j.Done("snapshot"); ok {
		u.location = out["location"]
	}
	return u, nil
}

// revisionMade reports whether a hop made a revision: only then can a
// new version have run on the data, and the snapshot need to go back
// (restoring it otherwise would only lose what was written since). When
// Helm cannot be asked, it says yes: restoring is the safe side.
func (u *kubeUpgrade) revisionMade() bool {
	st, err := u.h.Status()
	return err != nil || st.Revision > u.rev
}

func (u *kubeUpgrade) plan() engine.Plan {
	var steps []engine.Step
	if u.snapshot {
		steps = append(steps, engine.Step{ID: "snapshot", Title: "Snapshot the release's data into " + instance.Layout{Dir: u.s.Dir}.Backups(),
			Cause: "the database dump and the claim's files, through the pod's exec: a failed upgrade puts them back",
			Run:   u.takeSnapshot, Undo: u.restoreSnapshot})
	}
	for i, hop := range u.hops {
		scope := hopScope(i, hop)
		for _, db := range hop.Pre {
			steps = append(steps, engine.Step{ID: "set-fcv", Scope: scope, ReadOnly: true,
				Title: "Set MongoDB's featureCompatibilityVersion to " + db.FCV + " before " + hop.To, Cause: db.Why,
				Run: func(ctx context.Context, r engine.Reporter) error {
					err := kubeSetFCV(ctx, u.h, hop.From, []upgrade.DBStep{db})
					if err != nil && db.Optional {
						r.Warn(fmt.Sprintf("%v: %s raises it itself where it can", err, hop.To))
						return nil
					}
					return err
				}})
		}
		steps = append(steps, engine.Step{ID: "helm-upgrade", Scope: scope,
			Title: fmt.Sprintf("helm upgrade %s to %s (revision %d), until Ready and /info says %s", u.s.Kubernetes.Release, hop.To, u.rev+i+1, hop.To),
			Cause: hop.Why,
			Run:   func(ctx context.Context, r engine.Reporter) error { return u.upgradeHop(ctx, r, i) },
			Undo: func(ctx context.Context, r engine.Reporter, out engine.Outputs) error {
				return u.undoHop(ctx, r, i, out)
			}})
	}
	return engine.Plan{Name: u.op() + " (Kubernetes release " + u.s.Kubernetes.Release + ")", Steps: steps}
}

func (u *kubeUpgrade) takeSnapshot(ctx context.Context, r engine.Reporter) error {
	snap, err := (&kubeSnapshot{sink: reporterSink{r}}).take(ctx, u.opts.IO, u.opts.Root, u.opts.Deps, u.s, u.h)
	if err != nil {
		return &engine.Error{Code: engine.ExitPreflight, Err: err,
			Hint: "pass --no-snapshot only if the release's database is backed up another way"}
	}
	u.location = snap.location
	r.Output("location", snap.location)
	u.s.Kubernetes.Snapshot = &state.KubeSnapshot{Location: snap.location, Version: u.from, Revision: u.rev}
	return state.Save(u.s.Dir, u.s)
}

func (u *kubeUpgrade) restoreSnapshot(ctx context.Context, r engine.Reporter, out engine.Outputs) error {
	loc := out["location"]
	if loc == "" {
		loc = u.location
	}
	if loc == "" || !u.revisionMade() {
		return nil // never taken, or nothing changed since
	}
	msg, err := (&kubeSnapshot{location: loc, sink: reporterSink{r}}).restore(ctx, u.opts.IO, u.opts.Root, u.opts.Deps, u.s, u.h)
	u.data = "; " + msg
	return err
}

func (u *kubeUpgrade) upgradeHop(ctx context.Context, r engine.Reporter, i int) error {
	if u.ch == nil {
		return errors.New("an interrupted upgrade is not carried forward: it is rolled back")
	}
	hop := u.hops[i]
	res, err := u.h.UpgradeHop(ctx, u.ch, u.vals[i])
	if errors.Is(err, kube.ErrHopRolledBack) {
		_ = recordKube(u.s, hop.From, res.Revision, u.opts.Deps)
		if len(res.Deleted) > 0 {
			err = fmt.Errorf("%w; deleted the pods still on %s: %s", err, hop.To, strings.Join(res.Deleted, ", "))
		}
		u.hopErr = err
		return err
	}
	if err != nil {
		return err
	}
	r.Output("revision", strconv.Itoa(res.Revision))
	return recordKube(u.s, hop.To, res.Revision, u.opts.Deps)
}

// undoHop takes the release back to the revision hop i started from
// (rev+i: every hop before it made one), unless it is there already (the
// hop failed and was recovered, or never began) or the hop was verified
// (out holds its revision: the step finished) and no snapshot will put
// the data back: a version's migrations are one-way, and its image must
// not go back over them. A hop killed before it was verified is always
// taken back. A revision a killed run left pending is marked failed
// first. Run twice, it finds the release where the first run left it.
func (u *kubeUpgrade) undoHop(ctx context.Context, r engine.Reporter, i int, out engine.Outputs) error {
	hop := u.hops[i]
	st, err := u.h.Status()
	if err != nil {
		return err
	}
	pending := strings.HasPrefix(st.State, "pending")
	if !pending && st.ImageTag == hop.From && st.State == "deployed" {
		return recordKube(u.s, hop.From, st.Revision, u.opts.Deps)
	}
	if !u.snapshot && out["revision"] != "" && !pending && st.ImageTag == hop.To && st.State == "deployed" {
		r.Log(fmt.Sprintf("%s was verified and no snapshot puts the data back: the release stays on it", hop.To))
		return recordKube(u.s, hop.To, st.Revision, u.opts.Deps)
	}
	if n, err := u.h.FailPending(u.rev, hop.To); err != nil {
		return err
	} else if n > 0 {
		r.Log(fmt.Sprintf("revision %d was left pending by the interrupted run: marked failed", n))
	}
	back := u.rev + i
	if tag, err := u.h.RevisionTag(back); err != nil || tag != hop.From {
		return fmt.Errorf("revision %d of release %s does not run %s (%q, %v): go back with `helm rollback` by hand", back, u.s.Kubernetes.Release, hop.From, tag, err)
	}
	res, err := u.h.Rollback(ctx, back)
	if err != nil {
		return err
	}
	return recordKube(u.s, hop.From, res.Revision, u.opts.Deps)
}

// reporterSink is a step's reporter as the sink of a plan the step runs
// (the snapshot's backup, its restore): their steps' progress and logs
// show within the step.
type reporterSink struct{ r engine.Reporter }

func (s reporterSink) Emit(ev engine.Event) {
	switch ev.Kind {
	case engine.KindProgress:
		s.r.Progress(ev.Layer, ev.Status, ev.Current, ev.Size)
	case engine.KindWarning:
		s.r.Warn(ev.Message)
	case engine.KindLog:
		s.r.Log(ev.Message)
	case engine.KindStepStart:
		s.r.Log(ev.Title)
	}
}
