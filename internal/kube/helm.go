package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// LoadChart reads a chart directory or .tgz. An oci:// reference is
// pulled by the CLI's registry client first (see Puller).
func LoadChart(path string) (*chart.Chart, error) {
	ch, err := loader.Load(path)
	if err != nil {
		return nil, &FieldError{"chart", path, err.Error()}
	}
	return ch, nil
}

// ChartLine is the mapping line of a loaded chart.
func ChartLine(ch *chart.Chart) (Line, error) {
	l, err := LineOf(ch.Metadata.Version)
	if err != nil {
		return Line{}, &FieldError{"chart", ch.Metadata.Name + " " + ch.Metadata.Version, err.Error()}
	}
	return l, nil
}

// Render templates the chart with vals client-side, as `helm template`
// does: no cluster is asked anything.
func Render(ch *chart.Chart, vals Values, o Options) (string, error) {
	cfg := &action.Configuration{
		Releases:     storage.Init(driver.NewMemory()),
		KubeClient:   &kubefake.PrintingKubeClient{Out: io.Discard},
		Capabilities: chartutil.DefaultCapabilities,
		Log:          func(string, ...any) {},
	}
	in := action.NewInstall(cfg)
	in.DryRun, in.ClientOnly, in.Replace = true, true, true
	in.ReleaseName, in.Namespace = o.Release, o.Namespace
	in.DisableHooks = true
	rel, err := in.Run(ch, vals)
	if err != nil {
		return "", fmt.Errorf("rendering chart %s %s: %w", ch.Metadata.Name, ch.Metadata.Version, err)
	}
	return rel.Manifest, nil
}

// Helm drives one release through Helm's action package. Cfg is a real
// cluster's (NewConfig) or a test's (memory driver, fake kube client);
// Cluster does the calls Helm does not (Secrets, pods).
type Helm struct {
	Cfg     *action.Configuration
	Cluster Cluster
	Opts    Options
	// Timeout bounds each wait for Ready.
	Timeout time.Duration
	// Info, when set, checks /api/v1/health and /info of the Ready pods
	// after the install and after each hop (VerifyInfo); Connect sets it.
	Info InfoReader
	// Data, when set, reaches into the pods for backups and restores
	// (exec, the resolved environment); Connect sets it.
	Data DataOps
}

// Cluster is what the tool itself asks of the Kubernetes API.
type Cluster interface {
	EnsureNamespace(ctx context.Context, ns string) error
	// Secret returns the data of a Secret; ok is false when it is missing.
	Secret(ctx context.Context, ns, name string) (data map[string][]byte, ok bool, err error)
	CreateSecret(ctx context.Context, ns, name, typ string, data map[string][]byte) error
	// AddSecretKeys adds keys to an existing Secret, never changing one.
	AddSecretKeys(ctx context.Context, ns, name string, data map[string][]byte) error
	// KeepPVC annotates an existing claim helm.sh/resource-policy: keep
	// (a release installed without it: its claim template cannot change).
	// It reports whether the claim exists and whether it changed it.
	KeepPVC(ctx context.Context, ns, name string) (exists, changed bool, err error)
	PodOps
}

// Install makes the release's Secrets (once) and installs the chart with
// vals, waiting for the pod to be Ready: InstallPlan's steps, run in order.
func (h *Helm) Install(ctx context.Context, ch *chart.Chart, g *Generated, vals Values, tlsCert, tlsKey []byte) (*release.Release, error) {
	var rel *release.Release
	p := h.InstallPlan(ch, g, vals, tlsCert, tlsKey, &rel)
	for _, st := range p.Steps {
		if err := st.Run(ctx, nil); err != nil {
			return rel, err
		}
	}
	return rel, nil
}

