package cli

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/appsmith-install/appsmith-install/install"
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
	fs.String("chart", "", "--target kubernetes: Appsmith's Helm chart, a directory, a .tgz or oci://host/path/appsmith[:version] (kept in the install dir; needed to install; --plan without it shows the values of the chart's 3.8 line)")
	fs.StringArray("values", nil, "--target kubernetes: your own values file (repeatable, later wins); the tool's keys win over it")
	fs.Bool("json", false, "with --target kubernetes --plan: print the plan as JSON")
}

// targetConfigKeys are install.yaml's keys of the target and its settings
// (the flags addTargetFlags adds, but --json): the install's loader leaves
// them to the Kubernetes target's (kubeOptions) and to targetOf.
var targetConfigKeys = keySet(targetKeys)

// targetKeys in the order the configuration reference lists them.
var targetKeys = []string{"target", "kubeconfig", "context", "namespace", "release", "chart", "values"}

func keySet(keys []string) map[string]bool {
	m := map[string]bool{}
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// installConfigKeys are install.yaml's keys of the install's own options.
func installConfigKeys() map[string]bool {
	return keySet(newLoader(install.Defaults()).knownKeys())
}

// configKeys reads the top-level keys of a config file (nil when it is
// not a YAML mapping: the install's loader says what is wrong with it).
func configKeys(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, engine.UsageError("--config %s: %v", path, err)
	}
	var m map[string]any
	if yaml.Unmarshal(data, &m) != nil {
		return nil, nil
	}
	return m, nil
}

// configTarget is the target key of a config file ("" when absent).
func configTarget(path string) (string, error) {
	m, err := configKeys(path)
	if err != nil || m["target"] == nil {
		return "", err
	}
	s, ok := m["target"].(string)
	if !ok {
		return "", engine.UsageError("%s: target must be host or kubernetes", path)
	}
	return s, nil
}

// hostConfigChecks refuses a config file of a host install that sets the
// Kubernetes target's settings, as the flags are refused: a namespace in
// install.yaml without `target: kubernetes` is a mistake, not a no-op.
func hostConfigChecks(path string) error {
	if path == "" {
		return nil
	}
	m, err := configKeys(path)
	if err != nil {
		return err
	}
	for _, k := range targetKeys[1:] {
		if _, ok := m[k]; ok {
			return engine.UsageError("%s: %s is for target: kubernetes", path, k)
		}
	}
	return nil
}

// targetOf says where the install goes: --target, APPSMITH_INSTALL_TARGET,
// the target key of --config, what the install dir records, else the host.
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
	if t == "" && fl.Config != "" {
		v, err := configTarget(fl.Config)
		if err != nil {
			return "", err
		}
		if v != "" {
			t, src = v, "target in "+fl.Config
		}
	}
	if t == "" && s != nil && s.Target != "" {
		return s.Target, nil
	}
	switch t {
	case "", targetHost:
		t = targetHost
	case targetKubernetes:
	default:
		return "", engine.UsageError("invalid %s %q: want host or kubernetes", src, t)
	}
	// An install dir holds one instance: installing the other kind over
	// its record would rewrite it and leave the running one unmanaged.
	if s != nil && src != "" {
		switch was := recordedTarget(s); {
		case was == targetHost && t == targetKubernetes:
			return "", engine.Errorf(engine.ExitUsage, "install on Kubernetes into another --dir; `"+hint.Appsmith(s.Dir, "status")+"` shows the host install",
				"%s kubernetes: %s records a host install (container %s); one install dir holds one instance", src, state.Path(s.Dir), s.Container)
		case was == targetKubernetes && t == targetHost:
			k := s.Kubernetes
			return "", engine.Errorf(engine.ExitUsage, "install on this host into another --dir; `"+hint.Appsmith(s.Dir, "status")+"` shows the release",
				"%s host: %s records a Kubernetes install (release %s in namespace %s); one install dir holds one instance", src, state.Path(s.Dir), k.Release, k.Namespace)
		}
	}
	return t, nil
}

// recordedTarget is the target an install dir's record names.
func recordedTarget(s *state.State) string {
	if s.Target == targetKubernetes && s.Kubernetes != nil {
		return targetKubernetes
	}
	return targetHost
}

