package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The Kubernetes target's end-to-end tests run against a real control plane
// on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager (StatefulSet,
// ReplicaSet, garbage collection, PV binding and the hostPath provisioner)
// and kube-scheduler, with kwok playing the kubelet of one fake node. The
// binaries come from scripts/kube-tools.sh, built once per machine.

// Facts about the planes StartKube makes, for tests to rely on.
const (
	// KubeNodeName is the plane's one node, a kwok fake: pods scheduled
	// there become Running and Ready (no container runs) unless their image
	// tag contains the plane's never-ready marker.
	KubeNodeName = "kwok-node-0"
	// KubeStorageClass is the default StorageClass: hostPath volumes the
	// controller-manager provisions under /tmp/hostpath_pv/ and deletes with
	// their claim (reclaim policy Delete), bound immediately.
	KubeStorageClass = "standard"
	// NeverReadyTag is the default never-ready marker: a pod any of whose
	// container images has a tag containing it starts Running but never
	// becomes Ready, as a bad release whose readiness probe never passes.
	NeverReadyTag = "never-ready"
	// kubeServiceRange is the virtual service network and kubeAPIServiceIP
	// its first address (the kubernetes service). Nothing routes to either:
	// tests reach workloads only through the apiserver on 127.0.0.1.
	kubeServiceRange = "10.96.0.0/16"
	kubeAPIServiceIP = "10.96.0.1"
	kubePodRange     = "10.244.0.0/16"
)

// Kube is a running control plane.
type Kube struct {
	// Kubeconfig is an admin kubeconfig (system:masters, credentials
	// inline, context "testenv", namespace "default"), mode 0600: what
	// client-go's clientcmd and Helm take.
	Kubeconfig string
	Server     string // https://127.0.0.1:PORT
	Dir        string // certificates, etcd's data, kwok's config, one log per component
	// NeverReady is the marker that keeps a pod from becoming Ready.
	NeverReady string
	// StartedIn is how long bringing the plane up took (reported by the
	// tests with -v, never asserted).
	StartedIn time.Duration

	// Node is the plane's one node: KubeNodeName (kwok) or
	// KubeletNodeName (WithKubelet).
	Node string

	api   *kubeAPI
	procs []*kubeProc  // in start order
	node  *kubeletNode // WithKubelet's node, nil for kwok's
}

// KubeOption changes the plane StartKube returns.
type KubeOption func(*kubeConfig)

type kubeConfig struct {
	neverReady string
	kubelet    bool
}

// key names the shared plane cfg asks for.
func (c kubeConfig) key() string {
	if c.kubelet {
		return c.neverReady + "+kubelet"
	}
	return c.neverReady
}

// WithNeverReady sets the never-ready marker (letters, digits, '.', '_'
// and '-'); planes with different markers are different planes.
func WithNeverReady(marker string) KubeOption {
	return func(c *kubeConfig) { c.neverReady = marker }
}

var markerRE = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

var kubePlanes struct {
	mu     sync.Mutex
	shared bool                  // KubeMain runs the tests: planes last the whole binary
	byKey  map[string]*kubeShare // shared planes by marker
}

type kubeShare struct {
	once sync.Once
	dir  string // holds the plane's directory (and a failed first try's)
	k    *Kube
	err  error
}

// KubeMain runs a package's tests so that they share one control plane per
// never-ready marker (starting one takes many seconds), stopped when the
// tests are done; its files are kept, and their place printed, when a test
// failed. Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.KubeMain(m)) }
//
// Without it StartKube starts a plane per test and stops it at cleanup.
func KubeMain(m *testing.M) int {
	kubePlanes.mu.Lock()
	kubePlanes.shared = true
	kubePlanes.mu.Unlock()
	code := m.Run()
	kubePlanes.mu.Lock()
	defer kubePlanes.mu.Unlock()
	for _, s := range kubePlanes.byKey {
		if s.k == nil {
			continue
		}
		s.k.stop()
		if code == 0 {
			_ = os.RemoveAll(s.dir)
		} else {
			fmt.Fprintf(os.Stderr, "testenv: a test failed: the control plane's files (logs, etcd data) are kept in %s\n", s.k.Dir)
		}
	}
	return code
}