// InstallPlan is the install as engine steps (progress, NDJSON events):
// the namespace, the Secret made once, the TLS Secret from --cert/--key,
// then helm install with a wait for Ready. *out receives the release.
// Nothing is undone on failure: the Secrets hold keys worth keeping, and a
// failed release is for `helm history` to show.
func (h *Helm) InstallPlan(ch *chart.Chart, g *Generated, vals Values, tlsCert, tlsKey []byte, out **release.Release) engine.Plan {
	o := h.Opts
	steps := []engine.Step{
		{ID: "namespace", Title: "namespace " + o.Namespace, Run: func(ctx context.Context, _ engine.Reporter) error {
			if err := h.Cluster.EnsureNamespace(ctx, o.Namespace); err != nil {
				return fmt.Errorf("namespace %s: %w", o.Namespace, err)
			}
			return nil
		}},
		{ID: "secret", Title: "Secret " + o.SecretName() + " (made once, never regenerated)", Run: func(ctx context.Context, _ engine.Reporter) error {
			_, err := EnsureSecret(ctx, h.Cluster, o.Namespace, o.SecretName(), g.SecretKeys)
			return err
		}},
	}
	if tlsCert != nil {
		steps = append(steps, engine.Step{ID: "tls-secret", Title: "TLS Secret " + o.TLSSecretName(), Run: func(ctx context.Context, _ engine.Reporter) error {
			_, ok, err := h.Cluster.Secret(ctx, o.Namespace, o.TLSSecretName())
			if err != nil || ok {
				return err
			}
			if err := h.Cluster.CreateSecret(ctx, o.Namespace, o.TLSSecretName(), "kubernetes.io/tls",
				map[string][]byte{"tls.crt": tlsCert, "tls.key": tlsKey}); err != nil {
				return fmt.Errorf("TLS secret %s: %w", o.TLSSecretName(), err)
			}
			return nil
		}})
	}
	var start time.Time
	steps = append(steps, engine.Step{ID: "helm-install", Title: "helm install " + o.Release + ", until the pod is Ready", Run: func(ctx context.Context, _ engine.Reporter) error {
		start = time.Now()
		in := action.NewInstall(h.Cfg)
		in.ReleaseName, in.Namespace = o.Release, o.Namespace
		in.Wait, in.Timeout = true, h.timeout()
		rel, err := in.RunWithContext(ctx, ch, vals)
		if out != nil {
			*out = rel
		}
		if errors.Is(err, context.DeadlineExceeded) {
			// Helm's wait says only "context deadline exceeded".
			return fmt.Errorf("helm install %s: no Ready pod on %s within %s: %w", o.Release, ImageTag(vals), h.timeout(), err)
		}
		if err != nil {
			return fmt.Errorf("helm install %s: %w", o.Release, err)
		}
		return nil
	}})
	if h.Info != nil {
		steps = append(steps, engine.Step{ID: "info", Title: "/api/v1/health and /info of the pod, through the API server", Run: func(ctx context.Context, _ engine.Reporter) error {
			return h.verify(ctx, ImageTag(vals), start)
		}})
	}
	return engine.Plan{Name: "install " + o.Release + " (Kubernetes)", Steps: steps}
}

func (h *Helm) timeout() time.Duration {
	if h.Timeout <= 0 {
		return 10 * time.Minute
	}
	return h.Timeout
}

// HopResult says how a hop ended.
type HopResult struct {
	Revision int  // the revision the release is at now
	Upgraded bool // the hop's pod became Ready on the new tag
	// RolledBackTo is the revision the recovery went back to (0: none).
	RolledBackTo int
	// Deleted are the pods the recovery deleted because they still ran the bad tag.
	Deleted []string
}

// ErrHopRolledBack is in the error of a hop that failed and was recovered:
// the release runs its previous revision (and tag) again, Ready.
var ErrHopRolledBack = errors.New("rolled back to the previous revision")

