package kube

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// A pod deleted before the StatefulSet's controller has seen the rolled
// back template comes back on the bad tag: WaitTemplate waits for both the
// template's tag and the observed generation.
func TestWaitTemplate(t *testing.T) {
	o := Defaults()
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "appsmith", Namespace: o.Namespace, Generation: 5,
			Labels: map[string]string{"app.kubernetes.io/name": "appsmith", "app.kubernetes.io/instance": o.Release}},
		Spec: appsv1.StatefulSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "appsmith", Image: "index.docker.io/appsmith/appsmith-ee:v1.9.2"}}}}},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: 4},
	}
	cs := fake.NewClientset(sts)
	a := &API{Client: cs, Poll: 10 * time.Millisecond}
	ctx := context.Background()
	if err := a.WaitTemplate(ctx, o.Namespace, o.PodSelector(), "v1.9.2", 50*time.Millisecond); err == nil {
		t.Error("WaitTemplate returned before the controller observed generation 5")
	}
	sts.Status.ObservedGeneration = 5
	if _, err := cs.AppsV1().StatefulSets(o.Namespace).UpdateStatus(ctx, sts, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := a.WaitTemplate(ctx, o.Namespace, o.PodSelector(), "v1.9.38", 50*time.Millisecond); err == nil {
		t.Error("WaitTemplate accepted a template on another tag")
	}
	if err := a.WaitTemplate(ctx, o.Namespace, o.PodSelector(), "v1.9.2", time.Second); err != nil {
		t.Errorf("observed and on the tag: %v", err)
	}
}
