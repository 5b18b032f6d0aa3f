//go:build !nokube

package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	kubefake "helm.sh/helm/v3/pkg/kube/fake"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// memoryHelm is Helm on its memory driver and fake kube client: releases
// live in the test, no cluster is asked.
func memoryHelm() *action.Configuration {
	return &action.Configuration{Releases: storage.Init(driver.NewMemory()), KubeClient: &kubefake.PrintingKubeClient{Out: io.Discard},
		Capabilities: chartutil.DefaultCapabilities, Log: func(string, ...any) {}}
}

// saveRecord writes an install dir's record and returns its bytes.
func saveRecord(t *testing.T, dir string, s *state.State) []byte {
	t.Helper()
	s.Dir = dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := state.Save(dir, s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(state.Path(dir))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func kubeStateOf(release, ns string) *state.State {
	return &state.State{Edition: "ee", Version: "v1.9.2", Target: state.TargetKubernetes, Database: "chart-mongodb", Redis: "chart-redis",
		Kubernetes: &state.Kubernetes{Namespace: ns, Release: release, Chart: standinChart, Revision: 1}}
}

func sameRecord(t *testing.T, dir string, want []byte) {
	t.Helper()
	if got, err := os.ReadFile(state.Path(dir)); err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s changed (%v):\n%s\nwas:\n%s", state.Path(dir), err, got, want)
	}
}

// One install dir holds one instance: installing the other kind, or
// another release, over its record is refused (exit 2) and changes nothing.
func TestKubeInstallKeepsTheDirsInstance(t *testing.T) {
	hostDir := filepath.Join(t.TempDir(), "appsmith")
	host := saveRecord(t, hostDir, &state.State{Edition: "ce", Version: "v1.9.2", Container: "appsmith", Image: "appsmith/appsmith-ce:v1.9.2",
		HTTPPort: 80, HTTPSPort: 443, BindAddress: "0.0.0.0", Database: "embedded-postgresql", Redis: "embedded"})
	for _, args := range [][]string{
		{"--target", "kubernetes", "--yes", "--chart", standinChart, "--version", "v1.9.2"},
		{"--target", "kubernetes", "--plan"},
	} {
		r := run(t, kubeDeps(t), nil, append(args, "--dir", hostDir, "--link-dir", "")...)
		if r.code != 2 || !strings.Contains(r.errOut, "records a host install (container appsmith)") || !strings.Contains(r.errOut, "another --dir") {
			t.Errorf("%v over a host install: exit %d, want 2\n%s", args, r.code, r.errOut)
		}
		sameRecord(t, hostDir, host)
	}
	r := run(t, kubeDeps(t), map[string]string{"APPSMITH_INSTALL_TARGET": "kubernetes"}, "--plan", "--dir", hostDir, "--link-dir", "")
	if r.code != 2 || !strings.Contains(r.errOut, "APPSMITH_INSTALL_TARGET kubernetes") {
		t.Errorf("APPSMITH_INSTALL_TARGET over a host install: exit %d\n%s", r.code, r.errOut)
	}

	kubeDir := filepath.Join(t.TempDir(), "appsmith")
	rec := saveRecord(t, kubeDir, kubeStateOf("appsmith", "tools"))
	r = run(t, kubeDeps(t), nil, "--target", "host", "--dry-run", "--dir", kubeDir, "--link-dir", "")
	if r.code != 2 || !strings.Contains(r.errOut, "records a Kubernetes install (release appsmith in namespace tools)") {
		t.Errorf("a host install over a Kubernetes one: exit %d, want 2\n%s", r.code, r.errOut)
	}
	for _, flag := range [][]string{{"--release", "other"}, {"--namespace", "other"}} {
		r := run(t, kubeDeps(t), nil, append(flag, "--plan", "--dir", kubeDir, "--link-dir", "")...)
		if r.code != 2 || !strings.Contains(r.errOut, "records release appsmith in namespace tools; one install dir holds one release") {
			t.Errorf("%v over release appsmith: exit %d, want 2\n%s", flag, r.code, r.errOut)
		}
	}
	// The recorded release itself plans as before (no flag needed).
	if r := run(t, kubeDeps(t), nil, "--plan", "--dir", kubeDir, "--link-dir", ""); r.code != 0 || !strings.Contains(r.out, "release appsmith in namespace tools") {
		t.Errorf("re-plan of the recorded release: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	sameRecord(t, kubeDir, rec)
}

// A first install with external databases that failed: its re-run needs
// their URLs again (secrets are not recorded), or it would plan the
// chart's own databases instead.
func TestKubeRerunNeedsTheExternalURLs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "appsmith")
	s := kubeStateOf("appsmith", "appsmith")
	s.Status, s.Database, s.Redis = state.StatusInstalling, "external", "external"
	rec := saveRecord(t, dir, s)
	r := run(t, kubeDeps(t), nil, "--plan", "--dir", dir, "--link-dir", "")
	if r.code != 2 || !strings.Contains(r.errOut, "records an external database: give --db-url") {
		t.Errorf("re-plan without --db-url: exit %d, want 2\n%s", r.code, r.errOut)
	}
	r = run(t, kubeDeps(t), nil, "--plan", "--dir", dir, "--link-dir", "", "--db-url", "mongodb://u:pw@db.example/appsmith")
	if r.code != 2 || !strings.Contains(r.errOut, "records an external Redis: give --redis-url") {
		t.Errorf("re-plan without --redis-url: exit %d, want 2\n%s", r.code, r.errOut)
	}
	r = run(t, kubeDeps(t), nil, "--plan", "--dir", dir, "--link-dir", "", "--db-url", "mongodb://u:pw@db.example/appsmith", "--redis-url", "redis://r.example:6379")
	if r.code != 0 || strings.Contains(r.out, "MongoDB subchart") {
		t.Errorf("re-plan with both URLs: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	sameRecord(t, dir, rec)
}

// deadKubeconfig names a cluster whose API server does not answer (a port
// on 127.0.0.1 nothing listens on).
func deadKubeconfig(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	f := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters:\n- name: dead\n  cluster:\n    server: https://" + addr + "\n    insecure-skip-tls-verify: true\n" +
		"users:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: dead\n  context:\n    cluster: dead\n    user: u\ncurrent-context: dead\n"
	if err := os.WriteFile(f, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// A cluster that does not answer is never taken for "no release": the
// install refuses before writing anything (exit 3), and status says
// "unknown" (exit 1, --json still one object), uninstall keeps the record.
func TestKubeClusterThatDoesNotAnswer(t *testing.T) {
	kc := deadKubeconfig(t)
	deps := kubeDeps(t)
	deps.Kube = nil // the real client, through the kubeconfig
	dir := filepath.Join(t.TempDir(), "appsmith")
	r := run(t, deps, nil, "--target", "kubernetes", "--yes", "--dir", dir, "--link-dir", "", "--kubeconfig", kc, "--chart", standinChart, "--version", "v1.9.2", "--timeout", "20s")
	if r.code != 3 || !strings.Contains(r.errOut, "the cluster did not answer") || !strings.Contains(r.errOut, "the kubeconfig "+kc) {
		t.Errorf("install on a dead cluster: exit %d, want 3 naming the kubeconfig\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused install left %s (%v)", dir, err)
	}

	s := kubeStateOf("appsmith", "tools")
	s.Kubernetes.Kubeconfig = kc
	rec := saveRecord(t, dir, s)
	r = run(t, deps, nil, "status", "--json", "--dir", dir)
	var st KubeStatus
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 1 || st.State != "unknown" || st.Release != "appsmith" || st.Healthy {
		t.Errorf("status --json of a dead cluster: exit %d, %+v (%v)\n%s", r.code, st, err, r.errOut)
	}
	for _, args := range [][]string{{"status"}, {"upgrade", "v1.9.38", "--yes"}, {"rollback", "--yes"}, {"uninstall", "--yes"}} {
		r := run(t, deps, nil, append(args, "--dir", dir)...)
		if r.code != 1 && r.code != 3 || !strings.Contains(r.errOut, kc) {
			t.Errorf("%v on a dead cluster: exit %d, want 1 or 3 and a hint naming %s\n%s", args, r.code, kc, r.errOut)
		}
	}
	// --plan still shows the hops, from the recorded version, and says
	// the cluster was not looked at.
	r = run(t, deps, nil, "upgrade", "v1.9.38", "--plan", "--json", "--dir", dir)
	var up KubeUpgradePlan
	if err := json.Unmarshal([]byte(r.out), &up); err != nil || r.code != 0 || up.From != "v1.9.2" || len(up.Hops) != 1 || up.Hops[0].Revision != 2 ||
		!strings.Contains(strings.Join(up.Notes, "\n"), "the cluster was not looked at") {
		t.Errorf("upgrade --plan of a dead cluster: exit %d, %+v (%v)\n%s", r.code, up, err, r.errOut)
	}
	sameRecord(t, dir, rec)
}

// A release Helm does not have (a first install that failed before Helm
// recorded it): status says "missing" (exit 5) and uninstall forgets the
// record, keeping whatever claim and Secret exist.
func TestKubeRecordedReleaseMissing(t *testing.T) {
	cfg := memoryHelm()
	deps := kubeDeps(t)
	deps.Kube = func(o kube.Options, d time.Duration) (*kube.Helm, error) {
		return &kube.Helm{Cfg: cfg, Cluster: &kube.API{Client: fake.NewClientset()}, Opts: o, Timeout: d}, nil
	}
	dir := filepath.Join(t.TempDir(), "appsmith")
	s := kubeStateOf("appsmith", "tools")
	s.Status = state.StatusInstalling
	saveRecord(t, dir, s)
	r := run(t, deps, nil, "status", "--json", "--dir", dir)
	var st KubeStatus
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 5 || st.State != "missing" {
		t.Errorf("status --json of a missing release: exit %d, %+v (%v)\n%s", r.code, st, err, r.errOut)
	}
	// A release recorded as installed is not forgotten for being absent:
	// the kubeconfig may name another cluster now.
	done := filepath.Join(t.TempDir(), "appsmith")
	rec := saveRecord(t, done, kubeStateOf("appsmith", "tools"))
	r = run(t, deps, nil, "uninstall", "--yes", "--dir", done)
	if r.code != 5 || !strings.Contains(r.errOut, "nothing was removed") {
		t.Errorf("uninstall of an installed release Helm lacks: exit %d, want 5\n%s", r.code, r.errOut)
	}
	sameRecord(t, done, rec)
	r = run(t, deps, nil, "uninstall", "--yes", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.errOut, "the first install never got that far") {
		t.Errorf("uninstall of a missing release: exit %d\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(state.Path(dir)); !os.IsNotExist(err) {
		t.Errorf("the record stays after uninstall (%v)", err)
	}
}

// Day-two commands take the issue's `appsmith --target kubernetes
// [--namespace N] [--release R] status` form: the flags must agree with the
// install dir's record (exit 2 otherwise, nothing done), and --kubeconfig
// and --context say how to reach the recorded release's cluster now.
func TestKubeDayTwoTargetFlags(t *testing.T) {
	cfg := memoryHelm()
	deps := kubeDeps(t)
	var asked []kube.Options
	deps.Kube = func(o kube.Options, d time.Duration) (*kube.Helm, error) {
		asked = append(asked, o)
		return &kube.Helm{Cfg: cfg, Cluster: &kube.API{Client: fake.NewClientset()}, Opts: o, Timeout: d}, nil
	}
	dir := filepath.Join(t.TempDir(), "appsmith")
	rec := saveRecord(t, dir, kubeStateOf("appsmith", "tools"))
	r := run(t, deps, nil, "--target", "kubernetes", "--namespace", "tools", "--release", "appsmith", "status", "--json", "--dir", dir)
	var st KubeStatus
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 5 || st.State != "missing" || len(asked) != 1 {
		t.Errorf("status with the recorded target: exit %d, %+v (%v)\n%s", r.code, st, err, r.errOut)
	}
	kc := filepath.Join(t.TempDir(), "moved-kubeconfig")
	r = run(t, deps, nil, "status", "--dir", dir, "--kubeconfig", kc, "--context", "prod")
	if len(asked) != 2 || asked[1].Kubeconfig != kc || asked[1].Context != "prod" || asked[1].Release != "appsmith" {
		t.Errorf("--kubeconfig/--context: asked %+v", asked)
	}
	for _, c := range []struct {
		args []string
		says string
	}{
		{[]string{"status", "--release", "other"}, "--release other: "},
		{[]string{"upgrade", "v1.9.38", "--yes", "--namespace", "other"}, "--namespace other: "},
		{[]string{"--target", "host", "uninstall", "--yes"}, "--target host: "},
		{[]string{"--target", "cloud", "status"}, `invalid --target "cloud"`},
	} {
		r := run(t, deps, nil, append(c.args, "--dir", dir)...)
		if r.code != 2 || !strings.Contains(r.errOut, c.says) {
			t.Errorf("%v: exit %d, want 2 saying %q\n%s", c.args, r.code, c.says, r.errOut)
		}
	}
	if len(asked) != 2 {
		t.Errorf("a refused command reached the cluster: %+v", asked[2:])
	}
	sameRecord(t, dir, rec)

	hostDir := filepath.Join(t.TempDir(), "appsmith")
	saveRecord(t, hostDir, &state.State{Edition: "ce", Version: "v1.9.2", Container: "appsmith"})
	if r := run(t, deps, nil, "--target", "kubernetes", "status", "--dir", hostDir); r.code != 2 || !strings.Contains(r.errOut, "records a host install") {
		t.Errorf("--target kubernetes on a host install: exit %d\n%s", r.code, r.errOut)
	}
	empty := filepath.Join(t.TempDir(), "none")
	if r := run(t, deps, nil, "--target", "kubernetes", "status", "--dir", empty); r.code != 5 || !strings.Contains(r.errOut, "appsmith-install --target kubernetes --chart CHART --yes --dir "+empty) {
		t.Errorf("--target kubernetes on no install: exit %d\n%s", r.code, r.errOut)
	}
	if r := run(t, deps, nil, "status", "--namespace", "tools", "--dir", hostDir); r.code != 2 || !strings.Contains(r.errOut, "--namespace is for a Kubernetes install") {
		t.Errorf("--namespace on a host install: exit %d\n%s", r.code, r.errOut)
	}
}

// `backup list` of an install with no backup yet is an empty list, for a
// host and a Kubernetes install alike (no engine asked for the latter); a
// --from that does not exist is a bad flag.
func TestBackupListBeforeAnyBackup(t *testing.T) {
	hostDir := filepath.Join(t.TempDir(), "appsmith")
	saveRecord(t, hostDir, &state.State{Edition: "ce", Version: "v1.9.2", Container: "appsmith-a", ContainerID: "a"})
	eng := dockerfake.New(t).Serve(managed("a", hostDir, true))
	kubeDir := filepath.Join(t.TempDir(), "appsmith")
	saveRecord(t, kubeDir, kubeStateOf("appsmith", "tools"))
	for _, c := range []struct {
		dir  string
		deps Deps
	}{{hostDir, fakeDeps(eng)}, {kubeDir, kubeDeps(t)}} {
		r := run(t, c.deps, nil, "backup", "list", "--json", "--dir", c.dir)
		var got struct {
			Store    string `json:"store"`
			Archives []any  `json:"archives"`
		}
		if err := json.Unmarshal([]byte(r.out), &got); err != nil || r.code != 0 || len(got.Archives) != 0 || got.Store != filepath.Join(c.dir, "backups") {
			t.Errorf("backup list of %s before any backup: exit %d, %+v (%v)\n%s", c.dir, r.code, got, err, r.errOut)
		}
		if r := run(t, c.deps, nil, "backup", "prune", "--keep-last", "3", "--dir", c.dir); r.code != 0 {
			t.Errorf("backup prune of %s before any backup: exit %d\n%s", c.dir, r.code, r.errOut)
		}
	}
	missing := filepath.Join(t.TempDir(), "nope")
	if r := run(t, kubeDeps(t), nil, "backup", "list", "--from", missing, "--dir", kubeDir); r.code != 2 || !strings.Contains(r.errOut, "--from "+missing) {
		t.Errorf("backup list --from a missing dir: exit %d, want 2\n%s", r.code, r.errOut)
	}
}