// UpgradeHop moves the release to the chart with vals (one hop: image.tag
// pinned to the hop's version) and waits for Ready. When the pod never
// becomes Ready, `helm upgrade --wait --atomic` does not recover this
// chart (the StatefulSet waits for the bad pod instead of replacing it, and
// Helm's own rollback times out), so the recovery is explicit: roll back
// without waiting, delete the pods still on the bad tag, then wait for
// Ready on the old tag. Deleting first would bring the pod back on the bad
// tag.
func (h *Helm) UpgradeHop(ctx context.Context, ch *chart.Chart, vals Values) (HopResult, error) {
	cur, err := action.NewStatus(h.Cfg).Run(h.Opts.Release)
	if err != nil {
		return HopResult{}, fmt.Errorf("release %s: %w", h.Opts.Release, err)
	}
	oldTag, newTag := ImageTag(cur.Config), ImageTag(vals)
	// The claim outlives the release only with the annotation; on a
	// release that began without it, the claim itself is annotated.
	if _, _, err := h.Cluster.KeepPVC(ctx, h.Opts.Namespace, DataPVC(h.Opts.Release)); err != nil {
		return HopResult{}, fmt.Errorf("annotating the data claim %s: %w", DataPVC(h.Opts.Release), err)
	}
	up := action.NewUpgrade(h.Cfg)
	up.Namespace, up.Wait, up.Timeout = h.Opts.Namespace, true, h.timeout()
	up.MaxHistory = 10
	start := time.Now()
	rel, upErr := up.RunWithContext(ctx, h.Opts.Release, ch, vals)
	var why string
	if upErr == nil {
		// Ready says only that the probes pass: the pod must also say it
		// runs the hop's version, or the hop failed (an image that lies,
		// a tag moved to another build).
		verr := h.verify(ctx, newTag, start)
		if verr == nil {
			return HopResult{Revision: rel.Version, Upgraded: true}, nil
		}
		upErr, why = verr, verr.Error()
		if ctx.Err() != nil {
			why = "interrupted"
		}
		// Helm recorded the revision deployed; marked failed, the
		// rollback leaves it failed (not superseded), so `rollback` never
		// goes back to it (see previous).
		rel.SetStatus(release.StatusFailed, "appsmith-install: "+why)
		if err := h.Cfg.Releases.Update(rel); err != nil {
			why += fmt.Sprintf(" (and marking revision %d failed: %v)", rel.Version, err)
		}
	} else {
		// Helm's wait says only "context deadline exceeded".
		why = upErr.Error()
		switch {
		case errors.Is(upErr, context.DeadlineExceeded):
			why = fmt.Sprintf("no Ready pod on %s within %s", newTag, h.timeout())
		case ctx.Err() != nil:
			why = "interrupted"
		}
	}
	// An interrupted hop (Ctrl-C cancels ctx) is recovered too: left as
	// it is, the release stays failed on the new tag with its pod never
	// replaced. The recovery is bounded by its own wait, not by ctx.
	res, err := h.recover(context.WithoutCancel(ctx), cur.Version, oldTag, newTag)
	if err != nil {
		return res, fmt.Errorf("helm upgrade to %s failed (%s), and so did the recovery: %w", newTag, why, err)
	}
	return res, fmt.Errorf("helm upgrade to %s: %s: %w (revision %d's %s, now revision %d)", newTag, why, ErrHopRolledBack, res.RolledBackTo, oldTag, res.Revision)
}

// verify is VerifyInfo on this release's pods on tag, bounded by what is
// left of the wait that began at start (at least 15s: a pod can be
// Ready a moment before its server answers through the forward).
func (h *Helm) verify(ctx context.Context, tag string, start time.Time) error {
	if h.Info == nil {
		return nil
	}
	left := h.timeout() - time.Since(start)
	if left < 15*time.Second {
		left = 15 * time.Second
	}
	_, err := VerifyInfo(ctx, h.Cluster, h.Info, h.Opts, tag, left)
	return err
}

// recover is Recover on this release, then the /info check on the tag it
// went back to. A Helm rollback makes a new revision (a copy of the one it
// goes back to): Revision is read back, so what the install dir records is
// the release's revision, not the copied one's.
func (h *Helm) recover(ctx context.Context, revision int, goodTag, badTag string) (HopResult, error) {
	start := time.Now()
	res, err := Recover(ctx, h.rollbacker(), h.Cluster, h.Opts, revision, goodTag, badTag, h.timeout())
	if res.RolledBackTo > 0 {
		if st, serr := action.NewStatus(h.Cfg).Run(h.Opts.Release); serr == nil {
			res.Revision = st.Version
		}
	}
	// Ready is the pod's word; /info is Appsmith's: the version gone back
	// to is checked as a hop's is.
	if err == nil {
		if verr := h.verify(ctx, goodTag, start); verr != nil {
			err = fmt.Errorf("back on %s, but %w", goodTag, verr)
		}
	}
	return res, err
}

