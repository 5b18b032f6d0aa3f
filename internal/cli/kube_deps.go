//go:build !nokube

package cli

import (
	"time"

	"github.com/appsmith-install/appsmith-install/internal/kube"
)

// kubeConnector connects to the cluster of a Kubernetes target; tests give
// Deps.Kube one on Helm's memory driver and fake kube client.
type kubeConnector = func(o kube.Options, timeout time.Duration) (*kube.Helm, error)

func (d Deps) kube(o kube.Options, timeout time.Duration) (*kube.Helm, error) {
	if d.Kube != nil {
		return d.Kube(o, timeout)
	}
	return kube.Connect(o, timeout)
}
