//go:build !nokube

package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// KubeHop is one hop of a Kubernetes upgrade plan and the Helm revision
// it makes.
type KubeHop struct {
	upgrade.Hop
	Revision int `json:"revision"`
}

// KubeUpgradePlan is `upgrade --plan` of a Kubernetes target.
type KubeUpgradePlan struct {
	Target    string    `json:"target"`
	Release   string    `json:"release"`
	Namespace string    `json:"namespace"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Revision  int       `json:"revision"` // the release's now
	Hops      []KubeHop `json:"hops"`
	Notes     []string  `json:"notes,omitempty"`
	// Database is the kind the release's pod runs with; Mongo what its
	// MongoDB said through the pod's exec (nil: not asked).
	Database string             `json:"database"`
	Mongo    *upgrade.MongoData `json:"mongo,omitempty"`
	Refused  string             `json:"refused,omitempty"`
}

// kubeUpgradeRun upgrades a Kubernetes target hop by hop, on the same
// version graph as a host (upgrade.Path): each hop is a helm upgrade with
// the release's values and image.tag pinned to the hop, waited on until
// Ready, then /api/v1/health and /info checked through the API server; a
// hop whose pod never becomes Ready, or reports another version, is
// recovered explicitly (see kube.Helm.UpgradeHop), and the data snapshot
// taken before the first hop is restored into it (kube_snapshot.go). The
// release's MongoDB is asked first and each hop's FCV step runs before its
// helm upgrade (kube_mongo.go).
func kubeUpgradeRun(ctx context.Context, opts *UpgradeOptions, s *state.State) error {
	stdio, deps := opts.IO, opts.Deps
	say := func(format string, args ...any) {
		if m := opts.Root.progress; m != "json" && m != "quiet" {
			fmt.Fprintf(stdio.Err, format, args...)
		}
	}
	if opts.Auto || opts.UpdateCompose {
		return engine.UsageError("--auto and --update-compose are not implemented for a Kubernetes target")
	}
	if opts.Resume {
		if opts.Target != "" || opts.Plan {
			return engine.UsageError("--resume takes no VERSION and no --plan: it finishes or rolls back the interrupted upgrade")
		}
		return kubeResume(ctx, opts, s)
	}
	k := s.Kubernetes
	// offline: --plan of a cluster that did not answer still shows the
	// hops, from what appsmith.yaml records, and says so (as an install's
	// --plan does without a cluster).
	var offline error
	h, err := kubeConnect(deps, s, opts.Timeout)
	if err != nil {
		if !opts.Plan {
			return err
		}
		offline = err
	}
	// A killed run's upgrade is ended first: what the release runs now may
	// be its half-made hop. --plan changes nothing: it takes no lock.
	if opts.Plan {
		err = guardUnfinished(s.Dir, nil)
	} else {
		var unlock func()
		unlock, err = lockRecovered(ctx, opts.IO, opts.Root, s, h)
		if err == nil {
			defer unlock()
		}
	}
	if err != nil {
		return err
	}
	var rev int
	var cur kube.Values
	if offline == nil {
		rev, cur, err = h.Current()
		if err != nil && (!opts.Plan || kube.ReleaseMissing(err)) {
			return kubeReleaseErr(s, err)
		}
		offline = err
	}
	from := kube.ImageTag(cur)
	if offline != nil {
		rev, from = k.Revision, s.Version
	}
	repo := "appsmith/appsmith-" + s.Edition
	if s.Registry != "" {
		repo = s.Registry + "/" + repo
	}
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	tags, err := deps.tags(tctx, repo)
	cancel()
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "check the registry is reachable", "listing the tags of %s: %v", repo, err)
	}
	target := opts.Target
	if target == "" || target == "latest" {
		if len(tags) == 0 {
			return engine.Errorf(engine.ExitPreflight, "", "%s lists no version tags", repo)
		}
		target = tags[0]
	} else if target, err = install.NormalizeVersion(target); err != nil {
		return engine.UsageError("VERSION %q: %v", opts.Target, err)
	}
	// The chart's MongoDB subchart, or the user's database: never inside
	// the pod (APPSMITH_ENABLE_EMBEDDED_DB=0). Which one, the pod says.
	db := upgrade.DBExternalMongo
	var rdb kube.ReleaseDB
	dberr := offline
	if offline == nil {
		rdb, dberr = h.Database(ctx, from)
	}
	if dberr == nil {
		db = rdb.Kind
	}
	hops, err := upgrade.Path(from, target, tags, db)
	var dg *upgrade.DowngradeError
	switch {
	case errors.As(err, &dg):
		return engine.Errorf(engine.ExitUsage, "", "%v: migrations are one-way; `appsmith rollback` goes back a revision", err)
	case err != nil:
		return engine.Errorf(engine.ExitPreflight, "", "%v", err)
	}
	hops, mongo, notes, refusal := kubeFitMongo(ctx, s.Dir, rdb, dberr, hops, target, opts.NoDBCheck)
	if refusal != nil && !opts.Plan {
		return refusal
	}
	p := KubeUpgradePlan{Target: state.TargetKubernetes, Release: k.Release, Namespace: k.Namespace, From: from, To: target, Revision: rev,
		Database: db, Mongo: mongo, Notes: notes}
	if refusal != nil {
		p.Refused = refusal.Error()
	}
	for i, hop := range hops {
		p.Hops = append(p.Hops, KubeHop{Hop: hop, Revision: rev + i + 1})
	}
	if offline != nil {
		p.Notes = append(p.Notes, fmt.Sprintf("the cluster was not looked at (%v): the hops start from %s, the version %s records, and the revisions from its revision %d", offline, from, state.Path(s.Dir), rev))
	}
	if opts.NoSnapshot {
		p.Notes = append(p.Notes, "--no-snapshot: no data snapshot before the hops; a failed hop's data stays as the new version left it")
	} else {
		p.Notes = append(p.Notes, "a data snapshot (the database dump and the claim's files, through exec) is written to "+instance.Layout{Dir: s.Dir}.Backups()+
			" before the first hop; a failed hop is rolled back and the snapshot restored into the release")
	}
	if len(hops) == 0 {
		say("Release %s runs %s: nothing to do.\n", k.Release, from)
		return nil
	}
	if opts.Plan {
		if opts.JSON {
			return printJSON(stdio, p)
		}
		fmt.Fprintf(stdio.Out, "Plan: upgrade release %s in namespace %s from %s to %s (now revision %d)\n", p.Release, p.Namespace, from, target, rev)
		if m := p.Mongo; m != nil {
			fcv := m.FCV
			if fcv == "" {
				fcv = "unknown (not readable by the release's user)"
			}
			fmt.Fprintf(stdio.Out, "  database: MongoDB %s, featureCompatibilityVersion %s (asked through pod exec)\n", m.Version, fcv)
		} else {
			fmt.Fprintf(stdio.Out, "  database: %s\n", p.Database)
		}
		for i, hp := range p.Hops {
			for _, s := range hp.Pre {
				fmt.Fprintf(stdio.Out, "  %d. before: set MongoDB's featureCompatibilityVersion to %s (%s)\n", i+1, s.FCV, s.Why)
			}
			fmt.Fprintf(stdio.Out, "  %d. helm upgrade to %s (revision %d): %s\n", i+1, hp.To, hp.Revision, hp.Why)
		}
		for _, n := range p.Notes {
			fmt.Fprintf(stdio.Out, "  note: %s\n", n)
		}
		if p.Refused != "" {
			fmt.Fprintf(stdio.Out, "  REFUSED: %s\n", p.Refused)
		}
		return nil
	}
	if !opts.Yes {
		return engine.UsageError("a Kubernetes upgrade runs unattended: pass --yes (or --plan to see it first)")
	}
	if k.Chart == "" {
		return engine.UsageError("%s records no chart to upgrade with", state.Path(s.Dir))
	}
	ch, err := kube.LoadChart(k.Chart)
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "", "%v", err)
	}
	if _, err := kube.ChartLine(ch); err != nil {
		return engine.Errorf(engine.ExitPreflight, "", "%v", err)
	}
	vals := make([]kube.Values, len(hops))
	for i, hop := range hops {
		if vals[i], err = kube.HopValues(cur, hop.To); err != nil {
			return engine.Errorf(engine.ExitPreflight, "", "%v", err)
		}
		cur = vals[i]
	}
	// The hops differ only in the image tag, which no subchart's
	// condition reads: the last hop's values decide for all.
	if err := kubeDependencies(ch, cur, k.Chart); err != nil {
		return err
	}
	u := &kubeUpgrade{opts: opts, s: s, h: h, ch: ch, from: from, to: target, rev: rev, hops: hops, vals: vals, snapshot: !opts.NoSnapshot}
	return u.run(ctx, u.plan(), nil)
}

// run runs (j nil) or rolls back (j an interrupted run's journal) the
// upgrade's plan and says how it ended.
func (u *kubeUpgrade) run(ctx context.Context, plan engine.Plan, j *engine.Journal) error {
	s, k := u.s, u.s.Kubernetes
	sink, err := kubeSink(u.opts.IO, u.opts.Root)
	if err != nil {
		return err
	}
	var out engine.Outcome
	resumed := j != nil
	if !resumed {
		meta, merr := u.meta()
		if merr != nil {
			return merr
		}
		if j, err = engine.Create(instance.Layout{Dir: s.Dir}.Journal(), u.op(), plan, meta); err != nil {
			return err
		}
		defer j.Close()
		out, err = engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}.Run(ctx, plan)
	} else {
		out, err = engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}.RollBack(context.WithoutCancel(ctx), plan,
			"the upgrade to "+u.to+" was interrupted before it was done")
	}
	_ = sink.Close()
	quiet := u.opts.Root.progress == "json" || u.opts.Root.progress == "quiet"
	switch _, ended := j.Ended(); {
	case out == engine.OutcomeDone:
		if !quiet {
			fmt.Fprintf(u.opts.IO.Err, "Release %s runs %s (revision %d).\n", k.Release, s.Version, k.Revision)
		}
		return nil
	case resumed && ended:
		// An interrupted run undone (or found to have changed nothing).
		if !quiet {
			fmt.Fprintf(u.opts.IO.Err, "The interrupted upgrade to %s was rolled back: release %s runs %s (revision %d)%s.\n", u.to, k.Release, s.Version, k.Revision, u.data)
		}
		return nil
	case out == engine.OutcomeRolledBack:
		code, hint := engine.ExitCode(err), "`helm history "+k.Release+" -n "+k.Namespace+"` shows the failed revision"
		if u.hopErr != nil {
			// A hop that failed, or was interrupted, and was recovered.
			code, err = engine.ExitNotReady, u.hopErr
		}
		if !u.revisionMade() {
			return &engine.Error{Code: code, Err: fmt.Errorf("%w: nothing was upgraded", err), Hint: engine.HintOf(err)}
		}
		return engine.Errorf(code, hint, "%v; the release runs %s again (revision %d)%s", err, s.Version, k.Revision, u.data)
	case !ended:
		return &engine.Error{Code: engine.ExitFailure, Err: err,
			Hint: "`" + hint.Appsmith(s.Dir, "upgrade --resume") + "` finishes or undoes this upgrade; `" + hint.Appsmith(s.Dir, "status") + "` shows the release"}
	}
	return err
}

// kubeResume undoes the Kubernetes upgrade a killed run left unfinished:
// the release back on the revision it began on (a revision left pending
// marked failed first), the data snapshot restored when a hop had begun.
// One whose every hop was done is only closed.
func kubeResume(ctx context.Context, opts *UpgradeOptions, s *state.State) error {
	h, err := kubeConnect(opts.Deps, s, opts.Timeout)
	if err != nil {
		return err
	}
	lock, err := lockDir(s.Dir)
	if err != nil {
		return err
	}
	defer lock.Release()
	// A restore left by a killed run (the upgrade's own snapshot restore,
	// say) is undone first: the upgrade's undo then starts from whole data.
	if _, err := kubeRecoverRestores(ctx, opts.IO, opts.Root, s, h); err != nil {
		return err
	}
	js, err := upgrade.Unfinished(s.Dir)
	if err != nil {
		return err
	}
	if len(js) == 0 {
		fmt.Fprintf(opts.IO.Err, "No interrupted upgrade in %s: nothing to do.\n", s.Dir)
		return nil
	}
	j, err := engine.Open(js[len(js)-1].Path())
	if err != nil {
		return err
	}
	defer j.Close()
	if strings.HasPrefix(j.Op(), upgrade.RollbackOp+" ") {
		ro := &RollbackOptions{IO: opts.IO, Deps: opts.Deps, Root: opts.Root, Yes: true, Timeout: opts.Timeout}
		b, err := kubeRollbackFromJournal(ro, s, h, j)
		if err != nil {
			return err
		}
		return b.run(ctx, j)
	}
	u, err := kubeUpgradeFromJournal(opts, s, h, j)
	if err != nil {
		return err
	}
	plan := u.plan()
	last := len(u.hops) - 1
	if _, ok := j.Done(hopScope(last, u.hops[last]) + "/helm-upgrade"); ok {
		// Killed after the last hop was verified: only the end is missing.
		sink, err := kubeSink(opts.IO, opts.Root)
		if err != nil {
			return err
		}
		_, err = engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}.Resume(ctx, plan)
		_ = sink.Close()
		return err
	}
	return u.run(ctx, plan, j)
}

// recordKube records that the release runs version at revision. The tag
// asked for and the image follow, as a host's record does after an
// upgrade (instance.Switched): a re-run takes its --version from Tag.
func recordKube(s *state.State, version string, revision int, deps Deps) error {
	s.Version, s.Kubernetes.Revision, s.UpdatedAt = version, revision, deps.now().UTC()
	if s.Tag != "" {
		s.Tag = version
	}
	if i := strings.LastIndex(s.Image, ":"); i > strings.LastIndex(s.Image, "/") {
		s.Image = s.Image[:i+1] + version
	}
	return state.Save(s.Dir, s)
}

// kubeConnect is the recorded release's Helm, through the kubeconfig
// appsmith.yaml names.
func kubeConnect(deps Deps, s *state.State, timeout time.Duration) (*kube.Helm, error) {
	h, err := deps.kube(recordedKube(s), timeout)
	if err != nil {
		return nil, engine.Errorf(engine.ExitPreflight, kubeconfigHint(recordedKube(s)), "connecting to the cluster: %v", err)
	}
	return h, nil
}

// kubeconfigHint says which kubeconfig and context the tool asked, for a
// cluster that did not answer.
func kubeconfigHint(ko kube.Options) string {
	where := "the default kubeconfig ($KUBECONFIG, else ~/.kube/config)"
	if ko.Kubeconfig != "" {
		where = "the kubeconfig " + ko.Kubeconfig
	}
	ctx := "its current context"
	if ko.Context != "" {
		ctx = "its context " + ko.Context
	}
	return "check that the API server of " + ctx + " in " + where + " answers from this machine"
}

// kubeReleaseErr says why the recorded release could not be read: Helm
// has no such release (exit 5), or the cluster did not answer (exit 1) —
// never the one for the other.
func kubeReleaseErr(s *state.State, err error) error {
	if kube.ReleaseMissing(err) {
		return engine.Errorf(engine.ExitNotFound, missingReleaseHint(s), "%v: %s records it, Helm has no such release", err, state.Path(s.Dir))
	}
	return engine.Errorf(engine.ExitFailure, kubeconfigHint(recordedKube(s)), "reading the release from the cluster: %v", err)
}

// missingReleaseHint is what to do about a recorded release Helm lacks: a
// first install that never reached Helm is run again or forgotten; one
// recorded as installed may be on another cluster than the one asked
// (uninstall does not forget it).
func missingReleaseHint(s *state.State) string {
	if s.Installing() {
		return "`" + hint.Install(s.Dir, "--yes") + "` installs it again (the data claim and the Secret, if kept, are reused); `" +
			hint.Appsmith(s.Dir, "uninstall --yes") + "` forgets it"
	}
	return "`helm list -n " + s.Kubernetes.Namespace + "` on the right cluster shows it; if it was removed with helm, delete " + state.Path(s.Dir) + " yourself"
}