// FailPending marks the release's newest revision failed when a run that
// was killed left it pending (Helm's lock: no upgrade would start on it,
// and a rollback would count it as the version to leave) — only one made
// after revision after on tag: a pending revision of another Helm client
// (a CI job still running) is not this tool's to end. It returns the
// revision it marked, 0 when none.
func (h *Helm) FailPending(after int, tag string) (int, error) {
	last, err := h.Cfg.Releases.Last(h.Opts.Release)
	if err != nil {
		return 0, fmt.Errorf("release %s: %w", h.Opts.Release, err)
	}
	if last.Info == nil || !last.Info.Status.IsPending() || last.Version <= after || ImageTag(last.Config) != tag {
		return 0, nil
	}
	last.SetStatus(release.StatusFailed, "appsmith-install: the run that made this revision was interrupted")
	if err := h.Cfg.Releases.Update(last); err != nil {
		return 0, fmt.Errorf("marking revision %d failed: %w", last.Version, err)
	}
	return last.Version, nil
}

// RevisionTag is the image tag revision n of the release pinned.
func (h *Helm) RevisionTag(n int) (string, error) {
	rel, err := h.Cfg.Releases.Get(h.Opts.Release, n)
	if err != nil {
		return "", fmt.Errorf("release %s revision %d: %w", h.Opts.Release, n, err)
	}
	return ImageTag(rel.Config), nil
}

// Rollbacker rolls a release back to a revision without waiting.
type Rollbacker func(ctx context.Context, revision int) error

func (h *Helm) rollbacker() Rollbacker {
	return func(ctx context.Context, revision int) error {
		rb := action.NewRollback(h.Cfg)
		rb.Version, rb.Wait, rb.MaxHistory = revision, false, 10
		return rb.Run(h.Opts.Release)
	}
}

// Previous is the revision (and its tag) `rollback` goes back to: see
// previous.
func (h *Helm) Previous() (int, string, error) {
	cur, err := action.NewStatus(h.Cfg).Run(h.Opts.Release)
	if err != nil {
		return 0, "", fmt.Errorf("release %s: %w", h.Opts.Release, err)
	}
	hist, err := action.NewHistory(h.Cfg).Run(h.Opts.Release)
	if err != nil {
		return 0, "", err
	}
	rev := previous(hist, cur)
	if rev < 1 {
		return 0, "", fmt.Errorf("release %s has no revision before %d that ran an older version than %s (a rollback never moves to a newer one: `appsmith upgrade` does, through its checks)", h.Opts.Release, cur.Version, ImageTag(cur.Config))
	}
	tag, err := h.RevisionTag(rev)
	return rev, tag, err
}

// Rollback goes back to the previous version (see previous; or to revision when > 0)
// and waits for Ready on its tag, the same recovery a failed hop gets.
func (h *Helm) Rollback(ctx context.Context, revision int) (HopResult, error) {
	cur, err := action.NewStatus(h.Cfg).Run(h.Opts.Release)
	if err != nil {
		return HopResult{}, fmt.Errorf("release %s: %w", h.Opts.Release, err)
	}
	hist, err := action.NewHistory(h.Cfg).Run(h.Opts.Release)
	if err != nil {
		return HopResult{}, err
	}
	if revision <= 0 {
		if revision = previous(hist, cur); revision < 1 {
			return HopResult{}, fmt.Errorf("release %s has no revision before %d that ran an older version than %s (a rollback never moves to a newer one: `appsmith upgrade` does, through its checks)", h.Opts.Release, cur.Version, ImageTag(cur.Config))
		}
	}
	var target *release.Release
	for _, r := range hist {
		if r.Version == revision {
			target = r
		}
	}
	if target == nil {
		return HopResult{}, fmt.Errorf("release %s has no revision %d", h.Opts.Release, revision)
	}
	return h.recover(ctx, revision, ImageTag(target.Config), ImageTag(cur.Config))
}

