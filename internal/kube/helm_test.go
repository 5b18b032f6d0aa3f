package kube

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	helmkube "helm.sh/helm/v3/pkg/kube"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// fakePods is PodOps as a struct of funcs; unset ones do nothing.
type fakePods struct {
	pods   func(ns, selector string) ([]Pod, error)
	delete func(ns, name string) error
	wait   func(ns, selector, tag string) error
	tmpl   func(ns, selector, tag string) error
	// waitCtxErr is the context's error when WaitReady was last called.
	waitCtxErr error
}

func (f *fakePods) Pods(_ context.Context, ns, sel string) ([]Pod, error) {
	if f.pods == nil {
		return nil, nil
	}
	return f.pods(ns, sel)
}
func (f *fakePods) DeletePod(_ context.Context, ns, name string) error {
	if f.delete == nil {
		return nil
	}
	return f.delete(ns, name)
}
func (f *fakePods) WaitTemplate(_ context.Context, ns, sel, tag string, _ time.Duration) error {
	if f.tmpl == nil {
		return nil
	}
	return f.tmpl(ns, sel, tag)
}
func (f *fakePods) WaitReady(ctx context.Context, ns, sel, tag string, _ time.Duration) error {
	f.waitCtxErr = ctx.Err()
	if f.wait == nil {
		return nil
	}
	return f.wait(ns, sel, tag)
}

var _ PodOps = (*fakePods)(nil)

// testCluster is the real API over client-go's fake clientset for
// namespaces and Secrets, with the pod calls replaced.
type testCluster struct {
	*API
	pods *fakePods
}

func (c testCluster) Pods(ctx context.Context, ns, sel string) ([]Pod, error) {
	return c.pods.Pods(ctx, ns, sel)
}
func (c testCluster) DeletePod(ctx context.Context, ns, name string) error {
	return c.pods.DeletePod(ctx, ns, name)
}
func (c testCluster) WaitTemplate(ctx context.Context, ns, sel, tag string, d time.Duration) error {
	return c.pods.WaitTemplate(ctx, ns, sel, tag, d)
}
func (c testCluster) WaitReady(ctx context.Context, ns, sel, tag string, d time.Duration) error {
	return c.pods.WaitReady(ctx, ns, sel, tag, d)
}

// newHelm is a Helm on the memory driver (Helm's release records) and a
// kube client that accepts everything; kc replaces it when given.
func newHelm(t *testing.T, kc helmkube.Interface) (*Helm, *fakePods, *fake.Clientset) {
	t.Helper()
	if kc == nil {
		kc = &kubefake.PrintingKubeClient{Out: io.Discard}
	}
	cfg := &action.Configuration{Releases: storage.Init(driver.NewMemory()), KubeClient: kc,
		Capabilities: chartutil.DefaultCapabilities, Log: func(string, ...any) {}}
	cs := fake.NewClientset()
	p := &fakePods{}
	return &Helm{Cfg: cfg, Cluster: testCluster{&API{Client: cs}, p}, Opts: Defaults(), Timeout: time.Minute}, p, cs
}

