//go:build !nokube

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

const standinChart = "../../test/charts/appsmith"

// kubeDeps never reaches a cluster: Kube fails the test if asked, Tags
// lists a registry's tags, and no Docker engine is there.
func kubeDeps(t *testing.T) Deps {
	return Deps{
		Docker: func(context.Context) (Engine, error) { return nil, errors.New("no engine here") },
		Tags: func(_ context.Context, repo string) ([]string, error) {
			if repo != "appsmith/appsmith-ee" {
				t.Errorf("tags of %s", repo)
			}
			return []string{"v1.99", "v1.9.38", "v1.9.2"}, nil
		},
		Kube: func(kube.Options, time.Duration) (*kube.Helm, error) {
			t.Error("a plan reached for the cluster")
			return nil, errors.New("no cluster")
		},
	}
}

func TestKubePlanWithoutCluster(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "appsmith")
	r := run(t, kubeDeps(t), nil, "--target", "kubernetes", "--plan", "--dir", dir, "--chart", standinChart, "--link-dir", "")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	for _, want := range []string{"the cluster was not looked at", "resolved to v1.99", "tag: v1.99", "helm.sh/resource-policy: keep",
		"StatefulSet/appsmith", "APPSMITH_ENCRYPTION_PASSWORD", "autoupdate:\n  enabled: false"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.out)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--plan created %s", dir)
	}
}

// A checkout of the chart without its subcharts (no `helm dependency
// build`) is refused while the values turn one on, naming it and the ways
// out, before anything is written; with the subchart turned off it plans.
func TestKubeChartWithoutItsSubcharts(t *testing.T) {
	chart := filepath.Join(t.TempDir(), "appsmith")
	if err := os.CopyFS(chart, os.DirFS(standinChart)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(chart, "charts")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "appsmith")
	r := run(t, kubeDeps(t), nil, "--target", "kubernetes", "--plan", "--dir", dir, "--chart", chart, "--link-dir", "")
	if r.code != 3 || !strings.Contains(r.errOut, "has no redis") || !strings.Contains(r.errOut, "helm dependency build "+chart) ||
		!strings.Contains(r.errOut, "--redis-url") {
		t.Fatalf("want exit 3 naming redis and helm dependency build: exit %d\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused plan created %s", dir)
	}
	r = run(t, kubeDeps(t), nil, "--target", "kubernetes", "--plan", "--dir", dir, "--chart", chart, "--link-dir", "",
		"--redis-url", "redis://redis.example:6379")
	if r.code != 0 || strings.Contains(r.out, "redis-master") {
		t.Fatalf("with --redis-url: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// install.yaml holds the target and its settings beside the install's own
// keys; each loader reads its own, and a host install refuses the target's.
func TestKubeConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "install.yaml")
	os.WriteFile(cfg, []byte("target: kubernetes\nnamespace: team-a\nrelease: apps\nchart: "+standinChart+"\nversion: v1.9.2\nedition: ce\n"), 0o600)
	r := run(t, kubeDeps(t), nil, "--config", cfg, "--plan", "--dir", filepath.Join(dir, "appsmith"), "--link-dir", "")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	for _, want := range []string{"release apps in namespace team-a", "appsmith/appsmith-ce", "tag: v1.9.2"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("plan from %s lacks %q:\n%s", cfg, want, r.out)
		}
	}
	os.WriteFile(cfg, []byte("target: kubernetes\nnamespace: team-a\nnamspace: typo\n"), 0o600)
	if r := run(t, kubeDeps(t), nil, "--config", cfg, "--plan", "--dir", filepath.Join(dir, "appsmith"), "--link-dir", ""); r.code != 2 || !strings.Contains(r.errOut, `unknown key "namspace"`) {
		t.Errorf("a typo in %s: exit %d, want 2 naming it\n%s", cfg, r.code, r.errOut)
	}
	os.WriteFile(cfg, []byte("namespace: team-a\nversion: v1.9.2\n"), 0o600)
	if r := run(t, kubeDeps(t), nil, "--config", cfg, "--plan", "--dir", filepath.Join(dir, "appsmith"), "--link-dir", ""); r.code != 2 || !strings.Contains(r.errOut, "namespace is for target: kubernetes") {
		t.Errorf("a host install with a namespace in %s: exit %d, want 2\n%s", cfg, r.code, r.errOut)
	}
}