// previous is the revision "back one" means: the newest before cur that
// ran (superseded or deployed, never a failed hop's) on another tag. Helm's
// own "previous" is cur-1, which after a recovered hop is the failed
// revision, and before it the revision the recovery copied: going there
// would bring the bad tag back, or change nothing.
func previous(hist []*release.Release, cur *release.Release) int {
	best := 0
	for _, r := range hist {
		if r.Version >= cur.Version || r.Version <= best || r.Info == nil {
			continue
		}
		switch r.Info.Status {
		case release.StatusSuperseded, release.StatusDeployed:
		default:
			continue
		}
		if t := ImageTag(r.Config); t != ImageTag(cur.Config) && !newer(t, ImageTag(cur.Config)) {
			best = r.Version
		}
	}
	return best
}

// newer reports a release tag newer than cur. "Back one" never goes
// forward: after an upgrade undone as a whole, the history still holds
// its hops' revisions, superseded, on newer tags than the one the release
// went back to, and their images would run over older data.
func newer(tag, cur string) bool {
	a, ok1 := releases.Parse(tag)
	b, ok2 := releases.Parse(cur)
	return ok1 && ok2 && a.GreaterThan(b)
}

// Recover is the sequence that brings a release back from a bad tag:
// roll back to revision without waiting, wait until the workload's
// controller has seen the rolled-back template, delete the pods still on
// badTag, wait until a pod is Ready on goodTag.
func Recover(ctx context.Context, rollback Rollbacker, pods PodOps, o Options, revision int, goodTag, badTag string, timeout time.Duration) (HopResult, error) {
	res := HopResult{}
	if err := rollback(ctx, revision); err != nil {
		return res, fmt.Errorf("helm rollback to revision %d: %w", revision, err)
	}
	res.RolledBackTo, res.Revision = revision, revision
	sel := o.PodSelector()
	if err := pods.WaitTemplate(ctx, o.Namespace, sel, goodTag, timeout); err != nil {
		return res, fmt.Errorf("after the rollback to revision %d: %w", revision, err)
	}
	list, err := pods.Pods(ctx, o.Namespace, sel)
	if err != nil {
		return res, err
	}
	for _, p := range list {
		if goodTag != badTag && TagOf(p.Image) == badTag {
			if err := pods.DeletePod(ctx, o.Namespace, p.Name); err != nil {
				return res, fmt.Errorf("deleting pod %s (still on %s): %w", p.Name, badTag, err)
			}
			res.Deleted = append(res.Deleted, p.Name)
		}
	}
	if err := pods.WaitReady(ctx, o.Namespace, sel, goodTag, timeout); err != nil {
		return res, fmt.Errorf("waiting for a Ready pod on %s: %w", goodTag, err)
	}
	return res, nil
}

// Status is what `status` shows of the release.
type Status struct {
	Release    string `json:"release"`
	Namespace  string `json:"namespace"`
	Revision   int    `json:"revision"`
	State      string `json:"state"` // deployed, failed, pending-upgrade, ...
	Chart      string `json:"chart"`
	ImageTag   string `json:"image_tag"`
	AutoUpdate bool   `json:"autoupdate"`
	// Warnings say what needs the user: auto-update on, a floating tag.
	Warnings []string `json:"warnings,omitempty"`
}

// Status reads the release from Helm's storage.
func (h *Helm) Status() (*Status, error) {
	rel, err := action.NewStatus(h.Cfg).Run(h.Opts.Release)
	if err != nil {
		return nil, fmt.Errorf("release %s in namespace %s: %w", h.Opts.Release, h.Opts.Namespace, err)
	}
	s := &Status{Release: rel.Name, Namespace: rel.Namespace, Revision: rel.Version, State: rel.Info.Status.String(),
		ImageTag: ImageTag(rel.Config), AutoUpdate: autoupdateOn(rel.Config)}
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		s.Chart = rel.Chart.Metadata.Name + "-" + rel.Chart.Metadata.Version
	}
	if s.AutoUpdate {
		s.Warnings = append(s.Warnings, "autoupdate.enabled is true: the chart's imago CronJob moves the image tag behind the pin; turn it off (helm upgrade --reuse-values --set autoupdate.enabled=false)")
	}
	if s.ImageTag == "" || s.ImageTag == "latest" || s.ImageTag == "release" {
		s.Warnings = append(s.Warnings, "image.tag is not pinned to a version: upgrades cannot tell what runs")
	}
	return s, nil
}