func values(t *testing.T, version string) (*Generated, Values) {
	t.Helper()
	g, err := Generate(line(t, "3.8"), Input{Edition: "ee", Version: version}, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	return g, Final(nil, g)
}

func TestInstallStatusUninstall(t *testing.T) {
	ctx := context.Background()
	h, _, cs := newHelm(t, nil)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	s, err := h.Status()
	if err != nil {
		t.Fatal(err)
	}
	if s.Revision != 1 || s.ImageTag != "v1.9.2" || s.AutoUpdate || s.State != "deployed" || len(s.Warnings) != 0 {
		t.Errorf("status %+v", s)
	}
	sec, ok, err := h.Cluster.Secret(ctx, "appsmith", h.Opts.SecretName())
	if err != nil || !ok {
		t.Fatalf("secret: %v %v", ok, err)
	}
	pw := string(sec["APPSMITH_ENCRYPTION_PASSWORD"])
	if len(pw) < 13 || len(sec["APPSMITH_ENCRYPTION_SALT"]) < 13 {
		t.Errorf("encryption secrets %q", sec)
	}
	// Never regenerated: a second look adds nothing and changes nothing.
	added, err := EnsureSecret(ctx, h.Cluster, "appsmith", h.Opts.SecretName(), g.SecretKeys)
	if err != nil || len(added) != 0 {
		t.Errorf("second EnsureSecret added %v (%v)", added, err)
	}
	// A key asked for later is added beside the kept ones.
	added, err = EnsureSecret(ctx, h.Cluster, "appsmith", h.Opts.SecretName(), map[string]string{"APPSMITH_DB_URL": "mongodb://u:p@db/a", "APPSMITH_ENCRYPTION_PASSWORD": ""})
	if err != nil || strings.Join(added, ",") != "APPSMITH_DB_URL" {
		t.Errorf("added %v (%v)", added, err)
	}
	sec, _, _ = h.Cluster.Secret(ctx, "appsmith", h.Opts.SecretName())
	if string(sec["APPSMITH_ENCRYPTION_PASSWORD"]) != pw {
		t.Error("the encryption password changed")
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "appsmith", metaGet); err != nil {
		t.Errorf("namespace not created: %v", err)
	}

	un, err := h.Uninstall()
	if err != nil {
		t.Fatal(err)
	}
	if un.KeptPVC != "data-appsmith-0" {
		t.Errorf("kept PVC %q", un.KeptPVC)
	}
	if _, err := h.Status(); err == nil {
		t.Error("status after uninstall found the release")
	}
	if _, ok, _ := h.Cluster.Secret(ctx, "appsmith", h.Opts.SecretName()); !ok {
		t.Error("uninstall lost the Secret with the encryption keys")
	}
}

func TestStatusWarnsAboutAutoupdate(t *testing.T) {
	h, _, _ := newHelm(t, nil)
	g, vals := values(t, "v1.9.2")
	set(vals, "autoupdate.enabled", true)
	if _, err := h.Install(context.Background(), loadStandin(t), g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	s, err := h.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !s.AutoUpdate || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "autoupdate.enabled") {
		t.Errorf("status %+v", s)
	}
}

// TestHopsAndRollback: install, two good hops, then a rollback that goes
// back one revision with the pods on the newer tag deleted after it.
func TestHopsAndRollback(t *testing.T) {
	ctx := context.Background()
	h, pods, _ := newHelm(t, nil)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	for i, tag := range []string{"v1.9.38", "v1.99"} {
		_, vals := values(t, tag)
		res, err := h.UpgradeHop(ctx, ch, vals)
		if err != nil || !res.Upgraded || res.Revision != i+2 {
			t.Fatalf("hop to %s: %+v %v", tag, res, err)
		}
	}
	var deleted []string
	pods.pods = func(string, string) ([]Pod, error) {
		return []Pod{{Name: "appsmith-0", Image: "index.docker.io/appsmith/appsmith-ee:v1.99", Ready: true}}, nil
	}
	pods.delete = func(_, name string) error { deleted = append(deleted, name); return nil }
	var waited string
	pods.wait = func(_, _, tag string) error { waited = tag; return nil }
	res, err := h.Rollback(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := h.Status()
	if res.RolledBackTo != 2 || s.Revision != 4 || s.ImageTag != "v1.9.38" || waited != "v1.9.38" || strings.Join(deleted, ",") != "appsmith-0" {
		t.Errorf("rollback %+v, status %+v, waited %q, deleted %v", res, s, waited, deleted)
	}
}

// TestBadHopRecovered: the hop's pod never becomes Ready (Helm's wait
// fails). The recovery rolls back first (without waiting), then deletes
// the pod still on the bad tag, then waits for Ready on the old tag.
func TestBadHopRecovered(t *testing.T) {
	ctx := context.Background()
	failing := &kubefake.FailingKubeClient{PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard}}
	h, pods, _ := newHelm(t, failing)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	failing.WaitError = errors.New("timed out waiting for the condition: appsmith-0 not ready")
	var seq []string
	pods.pods = func(string, string) ([]Pod, error) {
		s, _ := h.Status()
		seq = append(seq, "list (release at "+s.ImageTag+")")
		return []Pod{{Name: "appsmith-0", Image: "index.docker.io/appsmith/appsmith-ee:v1.9.38"}}, nil
	}
	pods.delete = func(_, name string) error { seq = append(seq, "delete "+name); return nil }
	pods.wait = func(_, _, tag string) error { seq = append(seq, "wait "+tag); return nil }
	pods.tmpl = func(_, _, tag string) error { seq = append(seq, "template "+tag); return nil }

	_, bad := values(t, "v1.9.38")
	res, err := h.UpgradeHop(ctx, ch, bad)
	if !errors.Is(err, ErrHopRolledBack) {
		t.Fatalf("err %v, want ErrHopRolledBack", err)
	}
	want := "template v1.9.2; list (release at v1.9.2); delete appsmith-0; wait v1.9.2"
	if got := strings.Join(seq, "; "); got != want {
		t.Errorf("recovery %q, want %q", got, want)
	}
	s, _ := h.Status()
	if res.RolledBackTo != 1 || s.Revision != 3 || s.ImageTag != "v1.9.2" || s.State != "deployed" {
		t.Errorf("after recovery %+v, status %+v", res, s)
	}
}

// TestRecoverStops: a recovery that cannot roll back deletes nothing.
func TestRecoverStops(t *testing.T) {
	deleted := false
	p := &fakePods{delete: func(string, string) error { deleted = true; return nil }}
	_, err := Recover(context.Background(), func(context.Context, int) error { return errors.New("no access") },
		p, Defaults(), 1, "v1.9.2", "v1.9.38", time.Second)
	if err == nil || deleted {
		t.Errorf("err %v, deleted %v", err, deleted)
	}
}

var metaGet = metav1.GetOptions{}

// TestHopAnnotatesAnOldClaim: a release whose claim lacks the keep
// annotation (installed before it was set) gets it on the claim itself
// before a hop, since the StatefulSet's claim template cannot change.
func TestHopAnnotatesAnOldClaim(t *testing.T) {
	ctx := context.Background()
	h, _, cs := newHelm(t, nil)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-appsmith-0", Namespace: "appsmith"}}
	if _, err := cs.CoreV1().PersistentVolumeClaims("appsmith").Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, vals = values(t, "v1.9.38")
	if _, err := h.UpgradeHop(ctx, ch, vals); err != nil {
		t.Fatal(err)
	}
	got, err := cs.CoreV1().PersistentVolumeClaims("appsmith").Get(ctx, "data-appsmith-0", metav1.GetOptions{})
	if err != nil || got.Annotations[ResourcePolicyKeep] != "keep" {
		t.Errorf("claim %v (%v)", got.Annotations, err)
	}
}

func TestHopValues(t *testing.T) {
	cur := Values{"image": map[string]any{"tag": "v1.9.2", "repository": "appsmith/appsmith-ce"}, "persistence": map[string]any{"size": "50Gi"},
		"autoupdate": map[string]any{"enabled": true}}
	v, err := HopValues(cur, "v1.9.38")
	if err != nil {
		t.Fatal(err)
	}
	if ImageTag(v) != "v1.9.38" || autoupdateOn(v) || dig(v, "image", "repository") != "appsmith/appsmith-ce" || dig(v, "persistence", "size") != "50Gi" {
		t.Errorf("hop values %v", v)
	}
	if ImageTag(cur) != "v1.9.2" {
		t.Error("HopValues changed the release's values in place")
	}
	cur["_image"] = map[string]any{"tag": "v1.9.0"}
	if _, err := HopValues(cur, "v1.9.38"); err == nil || !strings.Contains(err.Error(), "_image.tag") {
		t.Errorf("a release with _image.tag: %v", err)
	}
}

// TestRollbackAfterARecoveredHop: after a bad hop was recovered the
// history ends ... v1.9.38 (superseded), v1.99 (failed), v1.9.38 again
// (the recovery's copy). Back one is v1.9.2: not Helm's cur-1, the failed
// revision (its tag would come back), nor the copied one (nothing would
// change). The recovery reports the release's revision, not the copied one.
func TestRollbackAfterARecoveredHop(t *testing.T) {
	ctx := context.Background()
	failing := &kubefake.FailingKubeClient{PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard}}
	h, pods, _ := newHelm(t, failing)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, vals = values(t, "v1.9.38")
	if _, err := h.UpgradeHop(ctx, ch, vals); err != nil {
		t.Fatal(err)
	}
	failing.WaitError = errors.New("timed out waiting for the condition")
	_, bad := values(t, "v1.99")
	res, err := h.UpgradeHop(ctx, ch, bad)
	if !errors.Is(err, ErrHopRolledBack) || res.RolledBackTo != 2 || res.Revision != 4 {
		t.Fatalf("bad hop: %+v %v, want rolled back to 2, now revision 4", res, err)
	}
	failing.WaitError = nil
	var waited string
	pods.wait = func(_, _, tag string) error { waited = tag; return nil }
	res, err = h.Rollback(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := h.Status()
	if res.RolledBackTo != 1 || res.Revision != 5 || s.Revision != 5 || s.ImageTag != "v1.9.2" || waited != "v1.9.2" {
		t.Errorf("rollback %+v, status %+v, waited %q: want back to revision 1's v1.9.2, now revision 5", res, s, waited)
	}
	// Nothing before revision 1: refused, naming the version.
	h2, _, _ := newHelm(t, nil)
	if _, err := h2.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := h2.Rollback(ctx, 0); err == nil || !strings.Contains(err.Error(), "no revision before 1") {
		t.Errorf("rollback of a first install: %v", err)
	}
}

// TestInterruptedHopRecovered: a hop whose context is cancelled (Ctrl-C)
// while Helm waits is still rolled back and waited on.
func TestInterruptedHopRecovered(t *testing.T) {
	failing := &kubefake.FailingKubeClient{PrintingKubeClient: kubefake.PrintingKubeClient{Out: io.Discard}}
	h, pods, _ := newHelm(t, failing)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(context.Background(), ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	failing.WaitError = context.Canceled
	cancel()
	var waited string
	pods.wait = func(_, _, tag string) error { waited = tag; return nil }
	_, bad := values(t, "v1.9.38")
	res, err := h.UpgradeHop(ctx, ch, bad)
	if !errors.Is(err, ErrHopRolledBack) || res.RolledBackTo != 1 || waited != "v1.9.2" {
		t.Errorf("interrupted hop: %+v %v, waited %q", res, err, waited)
	}
	if pods.waitCtxErr != nil {
		t.Errorf("the wait for Ready on the old tag got a done context (%v): it would end at once", pods.waitCtxErr)
	}
	if s, _ := h.Status(); s.ImageTag != "v1.9.2" || s.State != "deployed" {
		t.Errorf("status %+v", s)
	}
}

// After an upgrade undone as a whole (v1.9.2 → v1.9.38 → back to
// revision 1's v1.9.2), the history holds v1.9.38 superseded after the
// revision the release runs: back one never goes forward to it (its image
// would run over the older data); with nothing older, it is refused.
func TestRollbackNeverGoesForward(t *testing.T) {
	ctx := context.Background()
	h := upgradedOnce(t)
	if _, err := h.Rollback(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if s, _ := h.Status(); s.ImageTag != "v1.9.2" || s.Revision != 3 {
		t.Fatalf("after the undo: %+v", s)
	}
	_, err := h.Rollback(ctx, 0)
	if err == nil || !strings.Contains(err.Error(), "no revision before 3") {
		t.Errorf("back one after an undone upgrade: %v, want refused", err)
	}
	if s, _ := h.Status(); s.ImageTag != "v1.9.2" {
		t.Errorf("the release moved to %s", s.ImageTag)
	}
}

// FailPending ends only the pending revision of this tool's run: made
// after the revision the upgrade began on, on the hop's tag.
func TestFailPending(t *testing.T) {
	h := upgradedOnce(t)
	last, err := h.Cfg.Releases.Last(h.Opts.Release)
	if err != nil {
		t.Fatal(err)
	}
	last.SetStatus(release.StatusPendingUpgrade, "killed")
	if err := h.Cfg.Releases.Update(last); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		after int
		tag   string
	}{{2, "v1.9.38"}, {1, "v1.99"}} {
		if n, err := h.FailPending(c.after, c.tag); err != nil || n != 0 {
			t.Errorf("FailPending(%d, %s) marked %d (%v): not this run's", c.after, c.tag, n, err)
		}
	}
	if n, err := h.FailPending(1, "v1.9.38"); err != nil || n != 2 {
		t.Fatalf("FailPending(1, v1.9.38): %d %v, want revision 2", n, err)
	}
	if s, _ := h.Status(); s.State != "failed" {
		t.Errorf("revision 2 is %s, want failed", s.State)
	}
}

// upgradedOnce is a release installed on v1.9.2 and upgraded to v1.9.38:
// revisions 1 and 2.
func upgradedOnce(t *testing.T) *Helm {
	t.Helper()
	ctx := context.Background()
	h, _, _ := newHelm(t, nil)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	_, vals = values(t, "v1.9.38")
	if _, err := h.UpgradeHop(ctx, ch, vals); err != nil {
		t.Fatal(err)
	}
	return h
}