// lockRecovered takes the install dir's lock for a change. A Kubernetes
// restore a killed run left is undone (or finished) first, as a host's
// next command does with its restores; any other unfinished operation (an
// upgrade: `upgrade --resume` ends it) refuses the change.
func lockRecovered(ctx context.Context, stdio IO, ro *rootOpts, s *state.State, h *kube.Helm) (unlock func(), err error) {
	lock, err := lockDir(s.Dir)
	if err != nil {
		return nil, err
	}
	if _, err = kubeRecoverRestores(ctx, stdio, ro, s, h); err == nil {
		err = guardUnfinished(s.Dir, nil)
	}
	if err != nil {
		_ = lock.Release()
		return nil, err
	}
	return func() { _ = lock.Release() }, nil
}

// kubeRecoverRestores undoes, oldest first, the Kubernetes restores whose
// journal a killed run left open (kube.Helm.RecoverRestore), and says
// how many. Call it holding the lock.
func kubeRecoverRestores(ctx context.Context, stdio IO, ro *rootOpts, s *state.State, h *kube.Helm) (int, error) {
	js, err := backup.Unfinished(s.Dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, old := range js {
		if old.Meta()["target"] != state.TargetKubernetes {
			continue
		}
		if ro.progress != "json" && ro.progress != "quiet" {
			fmt.Fprintf(stdio.Err, "An earlier restore into release %s was interrupted: undoing it first.\n", s.Kubernetes.Release)
		}
		j, err := engine.Open(old.Path())
		if err != nil {
			return n, err
		}
		sink, err := kubeSink(stdio, ro)
		if err != nil {
			j.Close()
			return n, err
		}
		err = h.RecoverRestore(ctx, j, nested(sink))
		_ = sink.Close()
		j.Close()
		if err != nil {
			return n, &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("undoing the interrupted restore: %w", err),
				Hint: "`" + hint.Appsmith(s.Dir, "restore --resume") + "` tries again"}
		}
		n++
	}
	return n, nil
}