func TestKubePlanJSONNoChart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "appsmith")
	r := run(t, kubeDeps(t), nil, "--target", "kubernetes", "--plan", "--json", "--dir", dir, "--version", "1.9.2",
		"--namespace", "tools", "--release", "prod", "--db-url", "mongodb://u:pw@db.example/appsmith", "--link-dir", "")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	var p KubePlan
	if err := json.Unmarshal([]byte(r.out), &p); err != nil {
		t.Fatalf("%v:\n%s", err, r.out)
	}
	if p.ClusterLookedAt || p.Line != "3.8" || p.Version != "v1.9.2" || p.Release != "prod" || p.Namespace != "tools" || len(p.Objects) != 0 {
		t.Errorf("plan %+v", p)
	}
	if strings.Contains(r.out, "pw@") {
		t.Error("the database password is in the plan")
	}
	if !strings.Contains(strings.Join(p.SecretKeys, ","), "APPSMITH_DB_URL") || !strings.Contains(strings.Join(p.Steps, "\n"), "prod-appsmith-secrets") {
		t.Errorf("secret keys %v, steps %v", p.SecretKeys, p.Steps)
	}
}

func TestKubeRefusals(t *testing.T) {
	dir := t.TempDir()
	vf := filepath.Join(dir, "values.yaml")
	os.WriteFile(vf, []byte("_image:\n  tag: v1.9.0\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--values", vf}, "sets _image.tag"},
		{[]string{"--http-port", "8080"}, "--http-port does not apply"},
		{[]string{"--db", "embedded-postgresql"}, "runs no embedded database"},
		{[]string{"--namespace", "Bad_NS"}, "invalid --namespace"},
		{[]string{"--target", "moon"}, "want host or kubernetes"},
	} {
		args := append([]string{"--target", "kubernetes", "--plan", "--dir", filepath.Join(dir, "i"), "--version", "v1.9.2", "--link-dir", ""}, c.args...)
		r := run(t, kubeDeps(t), nil, args...)
		if r.code != 2 || !strings.Contains(r.errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, r.code, r.errOut, c.want)
		}
	}
	r := run(t, kubeDeps(t), nil, "--plan", "--dir", filepath.Join(dir, "h"), "--namespace", "x", "--link-dir", "")
	if r.code != 2 || !strings.Contains(r.errOut, "--namespace is for --target kubernetes") {
		t.Errorf("host with --namespace: exit %d %s", r.code, r.errOut)
	}
}

