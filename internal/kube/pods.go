package kube

import (
	"context"
	"time"
)

// Pod is what the recovery needs to know of a pod.
type Pod struct {
	Name  string
	Image string // the appsmith container's image
	// Container is the appsmith container's name (what exec names).
	Container string
	Ready     bool
	// Port is the appsmith container's HTTP port (HTTPPort).
	Port int
}

// PodOps are the pod calls of the recovery after a bad hop.
type PodOps interface {
	Pods(ctx context.Context, ns, selector string) ([]Pod, error)
	DeletePod(ctx context.Context, ns, name string) error
	// WaitTemplate waits until the workload whose pods match selector has
	// seen its template run tag (status.observedGeneration caught up): a pod
	// deleted before that is made again from the bad template.
	WaitTemplate(ctx context.Context, ns, selector, tag string, timeout time.Duration) error
	// WaitReady waits until a pod matching selector runs tag and is Ready.
	WaitReady(ctx context.Context, ns, selector, tag string, timeout time.Duration) error
}
