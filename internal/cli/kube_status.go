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
	// Pods and PodsReady count the release's pods and the Ready ones;
	// PodsDesired is what its workloads (or their HPA) want.
	Pods        int `json:"pods"`
	PodsReady   int `json:"pods_ready"`
	PodsDesired int `json:"pods_desired"`
	// Version is what a Ready pod's /info reports through the API server,
	// "unknown" when it could not be read (VersionProblem says why).
	Version        string `json:"version"`
	VersionProblem string `json:"version_problem,omitempty"`
	Healthy        bool   `json:"healthy"`
	// Unfinished are operations a killed run left (an upgrade's journal),
	// each with the command that finishes or undoes it.
	Unfinished []Unfinished `json:"unfinished,omitempty"`
}

// replicaCounter says how many pods the release's workloads want.
type replicaCounter interface {
	Desired(ctx context.Context, ns, selector string) (int, error)
}

var _ replicaCounter = (*kube.API)(nil)

// infoTimeout bounds status's look at /info: status answers fast, and says
// "unknown" rather than wait for a pod that does not answer.
const infoTimeout = 10 * time.Second

// kubeStatusRun: the release as Helm records it, its pods as the API
// server has them, and the version a Ready pod's /info reports; healthy
// is a deployed release with every desired pod Ready and /info on the
// release's tag (Helm's record alone stays "deployed" while a pod is
// down or runs something else).
func kubeStatusRun(opts *StatusOptions, s *state.State) error {
	ko := recordedKube(s)
	h, err := opts.Deps.kube(ko, 0)
	if err != nil {
		err = engine.Errorf(engine.ExitFailure, kubeconfigHint(ko), "connecting to the cluster: %v", err)
		return kubeStatusUnknown(opts, s, "unknown", err)
	}
	st, err := h.Status()
	if err != nil {
		seen := "unknown" // the cluster did not answer
		if kube.ReleaseMissing(err) {
			seen = "missing" // the record is; Helm's release is not
		}
		return kubeStatusUnknown(opts, s, seen, kubeReleaseErr(s, err))
	}
	ks := KubeStatus{Target: state.TargetKubernetes, Dir: s.Dir, Status: *st, Version: "unknown"}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pods, err := h.Cluster.Pods(ctx, ko.Namespace, ko.PodSelector())
	if err != nil {
		ks.Warnings = append(ks.Warnings, fmt.Sprintf("listing the pods: %v", err))
	}
	for _, p := range pods {
		ks.Pods++
		if p.Ready {
			ks.PodsReady++
		}
	}
	desiredOK := false
	if d, ok := h.Cluster.(replicaCounter); ok {
		n, derr := d.Desired(ctx, ko.Namespace, ko.PodSelector())
		if derr != nil {
			ks.Warnings = append(ks.Warnings, fmt.Sprintf("reading the workloads' replicas: %v", derr))
		} else {
			ks.PodsDesired, desiredOK = n, true
		}
	}
	if !desiredOK {
		ks.PodsDesired = ks.Pods
	}
	ks.Version, ks.VersionProblem = podVersion(ctx, h, ko, pods)
	if ks.VersionProblem == "" && ks.Version != st.ImageTag {
		ks.Warnings = append(ks.Warnings, fmt.Sprintf("/info says version %s, but the release pins the image tag %s", ks.Version, st.ImageTag))
	}
	ks.Unfinished = unfinished(s.Dir)
	ks.Healthy = st.State == "deployed" && err == nil && ks.PodsDesired > 0 && ks.PodsReady >= ks.PodsDesired &&
		ks.Version == st.ImageTag && len(ks.Unfinished) == 0
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
		fmt.Fprintf(w, "  pods Ready %d/%d\n", ks.PodsReady, ks.PodsDesired)
		if ks.VersionProblem != "" {
			fmt.Fprintf(w, "  version (/info) unknown: %s\n", ks.VersionProblem)
		} else {
			fmt.Fprintf(w, "  version (/info) %s\n", ks.Version)
		}
		for _, u := range ks.Unfinished {
			fmt.Fprintf(w, "  unfinished: %s, begun %s, stopped at %s: `%s` finishes or undoes it\n", u.Operation, u.Began.Local().Format(time.DateTime), orDash(u.Step), u.Fix)
		}
		for _, warn := range ks.Warnings {
			fmt.Fprintf(w, "  warning: %s\n", warn)
		}
	}
	if !ks.Healthy {
		return exitSilentlyBecause(engine.ExitNotReady, fmt.Sprintf("the release is not healthy: %s, pods Ready %d/%d, version %s (the status on stdout says more)", st.State, ks.PodsReady, ks.PodsDesired, ks.Version))
	}
	return nil
}

