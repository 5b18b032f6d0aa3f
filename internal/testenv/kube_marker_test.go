package testenv

import (
	"context"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A plane with its own never-ready marker: the default marker means nothing
// there, a Deployment's rolling update to a marked tag leaves the old pod
// serving and the new one not Ready (the chart's autoscaling workload), and
// a Job's pod runs to completion (kwok's pod-complete stage).
func TestKubeMarkerDeploymentAndJob(t *testing.T) {
	k := StartKube(t, WithNeverReady("broken"))
	if k.NeverReady != "broken" {
		t.Fatalf("NeverReady = %q, want broken", k.NeverReady)
	}
	ns := k.Namespace(t)
	cs := kubeClient(t, k)
	ctx := t.Context()

	labels := map[string]string{"app": "web"}
	one := int32(1)
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "web", Image: "example/web:v1-" + NeverReadyTag,
				}}},
			},
		},
	}
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deployment := func(what string, ok func(s appsv1.DeploymentStatus) bool) {
		t.Helper()
		until(t, what, func(ctx context.Context) (bool, string, error) {
			d, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err.Error(), nil
			}
			s := d.Status
			seen := fmt.Sprintf("generation %d observed %d replicas %d updated %d ready %d unavailable %d",
				d.Generation, s.ObservedGeneration, s.Replicas, s.UpdatedReplicas, s.ReadyReplicas, s.UnavailableReplicas)
			return s.ObservedGeneration == d.Generation && ok(s), seen, nil
		})
	}
	deployment("the default marker to mean nothing on this plane", func(s appsv1.DeploymentStatus) bool {
		return s.ReadyReplicas == 1 && s.UpdatedReplicas == 1 && s.UnavailableReplicas == 0
	})

	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"example/web:v2-broken"}]}}}}`
	if _, err := cs.AppsV1().Deployments(ns).Patch(ctx, "web", types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	deployment("the rollout to stall on the broken pod with the old one serving", func(s appsv1.DeploymentStatus) bool {
		return s.Replicas == 2 && s.UpdatedReplicas == 1 && s.ReadyReplicas == 1 && s.UnavailableReplicas == 1
	})
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		broken := p.Spec.Containers[0].Image == "example/web:v2-broken"
		if podReady(&p) == broken || p.Status.Phase != corev1.PodRunning {
			t.Errorf("%s: want Running and Ready unless broken", describePod(&p))
		}
	}

	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "once"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "once", Image: "example/tool:v1"}},
		}}},
	}
	if _, err := cs.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	until(t, "the Job to complete", func(ctx context.Context) (bool, string, error) {
		j, err := cs.BatchV1().Jobs(ns).Get(ctx, "once", metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		for _, c := range j.Status.Conditions {
			if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("active %d succeeded %d failed %d", j.Status.Active, j.Status.Succeeded, j.Status.Failed), nil
	})
}