// hostOnly are install flags that mean nothing to a Helm release.
var hostOnly = []string{"image", "container-name", "http-port", "https-port", "bind-address", "allow-non-empty-dir", "bundle", "trusted-key"}

func lookup(fs *pflag.FlagSet, name string) *pflag.Flag {
	if fs == nil {
		return nil
	}
	return fs.Lookup(name)
}

// kubeTarget are the day-two commands' --target and Kubernetes flags
// (status, upgrade, rollback, backup, restore, uninstall): "" = not given,
// the install dir's record decides.
type kubeTarget struct {
	target, kubeconfig, context, namespace, release string
}

// addDayTwoTargetFlags lets `appsmith --target kubernetes [--namespace N]
// [--release R] status` name what the install dir records; they are
// checked against the record, never used to switch to another release.
func addDayTwoTargetFlags(cmd *cobra.Command, ro *rootOpts) {
	fs := cmd.Flags()
	fs.StringVar(&ro.kt.target, "target", "", "host or kubernetes: checked against what the install dir records (default: what it records)")
	fs.StringVar(&ro.kt.kubeconfig, "kubeconfig", "", "Kubernetes install: the kubeconfig to reach its cluster with now (default: the recorded one)")
	fs.StringVar(&ro.kt.context, "context", "", "Kubernetes install: the kubeconfig context (default: the recorded one)")
	fs.StringVar(&ro.kt.namespace, "namespace", "", "Kubernetes install: its namespace, checked against the record")
	fs.StringVar(&ro.kt.release, "release", "", "Kubernetes install: its Helm release, checked against the record")
}

// kubeRecord is the record of the install dir the user named (or the
// default one) when it is a Kubernetes target; nil for a host install.
// The day-two target flags must agree with the record: one install dir
// holds one instance, and naming another is a mistake, not a switch.
func kubeRecord(ro *rootOpts, stdio IO) (*state.State, error) {
	kt := ro.kt
	switch kt.target {
	case "", targetHost, targetKubernetes:
	default:
		return nil, engine.UsageError("invalid --target %q: want host or kubernetes", kt.target)
	}
	dir, _, err := ro.givenDir(stdio)
	if err != nil {
		return nil, nil // the host path says what is wrong with it
	}
	if dir == "" {
		dir = hint.DefaultDir
	}
	s, err := state.Load(dir)
	if err != nil {
		s = nil
	}
	if s == nil || recordedTarget(s) != targetKubernetes {
		if kt.target == targetKubernetes {
			if s != nil {
				return nil, engine.UsageError("--target kubernetes: %s records a host install (container %s)", state.Path(dir), s.Container)
			}
			return nil, engine.Errorf(engine.ExitNotFound, "`"+hint.Install(dir, "--target kubernetes --chart CHART --yes")+"` installs one",
				"--target kubernetes: %s records no install", dir)
		}
		for name, v := range map[string]string{"kubeconfig": kt.kubeconfig, "context": kt.context, "namespace": kt.namespace, "release": kt.release} {
			if v != "" {
				return nil, engine.UsageError("--%s is for a Kubernetes install, and %s records none", name, dir)
			}
		}
		return nil, nil
	}
	k := s.Kubernetes
	if kt.target == targetHost {
		return nil, engine.UsageError("--target host: %s records a Kubernetes install (release %s in namespace %s)", state.Path(dir), k.Release, k.Namespace)
	}
	for _, c := range []struct{ flag, given, recorded string }{{"namespace", kt.namespace, k.Namespace}, {"release", kt.release, k.Release}} {
		if c.given != "" && c.given != c.recorded {
			return nil, engine.UsageError("--%s %s: %s records release %s in namespace %s; one install dir holds one release (name another with --dir)",
				c.flag, c.given, state.Path(dir), k.Release, k.Namespace)
		}
	}
	// The cluster may be reached another way now (a moved kubeconfig):
	// what the command then records keeps the way that worked.
	if kt.kubeconfig != "" {
		if abs, err := filepath.Abs(kt.kubeconfig); err == nil {
			k.Kubeconfig = abs
		}
	}
	if kt.context != "" {
		k.Context = kt.context
	}
	return s, nil
}
