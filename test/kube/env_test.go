package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// The release every test installs (each in its own namespace): the
// chart's fullname is then "appsmith", its pod appsmith-0 and its data
// claim data-appsmith-0.
const (
	releaseName = "appsmith"
	podName     = "appsmith-0"
	claimName   = "data-appsmith-0"
	secretName  = "appsmith-appsmith-secrets"
)

// env is one test's world: the shared plane, a namespace of its own, a
// registry of its own serving the tags, and an install dir.
type env struct {
	t     testing.TB
	k     *testenv.Kube
	cs    kubernetes.Interface
	rest  *rest.Config // cs's: a pod's exec streams through it
	ns    string
	reg   *testenv.Registry
	dir   string
	chart string
	info  *infoServer
	// outputs is everything the binary printed, to look for secrets in.
	outputs bytes.Buffer
	// extraEnv goes into the environment of the binary's runs.
	extraEnv []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := newEnvOn(t, testenv.StartKube(t, testenv.WithNeverReady(badTag)))
	e.pushTags(append(testenv.StandardVersions, lyingTag)...)
	e.startInfoServer()
	return e
}

// newEnvOn is a test's world on the plane k, its registry serving nothing
// yet.
func newEnvOn(t testing.TB, k *testenv.Kube) *env {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", k.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	chart, err := filepath.Abs("../charts/appsmith")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, k: k, cs: cs, rest: cfg, ns: k.Namespace(t), reg: testenv.StartRegistry(t),
		dir: filepath.Join(t.TempDir(), "appsmith"), chart: chart}
	k.TrustRegistry(t, e.reg)
	return e
}

// pushTags serves the Community Edition's tags: what the product lists to
// plan an upgrade (it reads <registry>/appsmith/appsmith-ce, the
// repository the chart values name). The images themselves are never
// pulled: kwok runs no container.
func (e *env) pushTags(tags ...string) {
	e.t.Helper()
	var wg sync.WaitGroup
	for _, tag := range tags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.reg.Push(e.t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: tag})
		}()
	}
	wg.Wait()
}

type result struct {
	code        int
	out, errOut string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.out, r.errOut)
}

// run runs the binary as a user would, with --dir.
func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.runIn(e.dir, args...)
}

// runIn runs the binary with --dir dir (a host install beside the
// cluster's, say).
func (e *env) runIn(dir string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"--dir", dir}, args...)...)
	home := filepath.Join(e.t.TempDir(), "home")
	cmd.Env = append(append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true", "NO_COLOR=1", "HOME="+home, "KUBECONFIG=/nonexistent"), e.extraEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{out: out.String(), errOut: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = 128 + int(ws.Signal())
		}
	} else if err != nil {
		e.t.Fatalf("running %v: %v", args, err)
	}
	e.outputs.WriteString(r.out + r.errOut)
	e.t.Logf("$ appsmith-install --dir D %s\n%s", strings.Join(args, " "), r)
	return r
}

func (e *env) must(r result, what string) result {
	e.t.Helper()
	if r.code != 0 {
		e.t.Fatalf("%s: %s", what, r)
	}
	return r
}

// install installs version as the first command does.
func (e *env) install(version string) result {
	e.t.Helper()
	return e.must(e.run(e.installArgs(version, "--yes", "--progress", "plain", "--timeout", "2m")...), "install "+version)
}

func (e *env) installArgs(version string, more ...string) []string {
	return append([]string{"--target", "kubernetes", "--edition", "ce", "--registry", e.reg.Host(), "--version", version,
		"--kubeconfig", e.k.Kubeconfig, "--namespace", e.ns, "--chart", e.chart}, more...)
}

type kubeStatus struct {
	Target    string `json:"target"`
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
	Revision  int    `json:"revision"`
	State     string `json:"state"`
	Chart     string `json:"chart"`
	ImageTag  string `json:"image_tag"`
	Pods      int    `json:"pods"`
	PodsReady int    `json:"pods_ready"`
	// PodsDesired and Version (/info through the API server) came with
	// the health and /info check.
	PodsDesired int    `json:"pods_desired"`
	Version     string `json:"version"`
	Healthy     bool   `json:"healthy"`
	// Unfinished: what a killed run left, with the command that ends it.
	Unfinished []struct {
		Operation string `json:"operation"`
		Fix       string `json:"fix"`
	} `json:"unfinished"`
}