// TestKubeInstallRecordsTarget: the install path on Helm's memory driver
// and fake kube client records the target, so a re-run needs no flags.
func TestKubeInstallRecordsTarget(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "appsmith")
	cfg := memoryHelm()
	cs := fake.NewClientset()
	deps := kubeDeps(t)
	var asked []kube.Options
	// info stands in for the port-forward to a pod (set for status only:
	// the fake clientset's pods never move to a hop's tag).
	var info kube.InfoReader
	deps.Kube = func(o kube.Options, d time.Duration) (*kube.Helm, error) {
		asked = append(asked, o)
		return &kube.Helm{Cfg: cfg, Cluster: &kube.API{Client: cs}, Opts: o, Timeout: d, Info: info}, nil
	}
	r := run(t, deps, nil, "--target", "kubernetes", "--yes", "--progress", "json", "--dir", dir, "--chart", standinChart, "--version", "v1.9.2", "--namespace", "tools", "--link-dir", "")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	// --progress json: only NDJSON on stderr, ending with the outcome.
	lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
	for _, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Errorf("not NDJSON: %q", l)
		}
	}
	if last := lines[len(lines)-1]; !strings.Contains(last, `"outcome"`) {
		t.Errorf("last event %s", last)
	}
	s, err := state.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Target != "kubernetes" || s.Kubernetes == nil || s.Kubernetes.Namespace != "tools" || s.Kubernetes.Revision != 1 || s.Version != "v1.9.2" || s.Installing() {
		t.Errorf("recorded %+v %+v", s, s.Kubernetes)
	}
	if _, err := cs.CoreV1().Secrets("tools").Get(context.Background(), "appsmith-appsmith-secrets", metaGetOpts); err != nil {
		t.Errorf("secret: %v", err)
	}
	// Again with no target flags: the record says where.
	r = run(t, deps, nil, "--yes", "--dir", dir, "--link-dir", "")
	if r.code != 0 || !strings.Contains(r.errOut, "nothing to do") {
		t.Errorf("re-run: exit %d %s", r.code, r.errOut)
	}
	if len(asked) != 2 || asked[1].Namespace != "tools" || !strings.HasSuffix(asked[1].Chart, "test/charts/appsmith") {
		t.Errorf("second run asked for %+v", asked)
	}
	// status reads the release through the record, and its pods: none
	// Ready is not healthy (exit 4), whatever Helm's record says.
	r = run(t, deps, nil, "status", "--json", "--dir", dir)
	var st KubeStatus
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 4 || st.Healthy || st.State != "deployed" || st.Pods != 0 {
		t.Errorf("status with no pod: exit %d, %+v (%v)", r.code, st, err)
	}
	first := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "appsmith-first", Namespace: "tools", Labels: map[string]string{"app.kubernetes.io/name": "appsmith", "app.kubernetes.io/instance": "appsmith"}},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "appsmith", Image: "index.docker.io/appsmith/appsmith-ee:v1.9.2"}}},
		Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
	if _, err := cs.CoreV1().Pods("tools").Create(context.Background(), first, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	one := int32(1)
	set := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "appsmith", Namespace: "tools", Labels: map[string]string{"app.kubernetes.io/name": "appsmith", "app.kubernetes.io/instance": "appsmith"}},
		Spec: appsv1.StatefulSetSpec{Replicas: &one}}
	if _, err := cs.AppsV1().StatefulSets("tools").Create(context.Background(), set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Without a way to the pod the version is unknown, and says why.
	r = run(t, deps, nil, "status", "--json", "--dir", dir)
	st = KubeStatus{}
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 4 || st.Healthy || st.Version != "unknown" || st.VersionProblem == "" {
		t.Errorf("status without /info: exit %d, %+v (%v)", r.code, st, err)
	}
	var version atomic.Value
	version.Store("v1.9.2")
	srv := appsmithServer(t, &version)
	info = srv
	r = run(t, deps, nil, "status", "--json", "--dir", dir)
	st = KubeStatus{}
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 0 {
		t.Fatalf("status: exit %d, %v: %s %s", r.code, err, r.out, r.errOut)
	}
	if st.Target != "kubernetes" || st.Revision != 1 || st.ImageTag != "v1.9.2" || st.AutoUpdate || !st.Healthy || st.Namespace != "tools" ||
		st.Pods != 1 || st.PodsReady != 1 || st.PodsDesired != 1 || st.Version != "v1.9.2" || st.VersionProblem != "" {
		t.Errorf("status %+v", st)
	}
	r = run(t, deps, nil, "status", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.out, "image tag v1.9.2, chart auto-update off") || !strings.Contains(r.out, "pods Ready 1/1") ||
		!strings.Contains(r.out, "version (/info) v1.9.2") {
		t.Errorf("status text: exit %d %q", r.code, r.out)
	}
	// A pod whose /info says another version than the release's tag is
	// not healthy.
	version.Store("v1.9.1")
	r = run(t, deps, nil, "status", "--json", "--dir", dir)
	st = KubeStatus{}
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 4 || st.Healthy || st.Version != "v1.9.1" ||
		!strings.Contains(strings.Join(st.Warnings, "\n"), "/info says version v1.9.1") {
		t.Errorf("status of a pod on another version: exit %d, %+v (%v)", r.code, st, err)
	}
	// The StatefulSet of the fake clientset never takes up a hop's tag.
	info = nil
	if err := cs.AppsV1().StatefulSets("tools").Delete(context.Background(), "appsmith", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// upgrade: the plan names the hops and the revisions they make, then
	// the hop runs with the release's values and the tag pinned.
	r = run(t, deps, nil, "upgrade", "v1.9.38", "--plan", "--json", "--dir", dir)
	var up KubeUpgradePlan
	if err := json.Unmarshal([]byte(r.out), &up); err != nil || r.code != 0 {
		t.Fatalf("upgrade --plan: exit %d %v %s %s", r.code, err, r.out, r.errOut)
	}
	if up.From != "v1.9.2" || len(up.Hops) != 1 || up.Hops[0].To != "v1.9.38" || up.Hops[0].Revision != 2 {
		t.Errorf("upgrade plan %+v", up)
	}
	// The MongoDB is asked and the data snapshotted through the pods'
	// exec, which this fake cluster has not: each refused in turn, naming
	// the flag that takes it on, nothing upgraded; --plan says so.
	if up.Database != "external-mongodb" || up.Mongo != nil || !strings.Contains(up.Refused, "could not tell which database the release runs") {
		t.Errorf("upgrade plan without a way into the pods: %+v", up)
	}
	r = run(t, deps, nil, "upgrade", "v1.9.38", "--yes", "--dir", dir)
	if r.code != 3 || !strings.Contains(r.errOut, "--no-db-check") {
		t.Errorf("upgrade without a way into the pods: exit %d %s", r.code, r.errOut)
	}
	r = run(t, deps, nil, "upgrade", "v1.9.38", "--yes", "--no-db-check", "--dir", dir)
	if r.code != 3 || !strings.Contains(r.errOut, "--no-snapshot") {
		t.Errorf("upgrade --no-db-check without a way into the pods: exit %d %s", r.code, r.errOut)
	}
	if s, _ := state.Load(dir); s.Version != "v1.9.2" {
		t.Errorf("a refused upgrade changed the record to %s", s.Version)
	}
	r = run(t, deps, nil, "upgrade", "v1.9.38", "--yes", "--no-snapshot", "--no-db-check", "--dir", dir)
	if r.code != 0 {
		t.Fatalf("upgrade: exit %d %s", r.code, r.errOut)
	}
	if s, _ := state.Load(dir); s.Version != "v1.9.38" || s.Kubernetes.Revision != 2 || s.Tag != "v1.9.38" || !strings.HasSuffix(s.Image, "/appsmith/appsmith-ee:v1.9.38") {
		t.Errorf("record after upgrade: %s (tag %s, image %s) rev %d", s.Version, s.Tag, s.Image, s.Kubernetes.Revision)
	}
	// A re-run keeps to the version the release runs now, and refuses
	// another one instead of saying there is nothing to do.
	r = run(t, deps, nil, "--yes", "--dir", dir, "--link-dir", "")
	if r.code != 0 || !strings.Contains(r.errOut, "nothing to do") {
		t.Errorf("re-run after the upgrade: exit %d %s", r.code, r.errOut)
	}
	r = run(t, deps, nil, "--yes", "--dir", dir, "--link-dir", "", "--version", "v1.9.2")
	if r.code != 3 || !strings.Contains(r.errOut, "runs v1.9.38 (asked for v1.9.2)") || !strings.Contains(r.errOut, "appsmith upgrade v1.9.2 --dir ") {
		t.Errorf("re-run asking for another version: exit %d %s", r.code, r.errOut)
	}
	r = run(t, deps, nil, "status", "--json", "--dir", dir)
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || st.ImageTag != "v1.9.38" || st.Revision != 2 || st.AutoUpdate {
		t.Errorf("status after upgrade %+v (%v)", st, err)
	}
	// rollback: back to revision 1's tag, as revision 3, after deleting
	// the pod still on the newer tag (the client-go fake holds one).
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "appsmith-0", Namespace: "tools", Labels: map[string]string{"app.kubernetes.io/name": "appsmith", "app.kubernetes.io/instance": "appsmith"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "appsmith", Image: "index.docker.io/appsmith/appsmith-ee:v1.9.38"}}}}
	if _, err := cs.CoreV1().Pods("tools").Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ready := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "appsmith-old", Namespace: "tools", Labels: map[string]string{"app.kubernetes.io/name": "appsmith", "app.kubernetes.io/instance": "appsmith"}},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "appsmith", Image: "index.docker.io/appsmith/appsmith-ee:v1.9.2"}}},
		Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}}
	if _, err := cs.CoreV1().Pods("tools").Create(context.Background(), ready, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if r = run(t, deps, nil, "rollback", "--dir", dir); r.code != 2 {
		t.Errorf("rollback without --yes: exit %d %s", r.code, r.errOut)
	}
	r = run(t, deps, nil, "rollback", "--yes", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.errOut, "pods deleted (still on v1.9.38): appsmith-0") {
		t.Fatalf("rollback: exit %d %s", r.code, r.errOut)
	}
	if s, _ := state.Load(dir); s.Version != "v1.9.2" || s.Kubernetes.Revision != 3 {
		t.Errorf("record after rollback: %s rev %d", s.Version, s.Kubernetes.Revision)
	}
	if _, err := cs.CoreV1().Pods("tools").Get(context.Background(), "appsmith-0", metaGetOpts); err == nil {
		t.Error("the pod on the newer tag was not deleted")
	}
	// A host command says it does not apply, and changes nothing.
	r = run(t, deps, nil, "restart", "--dir", dir)
	if r.code != 2 || !strings.Contains(r.errOut, "is a Kubernetes target") {
		t.Errorf("restart: exit %d %q", r.code, r.errOut)
	}
	// uninstall removes the release, keeps the claim and the Secret.
	r = run(t, deps, nil, "uninstall", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.errOut, "data-appsmith-0") {
		t.Fatalf("uninstall: exit %d %q", r.code, r.errOut)
	}
	if _, err := state.Load(dir); !errors.Is(err, state.ErrNoState) {
		t.Errorf("record after uninstall: %v", err)
	}
	if _, err := cs.CoreV1().Secrets("tools").Get(context.Background(), "appsmith-appsmith-secrets", metaGetOpts); err != nil {
		t.Errorf("uninstall lost the Secret: %v", err)
	}
}