// UninstallResult says what an uninstall removed and what it kept.
type UninstallResult struct {
	Release string
	// KeptPVC is the data claim Helm never deletes (a StatefulSet's
	// claim, annotated helm.sh/resource-policy: keep): the data survive.
	KeptPVC string
	Info    string
	// Missing: Helm has no such release in the namespace.
	Missing bool
}

// ReleaseMissing says whether err is Helm's "no such release", as opposed
// to a cluster that could not be asked (which must never pass for it).
func ReleaseMissing(err error) bool { return err != nil && errors.Is(err, driver.ErrReleaseNotFound) }

// Uninstall removes the release. The data claim stays: delete it with
// kubectl when the data are no longer wanted.
func (h *Helm) Uninstall() (*UninstallResult, error) {
	un := action.NewUninstall(h.Cfg)
	un.Timeout = h.timeout()
	resp, err := un.Run(h.Opts.Release)
	r := &UninstallResult{Release: h.Opts.Release, KeptPVC: DataPVC(h.Opts.Release)}
	if ReleaseMissing(err) {
		// A first install that failed before Helm recorded the release
		// (or one uninstalled with helm): nothing to remove, and the
		// caller may forget its record. A cluster that did not answer
		// is an error, never this.
		r.Missing = true
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("helm uninstall %s: %w", h.Opts.Release, err)
	}
	if resp != nil {
		r.Info = resp.Info
	}
	return r, nil
}

// ImageTag is the effective image tag of chart values: `_image.tag` when
// set (the chart merges it over image.*), else image.tag.
func ImageTag(vals map[string]any) string {
	if old, ok := vals["_image"].(map[string]any); ok {
		if t, ok := old["tag"]; ok && t != nil && fmt.Sprint(t) != "" {
			return fmt.Sprint(t)
		}
	}
	if img, ok := vals["image"].(map[string]any); ok {
		if t, ok := img["tag"]; ok && t != nil {
			return fmt.Sprint(t)
		}
	}
	return ""
}

func autoupdateOn(vals map[string]any) bool {
	au, ok := vals["autoupdate"].(map[string]any)
	if !ok {
		return false
	}
	on, _ := au["enabled"].(bool)
	return on
}

// TagOf is the tag of an image reference ("" for a digest).
func TagOf(ref string) string {
	if strings.Contains(ref, "@") {
		return ""
	}
	slash := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > slash {
		return ref[i+1:]
	}
	return "latest"
}

// Current is the release's revision and the values it was installed or
// last upgraded with.
func (h *Helm) Current() (revision int, vals Values, err error) {
	rel, err := action.NewStatus(h.Cfg).Run(h.Opts.Release)
	if err != nil {
		return 0, nil, fmt.Errorf("release %s in namespace %s: %w", h.Opts.Release, h.Opts.Namespace, err)
	}
	return rel.Version, rel.Config, nil
}

// HopValues are the values of one upgrade hop: the release's own values
// with image.tag pinned to tag and the chart's auto-update off. A release
// whose values set the deprecated _image.tag is refused: that key beats
// image.tag in the chart, so the hop would not change the image.
func HopValues(cur Values, tag string) (Values, error) {
	if old, ok := cur["_image"].(map[string]any); ok {
		if t, ok := old["tag"]; ok && t != nil && fmt.Sprint(t) != "" {
			return nil, fmt.Errorf("the release's values set the deprecated _image.tag (%v), which the chart puts over image.tag: remove it (helm upgrade --reuse-values --set _image.tag=null) first", t)
		}
	}
	v := merge(Values{}, cur)
	set(v, keyTag, tag)
	set(v, keyAutoupdate, false)
	return v, nil
}
