package kube

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// The environment a pod starts with is resolved as the kubelet does:
// envFrom in order (prefixes applied), then env over it; optional
// references to missing objects or keys are skipped, required ones fail.
func TestPodEnv(t *testing.T) {
	yes := true
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "appsmith-0", Namespace: "ns"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "appsmith",
			EnvFrom: []corev1.EnvFromSource{
				{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "appsmith"}}},
				{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "keys"}}},
				{Prefix: "X_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "appsmith"}}},
				{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "missing"}, Optional: &yes}},
			},
			Env: []corev1.EnvVar{
				{Name: "APPSMITH_ENABLE_EMBEDDED_DB", Value: "0"},
				{Name: "APPSMITH_REDIS_URL", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "keys"}, Key: "redis"}}},
				{Name: "APPSMITH_MAIL_HOST", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "appsmith"}, Key: "nope", Optional: &yes}}},
			},
		}}}}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "appsmith", Namespace: "ns"},
		Data: map[string]string{"APPSMITH_DB_URL": "mongodb://db/appsmith", "APPSMITH_ENABLE_EMBEDDED_DB": "1"}}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "keys", Namespace: "ns"},
		Data: map[string][]byte{"APPSMITH_ENCRYPTION_PASSWORD": []byte("pw"), "redis": []byte("redis://r:6379")}}
	a := &API{Client: fake.NewClientset(pod, cm, sec)}
	env, err := a.PodEnv(context.Background(), "ns", "appsmith-0", "appsmith")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"APPSMITH_DB_URL": "mongodb://db/appsmith", "APPSMITH_ENABLE_EMBEDDED_DB": "0", "APPSMITH_ENCRYPTION_PASSWORD": "pw",
		"redis": "redis://r:6379", "X_APPSMITH_DB_URL": "mongodb://db/appsmith", "X_APPSMITH_ENABLE_EMBEDDED_DB": "1",
		"APPSMITH_REDIS_URL": "redis://r:6379",
	}
	if len(env) != len(want) {
		t.Errorf("env = %v, want %v", env, want)
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}

	pod.Spec.Containers[0].Env = append(pod.Spec.Containers[0].Env, corev1.EnvVar{Name: "APPSMITH_X", ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "keys"}, Key: "absent"}}})
	a = &API{Client: fake.NewClientset(pod, cm, sec)}
	if _, err := a.PodEnv(context.Background(), "ns", "appsmith-0", "appsmith"); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("a required key that is missing: %v", err)
	}
}

// The archive's docker.env is the claim's file with the container's
// Appsmith variables over it; other variables stay out.
func TestEffectiveEnv(t *testing.T) {
	file, err := stacks.ParseEnv([]byte("APPSMITH_ENCRYPTION_PASSWORD=old\nAPPSMITH_MAIL_ENABLED=false\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := EffectiveEnv(file, map[string]string{"APPSMITH_ENCRYPTION_PASSWORD": "from the Secret", "MONGO_INITDB": "x",
		"PATH": "/bin", "APPSMITH_bad.key": "y", "redis": "z"})
	got := string(out.Bytes())
	for _, w := range []string{"APPSMITH_MAIL_ENABLED=false", "MONGO_INITDB=x"} {
		if !strings.Contains(got, w) {
			t.Errorf("lacks %s:\n%s", w, got)
		}
	}
	if v, _ := out.Get("APPSMITH_ENCRYPTION_PASSWORD"); v != "from the Secret" {
		t.Errorf("encryption password %q: the container's value wins at start", v)
	}
	for _, k := range []string{"PATH", "redis"} {
		if out.Has(k) {
			t.Errorf("%s went into docker.env", k)
		}
	}
}

// The environment a command gets through exec is sourced by sh exactly:
// quotes, spaces, $ and newlines come through unexpanded.
func TestEnvScript(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("the quoting is checked with a real sh: %v", err)
	}
	val := "it's a $HOME `x` \"q\"\nline two"
	f := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(f, envScript([]string{"PGPASSWORD=" + val}), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sh, "-c", `set -a; . "$0"; set +a; printf %s "$PGPASSWORD"`, f).Output()
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != val {
		t.Errorf("sourced %q, want %q", out, val)
	}
}

// execFunc is backup.Execer as a function (a fake pod).
type execFunc func(cmd []string, stdout, stderr io.Writer) (int, error)

func (f execFunc) ExecStream(_ context.Context, _ string, cmd, _ []string, _ io.Reader, stdout, stderr io.Writer) (int, error) {
	return f(cmd, stdout, stderr)
}