var metaGetOpts = metav1.GetOptions{}

// probeInfo is kube.InfoReader against an httptest server instead of a
// port-forward to the pod: the parsing is the real one (instance.Probe).
type probeInfo struct{ base string }

func (p probeInfo) PodInfo(ctx context.Context, _ string, _ kube.Pod, want string) (instance.ReadyInfo, error) {
	return instance.Probe(ctx, http.DefaultClient, p.base, want)
}

var _ kube.InfoReader = probeInfo{}

// appsmithServer answers health, and /info with version's string at the
// time of the request.
func appsmithServer(t *testing.T, version *atomic.Value) probeInfo {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/health", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("/info", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"version": version.Load().(string)})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return probeInfo{base: srv.URL}
}

// TestKubePlanGolden: the text plan, as a reviewer of the generated values
// reads it before the cluster can be reached.
func TestKubePlanGolden(t *testing.T) {
	dir := "/srv/appsmith-kube-test" // never created: a plan changes nothing
	abs, err := filepath.Abs(standinChart)
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, kubeDeps(t), nil, "--target", "kubernetes", "--plan", "--dir", dir, "--chart", standinChart,
		"--version", "1.9.2", "--edition", "ce", "--db-url", "mongodb://appsmith:pw@mongo.example/appsmith", "--link-dir", "")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	golden(t, "kube-plan.golden", []byte(strings.ReplaceAll(r.out, abs, "<stand-in chart>")))
	if r.errOut != "" {
		t.Errorf("a plan writes nothing on stderr: %q", r.errOut)
	}
}