func (e *env) status() (kubeStatus, result) {
	e.t.Helper()
	r := e.run("status", "--json")
	var s kubeStatus
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		e.t.Fatalf("status --json: %v\n%s", err, r)
	}
	return s, r
}

// history is the release's revisions as Helm recorded them in the
// cluster (its Secrets), oldest first.
func (e *env) history() []*release.Release {
	e.t.Helper()
	d := driver.NewSecrets(e.cs.CoreV1().Secrets(e.ns))
	rels, err := d.Query(map[string]string{"name": releaseName, "owner": "helm"})
	if err != nil && err != driver.ErrReleaseNotFound {
		e.t.Fatalf("helm history: %v", err)
	}
	sort.Slice(rels, func(i, j int) bool { return rels[i].Version < rels[j].Version })
	return rels
}

func (e *env) last() *release.Release {
	e.t.Helper()
	h := e.history()
	if len(h) == 0 {
		e.t.Fatal("no release recorded")
	}
	return h[len(h)-1]
}

func tagOf(vals map[string]any) string {
	img, _ := vals["image"].(map[string]any)
	t, _ := img["tag"].(string)
	return t
}

// podReadyOn waits until appsmith-0 runs tag and is Ready (a pod that is
// going away does not count).
func (e *env) podReadyOn(tag string) *corev1.Pod {
	e.t.Helper()
	var got *corev1.Pod
	var last string
	err := wait.PollUntilContextTimeout(e.t.Context(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := e.cs.CoreV1().Pods(e.ns).Get(ctx, podName, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		got = p
		last = fmt.Sprintf("image %s, ready %v, deleting %v", p.Spec.Containers[0].Image, ready(p), p.DeletionTimestamp != nil)
		return p.DeletionTimestamp == nil && strings.HasSuffix(p.Spec.Containers[0].Image, ":"+tag) && ready(p), nil
	})
	if err != nil {
		e.t.Fatalf("waiting for %s Ready on %s: %v (last seen: %s)", podName, tag, err, last)
	}
	return got
}

func ready(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func (e *env) claim() *corev1.PersistentVolumeClaim {
	e.t.Helper()
	c, err := e.cs.CoreV1().PersistentVolumeClaims(e.ns).Get(e.t.Context(), claimName, metav1.GetOptions{})
	if err != nil {
		e.t.Fatalf("claim %s: %v", claimName, err)
	}
	return c
}

// sameClaim checks the data claim is still the object it was, bound to
// the same volume.
func (e *env) sameClaim(was *corev1.PersistentVolumeClaim, when string) {
	e.t.Helper()
	now := e.claim()
	if now.UID != was.UID || now.Spec.VolumeName != was.Spec.VolumeName || now.Status.Phase != corev1.ClaimBound {
		e.t.Errorf("%s: the data claim changed: was %s on %s, now %s on %s (%s)", when, was.UID, was.Spec.VolumeName, now.UID, now.Spec.VolumeName, now.Status.Phase)
	}
}

func (e *env) secret() map[string][]byte {
	e.t.Helper()
	s, err := e.cs.CoreV1().Secrets(e.ns).Get(e.t.Context(), secretName, metav1.GetOptions{})
	if err != nil {
		e.t.Fatalf("Secret %s: %v", secretName, err)
	}
	return s.Data
}

func (e *env) exists(what string, get func(ctx context.Context) error) bool {
	e.t.Helper()
	err := get(e.t.Context())
	if apierrors.IsNotFound(err) {
		return false
	}
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
	return true
}

func contains(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// noSecretLeaks checks that the Secret's values appear, in any encoding,
// in nothing the binary printed, nor in the install dir's files, nor in
// the values Helm records for each revision (the chart gets the Secret's
// name, never its content).
func (e *env) noSecretLeaks(secret map[string][]byte, hist []*release.Release) {
	e.t.Helper()
	places := map[string]string{"the output": e.outputs.String()}
	files, _ := filepath.Glob(filepath.Join(e.dir, "*"))
	for _, f := range files {
		if b, err := os.ReadFile(f); err == nil {
			places[f] = string(b)
		}
	}
	for _, rel := range hist {
		b, _ := json.Marshal(rel.Config)
		places[fmt.Sprintf("revision %d's values", rel.Version)] = string(b) + rel.Manifest
	}
	for k, v := range secret {
		for _, form := range testenv.SecretForms(string(v)) {
			for where, text := range places {
				if strings.Contains(text, form) {
					e.t.Errorf("the Secret's %s is in %s", k, where)
				}
			}
		}
	}
}