// StartKube returns a running control plane: the package's shared one
// under KubeMain, else a new one stopped at the test's cleanup. Under
// -short it skips. Without the binaries (scripts/kube-tools.sh builds them,
// many minutes the first time) the test fails under CI=true and is skipped
// otherwise. When the test fails, the end of each component's log is
// printed.
func StartKube(tb testing.TB, opts ...KubeOption) *Kube {
	tb.Helper()
	if testing.Short() {
		tb.Skip("end-to-end: the Kubernetes control plane is not started with -short (make unit)")
	}
	cfg := kubeConfig{neverReady: NeverReadyTag}
	for _, o := range opts {
		o(&cfg)
	}
	if !markerRE.MatchString(cfg.neverReady) {
		tb.Fatalf("testenv: never-ready marker %q: want letters, digits, '.', '_' or '-'", cfg.neverReady)
	}
	if cfg.kubelet {
		// Optional tier, under CI too: the reason is printed.
		if why := kubeletMissing(); why != "" {
			tb.Skipf("testenv: the real-kubelet tier is skipped: this machine lacks %s", why)
		}
	}
	bins, err := kubeTools()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("testenv: the Kubernetes control plane is needed and CI=true: %v\n(make kube-tools builds it)", err)
		}
		tb.Skipf("testenv: no Kubernetes control plane: %v\n(make kube-tools builds it)", err)
	}

	kubePlanes.mu.Lock()
	shared := kubePlanes.shared
	var s *kubeShare
	if shared {
		if kubePlanes.byKey == nil {
			kubePlanes.byKey = map[string]*kubeShare{}
		}
		if s = kubePlanes.byKey[cfg.key()]; s == nil {
			s = &kubeShare{}
			kubePlanes.byKey[cfg.key()] = s
		}
	}
	kubePlanes.mu.Unlock()

	var k *Kube
	if shared {
		s.once.Do(func() {
			if s.dir, s.err = os.MkdirTemp("", "testenv-kube-"); s.err != nil {
				return
			}
			if s.k, s.err = startKubeRetry(s.dir, bins, cfg); s.err != nil {
				s.err = fmt.Errorf("%w\n(files kept in %s)", s.err, s.dir)
			}
		})
		k, err = s.k, s.err
	} else {
		k, err = startKubeRetry(tb.TempDir(), bins, cfg)
		if err == nil {
			tb.Cleanup(k.stop)
		}
	}
	if err != nil {
		tb.Fatalf("testenv: starting the Kubernetes control plane: %v", err)
	}
	// A shared plane outlives tests: one of them may have broken it.
	for _, p := range k.procs {
		if err := p.exited(); err != nil {
			tb.Fatalf("testenv: the shared Kubernetes control plane is down: %v\n%s", err, k.Logs())
		}
	}
	tb.Logf("testenv: control plane at %s (started in %s; files in %s)", k.Server, k.StartedIn, k.Dir)
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Log(k.Logs())
		}
	})
	return k
}

// startKubeRetry starts a plane in a fresh subdirectory of dir, once more
// if a port freePorts chose was taken before the component bound it.
func startKubeRetry(dir string, bins string, cfg kubeConfig) (*Kube, error) {
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		sub := filepath.Join(dir, fmt.Sprintf("plane-%d", attempt))
		if err = os.Mkdir(sub, 0o700); err != nil {
			return nil, err
		}
		var k *Kube
		if k, err = startKube(sub, bins, cfg); err == nil || !strings.Contains(err.Error(), "address already in use") {
			return k, err
		}
	}
	return nil, err
}

// Logs is the end of every component's log, for a failure message.
func (k *Kube) Logs() string {
	parts := []string{"control plane files: " + k.Dir}
	for _, p := range k.procs {
		parts = append(parts, p.tail(40))
	}
	return strings.Join(parts, "\n")
}

var kubeBins struct {
	once sync.Once
	dir  string
	err  error
}

// kubeToolNames are the binaries scripts/kube-tools.sh puts in bin/.
var kubeToolNames = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

// kubeTools runs scripts/kube-tools.sh once per process (it builds on the
// first run on a machine and only prints its cache path after) and returns
// the bin directory.
func kubeTools() (string, error) {
	kubeBins.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			kubeBins.err = err
			return
		}
		var out, errb bytes.Buffer
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "kube-tools.sh"))
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			kubeBins.err = fmt.Errorf("bash scripts/kube-tools.sh: %v\n%s", err, strings.TrimSpace(errb.String()))
			return
		}
		dir := filepath.Join(strings.TrimSpace(out.String()), "bin")
		for _, name := range kubeToolNames {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				kubeBins.err = fmt.Errorf("scripts/kube-tools.sh left no %s: %w", name, err)
				return
			}
		}
		kubeBins.dir = dir
	})
	return kubeBins.dir, kubeBins.err
}

// Namespace creates a namespace for the test, named after it, and deletes
// it (and so everything in it) at cleanup.
func (k *Kube) Namespace(tb testing.TB) string {
	tb.Helper()
	name := strings.ToLower(unsafeName.ReplaceAllString(tb.Name(), "-"))
	name = strings.Trim(strings.NewReplacer("_", "-", ".", "-").Replace(name), "-")
	if len(name) > 50 {
		name = strings.TrimRight(name[:50], "-")
	}
	name = "t-" + name + "-" + strings.ToLower(rand.Text()[:6])
	ctx := tb.Context()
	obj := map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": name}}
	if err := k.api.create(ctx, "/api/v1/namespaces", obj); err != nil {
		tb.Fatalf("testenv: create namespace %s: %v", name, err)
	}
	tb.Cleanup(func() {
		// tb.Context is done by now.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := k.api.delete(ctx, "/api/v1/namespaces/"+name); err != nil {
			tb.Logf("testenv: delete namespace %s: %v", name, err)
		}
	})
	return name
}