func (f execFunc) CopyToContainer(context.Context, string, string, io.Reader) error { return nil }

var _ backup.Execer = execFunc(nil)

func stacksTar(t *testing.T, entries map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	slices.Sort(names)
	tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755})
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(entries[n]))})
		tw.Write([]byte(entries[n]))
	}
	tw.Close()
	buf.Write(make([]byte, 10240)) // tar's record padding
	return buf.Bytes()
}

// The stacks come out of the pod through tar with the raw database
// directories and logs excluded; tar's "file changed" (exit 1) is a
// warning, a failure (exit 2) an error naming the pod, and a stream that
// tries to leave the destination is refused.
func TestPullStacks(t *testing.T) {
	body := stacksTar(t, map[string]string{"configuration/docker.env": "A=1\n", "git-storage/app/x.json": "{}"})
	var ran []string
	ok := execFunc(func(cmd []string, stdout, _ io.Writer) (int, error) {
		ran = cmd
		_, err := stdout.Write(body)
		return 0, err
	})
	dst := t.TempDir()
	warn, err := PullStacks(context.Background(), ok, "appsmith-0", dst, nil)
	if err != nil || warn != "" {
		t.Fatalf("PullStacks: %q, %v", warn, err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "git-storage/app/x.json")); err != nil || string(b) != "{}" {
		t.Errorf("git-storage file: %q, %v", b, err)
	}
	for _, x := range []string{"--exclude=./data/mongodb", "--exclude=./data/postgres", "--exclude=./logs", "-C", StacksDir} {
		if !slices.Contains(ran, x) {
			t.Errorf("tar ran without %s: %v", x, ran)
		}
	}

	changed := execFunc(func(_ []string, stdout, stderr io.Writer) (int, error) {
		io.WriteString(stderr, "tar: ./data/redis/dump.rdb: file changed as we read it\n")
		_, err := stdout.Write(body)
		return 1, err
	})
	warn, err = PullStacks(context.Background(), changed, "appsmith-0", t.TempDir(), nil)
	if err != nil || !strings.Contains(warn, "file changed") {
		t.Errorf("tar exit 1: %q, %v", warn, err)
	}

	failed := execFunc(func(_ []string, stdout, stderr io.Writer) (int, error) {
		io.WriteString(stderr, "tar: /appsmith-stacks: Cannot open: No such file or directory\n")
		return 2, nil
	})
	if _, err := PullStacks(context.Background(), failed, "appsmith-0", t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "appsmith-0") || !strings.Contains(err.Error(), "Cannot open") {
		t.Errorf("tar exit 2: %v", err)
	}

	evil := stacksTar(t, map[string]string{"../escape": "x"})
	bad := execFunc(func(_ []string, stdout, _ io.Writer) (int, error) { _, err := stdout.Write(evil); return 0, err })
	outside := t.TempDir()
	os.Mkdir(filepath.Join(outside, "in"), 0o700)
	if _, err := PullStacks(context.Background(), bad, "appsmith-0", filepath.Join(outside, "in"), nil); err == nil {
		t.Error("a name leaving the destination was accepted")
	} else if !strings.Contains(err.Error(), "escape") {
		t.Errorf("refused for another reason: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "escape")); err == nil {
		t.Error("a file was written outside the destination")
	}
}

// A prelude plan's success is not the run's outcome; its failure is.
func TestPrelude(t *testing.T) {
	var got []engine.Event
	sink := prelude(engine.SinkFunc(func(ev engine.Event) { got = append(got, ev) }))
	ok := engine.Step{ID: "a", Title: "a", Run: func(context.Context, engine.Reporter) error { return nil }}
	if _, err := (engine.Runner{Sink: sink}).Run(context.Background(), engine.Plan{Name: "p", Steps: []engine.Step{ok}}); err != nil {
		t.Fatal(err)
	}
	for _, ev := range got {
		if ev.Kind == engine.KindOutcome {
			t.Errorf("a successful prelude emitted its outcome: %+v", ev)
		}
	}
	got = nil
	bad := engine.Step{ID: "b", Title: "b", Run: func(context.Context, engine.Reporter) error { return io.ErrUnexpectedEOF }}
	_, _ = (engine.Runner{Sink: sink}).Run(context.Background(), engine.Plan{Name: "p", Steps: []engine.Step{bad}})
	if len(got) == 0 || got[len(got)-1].Kind != engine.KindOutcome || got[len(got)-1].Outcome == engine.OutcomeDone {
		t.Errorf("a failed prelude must end with its failed outcome: %+v", got)
	}
}
