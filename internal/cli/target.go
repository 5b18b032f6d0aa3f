package cli

import (
	"github.com/spf13/pflag"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// This file is the part of the Kubernetes target every build has: its
// flags and where a command learns that an install is one. What acts on a
// cluster is in kube*.go, which a build with the nokube tag leaves out
// (kube_companion.go).

// Targets an install can have.
const (
	targetHost       = "host"
	targetKubernetes = state.TargetKubernetes
)

// targetFlags are the flags addTargetFlags adds.
var targetFlags = map[string]bool{"target": true, "kubeconfig": true, "context": true, "namespace": true, "release": true, "chart": true, "values": true, "json": true}

// addTargetFlags adds --target and the Kubernetes target's flags to install.
func addTargetFlags(fs *pflag.FlagSet) {
	fs.String("target", "", "where Appsmith runs: host (this machine's Docker engine) or kubernetes (Appsmith's Helm chart); default: what the install dir records, else host")
	fs.String("kubeconfig", "", "--target kubernetes: kubeconfig file (default $KUBECONFIG, then ~/.kube/config)")
	fs.String("context", "", "--target kubernetes: kubeconfig context (default the current one)")
	fs.String("namespace", state.DefaultKubeNamespace, "--target kubernetes: namespace of the release (created when missing)")
	fs.String("release", state.DefaultKubeRelease, "--target kubernetes: Helm release name")
	fs.String("chart", "", "--target kubernetes: Appsmith's Helm chart, a directory or .tgz (needed to install; --plan without it shows the values of the chart's 3.8 line)")
	fs.StringArray("values", nil, "--target kubernetes: your own values file (repeatable, later wins); the tool's keys win over it")
	fs.Bool("json", false, "with --target kubernetes --plan: print the plan as JSON")
}

// targetOf says where the install goes: --target, APPSMITH_INSTALL_TARGET,
// what the install dir records, else the host.
func targetOf(fl *InstallOptions, s *state.State) (string, error) {
	t, src := "", ""
	if fl.Flags != nil {
		if f := fl.Flags.Lookup("target"); f != nil && f.Changed {
			t, src = f.Value.String(), "--target"
		}
	}
	if t == "" && fl.IO.Getenv != nil {
		if v := fl.IO.Getenv("APPSMITH_INSTALL_TARGET"); v != "" {
			t, src = v, "APPSMITH_INSTALL_TARGET"
		}
	}
	if t == "" && s != nil && s.Target != "" {
		return s.Target, nil
	}
	switch t {
	case "", targetHost:
		return targetHost, nil
	case targetKubernetes:
		return t, nil
	}
	return "", engine.UsageError("invalid %s %q: want host or kubernetes", src, t)
}

// hostOnly are install flags that mean nothing to a Helm release.
var hostOnly = []string{"image", "container-name", "http-port", "https-port", "bind-address", "allow-non-empty-dir", "bundle", "trusted-key"}

func lookup(fs *pflag.FlagSet, name string) *pflag.Flag {
	if fs == nil {
		return nil
	}
	return fs.Lookup(name)
}

// kubeRecord is the record of the install dir the user named (or the
// default one) when it is a Kubernetes target; nil otherwise.
func kubeRecord(ro *rootOpts, stdio IO) *state.State {
	dir, _, err := ro.givenDir(stdio)
	if err != nil {
		return nil
	}
	if dir == "" {
		dir = hint.DefaultDir
	}
	s, err := state.Load(dir)
	if err != nil || s.Target != state.TargetKubernetes || s.Kubernetes == nil {
		return nil
	}
	return s
}