// kubeStatusUnknown ends a status that could not read the release: with
// --json still one object (state "unknown": the cluster did not answer;
// "missing": Helm has no such release), with the unfinished operations
// the install dir knows of; then the error, whose exit code says which.
func kubeStatusUnknown(opts *StatusOptions, s *state.State, st string, err error) error {
	if !opts.JSON {
		return err
	}
	k := s.Kubernetes
	ks := KubeStatus{Target: state.TargetKubernetes, Dir: s.Dir, Version: "unknown", VersionProblem: err.Error(),
		Status:     kube.Status{Release: k.Release, Namespace: k.Namespace, Revision: k.Revision, State: st},
		Unfinished: unfinished(s.Dir)}
	if perr := printJSON(opts.IO, ks); perr != nil {
		return perr
	}
	return err
}

// podVersion is what the first Ready pod's /info reports, or "unknown"
// and why.
func podVersion(ctx context.Context, h *kube.Helm, ko kube.Options, pods []kube.Pod) (string, string) {
	if h.Info == nil {
		return "unknown", "no way to reach the pods through the API server"
	}
	for _, p := range pods {
		if !p.Ready {
			continue
		}
		ictx, cancel := context.WithTimeout(ctx, infoTimeout)
		info, err := h.Info.PodInfo(ictx, ko.Namespace, p, "")
		cancel()
		if err != nil {
			return "unknown", fmt.Sprintf("pod %s did not answer /api/v1/health and /info through the API server within %s: %v", p.Name, infoTimeout, err)
		}
		return info.Version, ""
	}
	return "unknown", "no Ready pod to ask"
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
	ko := recordedKube(s)
	h, err := kubeConnect(opts.Deps, s, 0)
	if err != nil {
		return err
	}
	// An interrupted restore is undone first; an interrupted upgrade
	// refuses: its `--resume` needs the release.
	unlock, err := lockRecovered(context.Background(), opts.IO, opts.Root, s, h)
	if err != nil {
		return err
	}
	defer unlock()
	res, err := h.Uninstall()
	if err != nil {
		return engine.Errorf(engine.ExitFailure, kubeconfigHint(ko), "%v", err)
	}
	if res.Missing && !s.Installing() {
		// A release that was installed is not where the record says: the
		// kubeconfig may now name another cluster (its current context
		// moved). Forgetting it would leave the real one unmanaged.
		return engine.Errorf(engine.ExitNotFound, missingReleaseHint(s),
			"Helm has no release %s in namespace %s on the cluster asked, though %s records it installed: nothing was removed", res.Release, k.Namespace, state.Path(s.Dir))
	}
	if err := os.Remove(state.Path(s.Dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if res.Missing {
		// A first install that failed before Helm recorded anything: the
		// record alone goes.
		fmt.Fprintf(opts.IO.Err, "Release %s is not in namespace %s (the first install never got that far): %s is removed.\n", res.Release, k.Namespace, state.Path(s.Dir))
		fmt.Fprintf(opts.IO.Err, "  if they exist, the data claim %s and the Secret %s stay; delete them with kubectl only when the data are no longer wanted.\n", res.KeptPVC, ko.SecretName())
		return nil
	}
	fmt.Fprintf(opts.IO.Err, "Release %s is uninstalled from namespace %s.\n", res.Release, k.Namespace)
	fmt.Fprintf(opts.IO.Err, "  kept: the data claim %s (Helm never deletes it) and the Secret %s with the encryption keys;\n", res.KeptPVC, ko.SecretName())
	fmt.Fprintf(opts.IO.Err, "  a later install into the namespace reuses both. Delete them with kubectl only when the data are no longer wanted.\n")
	return nil
}
