package testenv

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// The package's tests share one control plane (and so exercise KubeMain).
func TestMain(m *testing.M) { os.Exit(KubeMain(m)) }

func kubeClient(t *testing.T, k *Kube) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", k.Kubeconfig)
	if err != nil {
		t.Fatalf("kubeconfig %s: %v", k.Kubeconfig, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// until polls cond until it holds; the bound is generous (a busy machine),
// and a miss reports what was last seen.
func until(t *testing.T, what string, cond func(ctx context.Context) (bool, string, error)) {
	t.Helper()
	var last string
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 2*time.Minute, true,
		func(ctx context.Context) (bool, error) {
			ok, seen, err := cond(ctx)
			last = seen
			return ok, err
		})
	if err != nil {
		t.Fatalf("waiting for %s: %v (last seen: %s)", what, err, last)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func describePod(p *corev1.Pod) string {
	return fmt.Sprintf("pod %s uid %s image %s phase %s ready %v", p.Name, p.UID, p.Spec.Containers[0].Image, p.Status.Phase, podReady(p))
}

// A StatefulSet on the plane behaves as the Appsmith chart's does on a real
// cluster: its claim is provisioned and bound, a good tag becomes Ready, a
// never-ready tag does not, the StatefulSet then waits for the bad pod even
// after the tag is set back (the trap the Kubernetes target's recovery
// handles), and deleting that pod brings it back Ready on the same claim.
func TestKubeStatefulSetReadinessByTag(t *testing.T) {
	k := StartKube(t)
	ns := k.Namespace(t)
	cs := kubeClient(t, k)
	ctx := t.Context()

	// Helm reads the server's version for charts' kubeVersion constraints:
	// kube-tools.sh stamps the release into the binaries.
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.Major != "1" || v.Minor != "34" || !strings.HasPrefix(v.GitVersion, "v1.34.") {
		t.Errorf("server version %+v, want 1.34 (v1.34.x)", v)
	}

	const good, bad = "appsmith/appsmith-ce:v1.9.1", "appsmith/appsmith-ce:v1.9.2-" + NeverReadyTag
	labels := map[string]string{"app": "appsmith"}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "appsmith", Labels: labels},
		Spec: appsv1.StatefulSetSpec{
			ServiceName: "appsmith",
			Selector:    &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "appsmith", Image: good,
					VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/appsmith-stacks"}},
				}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
					},
				},
			}},
		},
	}
	if _, err := cs.AppsV1().StatefulSets(ns).Create(ctx, sts, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// pod waits for appsmith-0 to be a pod other than not (by UID), on image,
	// with the given readiness, and returns it.
	pod := func(not types.UID, image string, ready bool) *corev1.Pod {
		t.Helper()
		var got *corev1.Pod
		until(t, fmt.Sprintf("appsmith-0 on %s, ready=%v", image, ready), func(ctx context.Context) (bool, string, error) {
			p, err := cs.CoreV1().Pods(ns).Get(ctx, "appsmith-0", metav1.GetOptions{})
			if err != nil {
				return false, err.Error(), nil
			}
			got = p
			return p.UID != not && p.Spec.Containers[0].Image == image && p.Status.Phase == corev1.PodRunning &&
				podReady(p) == ready, describePod(p), nil
		})
		return got
	}

	first := pod("", good, true)
	if first.Spec.NodeName != KubeNodeName {
		t.Errorf("appsmith-0 scheduled on %q, want %q", first.Spec.NodeName, KubeNodeName)
	}
	var claim *corev1.PersistentVolumeClaim
	until(t, "claim data-appsmith-0 Bound", func(ctx context.Context) (bool, string, error) {
		c, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-appsmith-0", metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		claim = c
		return c.Status.Phase == corev1.ClaimBound, string(c.Status.Phase), nil
	})
	pv, err := cs.CoreV1().PersistentVolumes().Get(ctx, claim.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pv.Spec.HostPath == nil || !strings.HasPrefix(pv.Spec.HostPath.Path, hostPathPVDir) {
		t.Errorf("volume %s: want a hostPath under %s, got %+v", pv.Name, hostPathPVDir, pv.Spec.PersistentVolumeSource)
	}
	if got := ptrValue(claim.Spec.StorageClassName); got != KubeStorageClass {
		t.Errorf("claim's storage class %q, want the default %q", got, KubeStorageClass)
	}

	setImage := func(image string) int64 {
		t.Helper()
		patch := fmt.Sprintf(`{"spec":{"template":{"spec":{"containers":[{"name":"appsmith","image":%q}]}}}}`, image)
		s, err := cs.AppsV1().StatefulSets(ns).Patch(ctx, "appsmith", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
		if err != nil {
			t.Fatalf("set image %s: %v", image, err)
		}
		return s.Generation
	}

	setImage(bad)
	broken := pod(first.UID, bad, false)
	if broken.Status.Phase != corev1.PodRunning || len(broken.Status.ContainerStatuses) != 1 || broken.Status.ContainerStatuses[0].Ready {
		t.Errorf("the never-ready pod: want Running with its container not ready, got %s %+v", broken.Status.Phase, broken.Status.ContainerStatuses)
	}

	// Back to the good tag: once the controller has seen that revision it
	// still leaves the broken pod in place.
	gen := setImage(good)
	until(t, "the StatefulSet controller to observe the revert", func(ctx context.Context) (bool, string, error) {
		s, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "appsmith", metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		return s.Status.ObservedGeneration >= gen, fmt.Sprintf("observed generation %d of %d", s.Status.ObservedGeneration, gen), nil
	})
	still, err := cs.CoreV1().Pods(ns).Get(ctx, "appsmith-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if still.UID != broken.UID || podReady(still) {
		t.Errorf("after the revert: want the StatefulSet to wait on the broken pod %s, got %s", broken.UID, describePod(still))
	}

	if err := cs.CoreV1().Pods(ns).Delete(ctx, "appsmith-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	pod(broken.UID, good, true)
	again, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-appsmith-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.UID != claim.UID || again.Spec.VolumeName != claim.Spec.VolumeName || again.Status.Phase != corev1.ClaimBound {
		t.Errorf("the claim changed across the pods: was %s on %s, now %s on %s (%s)", claim.UID, claim.Spec.VolumeName, again.UID, again.Spec.VolumeName, again.Status.Phase)
	}
}

func ptrValue[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		`/tmp/a`:             `/tmp/a`,
		`/tmp/with\040space`: `/tmp/with space`,
		`/tmp/tab\011x\134y`: "/tmp/tab\tx\\y",
		`/tmp/short\04`:      `/tmp/short\04`,
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}
