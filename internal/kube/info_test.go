package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// httpInfo is InfoReader against an httptest server instead of a
// port-forward: the parsing and the checks are the real ones
// (instance.Probe); only the way to the pod differs.
type httpInfo struct {
	base  string
	asked atomic.Int32
}

func (h *httpInfo) PodInfo(ctx context.Context, _ string, _ Pod, want string) (instance.ReadyInfo, error) {
	h.asked.Add(1)
	return instance.Probe(ctx, http.DefaultClient, h.base, want)
}

var _ InfoReader = (*httpInfo)(nil)

// appsmithServer answers health with healthStatus and /info with version.
func appsmithServer(t *testing.T, healthStatus int, version string) *httpInfo {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/health", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(healthStatus) })
	mux.HandleFunc("/info", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"version":%q,"commitSha":"abc","imageBuiltAt":"2026-01-01"}`, version)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &httpInfo{base: srv.URL}
}

func readyOn(tag string) *fakePods {
	return &fakePods{pods: func(string, string) ([]Pod, error) {
		return []Pod{{Name: "appsmith-0", Image: "appsmith/appsmith-ce:" + tag, Ready: true, Port: 80}}, nil
	}}
}

func TestVerifyInfo(t *testing.T) {
	ctx := context.Background()
	o := Defaults()
	good := appsmithServer(t, http.StatusOK, "v1.9.38")
	if got, err := VerifyInfo(ctx, readyOn("v1.9.38"), good, o, "v1.9.38", 5*time.Second); err != nil || got.Version != "v1.9.38" {
		t.Errorf("a pod on its version: %+v, %v", got, err)
	}

	// An image that says it is another version fails at once, naming it.
	liar := appsmithServer(t, http.StatusOK, "v1.9.2")
	_, err := VerifyInfo(ctx, readyOn("v1.9.38"), liar, o, "v1.9.38", time.Minute)
	var wv *WrongVersion
	if !errors.As(err, &wv) || wv.Got != "v1.9.2" || !errors.Is(err, ErrInfoCheck) || !strings.Contains(err.Error(), "/info says version v1.9.2") {
		t.Errorf("a lying pod: %v", err)
	}
	if n := liar.asked.Load(); n != 1 {
		t.Errorf("a wrong version was asked %d times, want once", n)
	}

	// Health failing is retried until the timeout, then names the cause.
	sick := appsmithServer(t, http.StatusServiceUnavailable, "v1.9.38")
	_, err = VerifyInfo(ctx, readyOn("v1.9.38"), sick, o, "v1.9.38", 1500*time.Millisecond)
	if !errors.Is(err, ErrInfoCheck) || !strings.Contains(err.Error(), "503") || errors.As(err, &wv) {
		t.Errorf("a pod whose health fails: %v", err)
	}

	// Pods on another tag, or not Ready, are not asked.
	notReady := &fakePods{pods: func(string, string) ([]Pod, error) {
		return []Pod{{Name: "appsmith-0", Image: "appsmith/appsmith-ce:v1.9.38"}, {Name: "old", Image: "appsmith/appsmith-ce:v1.9.2", Ready: true}}, nil
	}}
	_, err = VerifyInfo(ctx, notReady, liar, o, "v1.9.38", 1500*time.Millisecond)
	if !errors.Is(err, ErrInfoCheck) || !strings.Contains(err.Error(), "no Ready pod on v1.9.38") || liar.asked.Load() != 1 {
		t.Errorf("no Ready pod on the tag: %v (asked %d)", err, liar.asked.Load())
	}
}

// TestHopLyingInfoIsRecovered: a hop whose pod is Ready but whose /info
// reports another version is recovered like a never-Ready one, and its
// revision stays failed so that `rollback` never returns to it.
func TestHopLyingInfoIsRecovered(t *testing.T) {
	ctx := context.Background()
	h, p, _ := newHelm(t, nil)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	h.Info = appsmithServer(t, http.StatusOK, "v1.9.2") // the new image still says v1.9.2
	var deleted []string
	// The pod is on the new tag until the recovery deletes it; its
	// replacement runs the old one (and /info, asked again, agrees).
	p.pods = func(ns, sel string) ([]Pod, error) {
		if len(deleted) > 0 {
			return readyOn("v1.9.2").pods(ns, sel)
		}
		return readyOn("v1.9.38").pods(ns, sel)
	}
	p.delete = func(_, name string) error { deleted = append(deleted, name); return nil }
	_, vals = values(t, "v1.9.38")
	res, err := h.UpgradeHop(ctx, ch, vals)
	if !errors.Is(err, ErrHopRolledBack) || !strings.Contains(err.Error(), "/info says version v1.9.2") {
		t.Fatalf("hop: %v", err)
	}
	if res.RolledBackTo != 1 || res.Revision != 3 || fmt.Sprint(deleted) != "[appsmith-0]" {
		t.Errorf("recovery %+v, deleted %v", res, deleted)
	}
	st, _ := h.Status()
	if st.ImageTag != "v1.9.2" || st.State != "deployed" {
		t.Errorf("after the recovery: %+v", st)
	}
	rel, err := h.Cfg.Releases.Get("appsmith", 2)
	if err != nil || rel.Info.Status.String() != "failed" || !strings.Contains(rel.Info.Description, "/info says") {
		t.Errorf("the lying revision: %v %v", rel.Info, err)
	}
}

func TestHTTPPort(t *testing.T) {
	for _, c := range []struct {
		ports []corev1.ContainerPort
		want  int
	}{
		{[]corev1.ContainerPort{{Name: "https", ContainerPort: 443}, {Name: "http", ContainerPort: 8080}}, 8080},
		{[]corev1.ContainerPort{{ContainerPort: 81}}, 81},
		{nil, 80},
	} {
		if got := HTTPPort(corev1.Container{Ports: c.ports}); got != c.want {
			t.Errorf("%v: %d, want %d", c.ports, got, c.want)
		}
	}
}

// TestDesired: a StatefulSet's replicas, or the HPA's count for the
// Deployment it scales; a subchart's workload (Bitnami's Redis, labelled
// with the release too) is not Appsmith's.
func TestDesired(t *testing.T) {
	ctx := context.Background()
	lbl := map[string]string{"app.kubernetes.io/name": "appsmith", "app.kubernetes.io/instance": "appsmith"}
	redis := map[string]string{"app.kubernetes.io/name": "redis", "app.kubernetes.io/instance": "appsmith"}
	two, one := int32(2), int32(1)
	cs := fake.NewClientset(
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "appsmith", Namespace: "appsmith", Labels: lbl}, Spec: appsv1.StatefulSetSpec{Replicas: &two}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "scaled", Namespace: "appsmith", Labels: lbl}, Spec: appsv1.DeploymentSpec{Replicas: &one}},
		&autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "scaled", Namespace: "appsmith"},
			Spec:   autoscalingv2.HorizontalPodAutoscalerSpec{ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "scaled"}, MinReplicas: &two},
			Status: autoscalingv2.HorizontalPodAutoscalerStatus{DesiredReplicas: 3}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "other", Namespace: "appsmith"}, Spec: appsv1.StatefulSetSpec{Replicas: &two}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "appsmith-redis-master", Namespace: "appsmith", Labels: redis}, Spec: appsv1.StatefulSetSpec{Replicas: &one}},
	)
	n, err := (&API{Client: cs}).Desired(ctx, "appsmith", Defaults().PodSelector())
	if err != nil || n != 5 {
		t.Errorf("desired %d (%v), want 2 + 3", n, err)
	}
}

// TestRecoveryChecksInfo: the version a recovery goes back to is asked
// too; when its /info disagrees as well, the error says so instead of
// reporting a clean rollback.
func TestRecoveryChecksInfo(t *testing.T) {
	ctx := context.Background()
	h, p, _ := newHelm(t, nil)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	h.Info = appsmithServer(t, http.StatusOK, "v1.9.0") // wrong for both tags
	var deleted []string
	p.pods = func(ns, sel string) ([]Pod, error) {
		if len(deleted) > 0 {
			return readyOn("v1.9.2").pods(ns, sel)
		}
		return readyOn("v1.9.38").pods(ns, sel)
	}
	p.delete = func(_, name string) error { deleted = append(deleted, name); return nil }
	_, vals = values(t, "v1.9.38")
	_, err := h.UpgradeHop(ctx, ch, vals)
	if err == nil || !strings.Contains(err.Error(), "back on v1.9.2, but") || !strings.Contains(err.Error(), "/info says version v1.9.0") {
		t.Fatalf("hop and recovery both on a wrong /info: %v", err)
	}
}
