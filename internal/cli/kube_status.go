//go:build !nokube

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// KubeStatus is `status --json` of a Kubernetes target.
type KubeStatus struct {
	Target string `json:"target"`
	Dir    string `json:"dir"`
	kube.Status
	// Pods and PodsReady count the release's pods and the Ready ones.
	Pods      int  `json:"pods"`
	PodsReady int  `json:"pods_ready"`
	Healthy   bool `json:"healthy"`
}

// kubeStatusRun: the release as Helm records it and its pods as the API
// server has them; healthy is a deployed release whose pods are all
// Ready (Helm's record alone stays "deployed" while a pod is down). The
// version from /info through the API server is not read yet.
func kubeStatusRun(opts *StatusOptions, s *state.State) error {
	k := s.Kubernetes
	ko := kube.Options{Kubeconfig: k.Kubeconfig, Context: k.Context, Namespace: k.Namespace, Release: k.Release, Chart: k.Chart, ValuesFiles: k.Values}
	h, err := opts.Deps.kube(ko, 0)
	if err != nil {
		return engine.Errorf(engine.ExitFailure, "check the kubeconfig "+s.Dir+"/appsmith.yaml names", "connecting to the cluster: %v", err)
	}
	st, err := h.Status()
	if err != nil {
		return engine.Errorf(engine.ExitNotFound, "", "%v", err)
	}
	ks := KubeStatus{Target: state.TargetKubernetes, Dir: s.Dir, Status: *st}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	pods, err := h.Cluster.Pods(ctx, ko.Namespace, ko.PodSelector())
	cancel()
	if err != nil {
		ks.Warnings = append(ks.Warnings, fmt.Sprintf("listing the pods: %v", err))
	}
	for _, p := range pods {
		ks.Pods++
		if p.Ready {
			ks.PodsReady++
		}
	}
	ks.Healthy = st.State == "deployed" && err == nil && ks.Pods > 0 && ks.PodsReady == ks.Pods
	if opts.JSON {
		if err := printJSON(opts.IO, ks); err != nil {
			return err
		}
	} else {
		w := opts.IO.Out
		fmt.Fprintf(w, "Appsmith on Kubernetes: release %s in namespace %s (%s)\n", st.Release, st.Namespace, s.Dir)
		fmt.Fprintf(w, "  revision %d, %s, chart %s\n", st.Revision, st.State, st.Chart)
		auto := "off"
		if st.AutoUpdate {
			auto = "ON"
		}
		fmt.Fprintf(w, "  image tag %s, chart auto-update %s\n", st.ImageTag, auto)
		fmt.Fprintf(w, "  pods Ready %d/%d\n", ks.PodsReady, ks.Pods)
		for _, warn := range ks.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", warn)
		}
	}
	if !ks.Healthy {
		return exitSilently(engine.ExitNotReady)
	}
	return nil
}

// kubeUninstallRun removes the Helm release. The data claim and the
// Secret with the encryption keys stay (Helm never deletes a
// StatefulSet's claims; the Secret is not the release's); the record goes,
// so the dir no longer names the release.
func kubeUninstallRun(opts *UninstallOptions, s *state.State) error {
	if opts.Purge {
		return engine.UsageError("--purge is for host installs: on Kubernetes the data claim %s and the Secret %s are deleted with kubectl, on purpose",
			kube.DataPVC(s.Kubernetes.Release), s.Kubernetes.Release+"-appsmith-secrets")
	}
	k := s.Kubernetes
	ko := kube.Options{Kubeconfig: k.Kubeconfig, Context: k.Context, Namespace: k.Namespace, Release: k.Release}
	h, err := opts.Deps.kube(ko, 0)
	if err != nil {
		return engine.Errorf(engine.ExitFailure, "check the kubeconfig "+s.Dir+"/appsmith.yaml names", "connecting to the cluster: %v", err)
	}
	res, err := h.Uninstall()
	if err != nil {
		return engine.Errorf(engine.ExitFailure, "", "%v", err)
	}
	if err := os.Remove(state.Path(s.Dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	fmt.Fprintf(opts.IO.Err, "Release %s is uninstalled from namespace %s.\n", res.Release, k.Namespace)
	fmt.Fprintf(opts.IO.Err, "  kept: the data claim %s (Helm never deletes it) and the Secret %s with the encryption keys;\n", res.KeptPVC, ko.SecretName())
	fmt.Fprintf(opts.IO.Err, "  a later install into the namespace reuses both. Delete them with kubectl only when the data are no longer wanted.\n")
	return nil
}
