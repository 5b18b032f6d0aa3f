package kube

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Options say where and how the chart is installed: the cluster
// (kubeconfig, context), the namespace and release, the chart, and the
// user's own values files. Field names in the `opt` tag are the flags.
type Options struct {
	Kubeconfig  string   `opt:"kubeconfig" yaml:"kubeconfig,omitempty"`
	Context     string   `opt:"context" yaml:"context,omitempty"`
	Namespace   string   `opt:"namespace" yaml:"namespace"`
	Release     string   `opt:"release" yaml:"release"`
	Chart       string   `opt:"chart" yaml:"chart,omitempty"` // a directory, a .tgz, or an oci:// reference
	ValuesFiles []string `opt:"values" yaml:"values,omitempty"`
}

// Defaults are the options of a plain `--target kubernetes`. There is no
// default chart: the project's stand-in chart is for tests only, and the
// official one is named by the user (a path or an OCI reference).
func Defaults() Options {
	return Options{Namespace: state.DefaultKubeNamespace, Release: state.DefaultKubeRelease}
}

// FieldError is a bad option value; Field is the flag's name.
type FieldError struct{ Field, Value, Reason string }

func (e *FieldError) Error() string {
	return fmt.Sprintf("invalid --%s %q: %s", e.Field, e.Value, e.Reason)
}

// dns1123 is what Kubernetes accepts as a namespace name (and Helm as a
// release name, which also names the chart's objects).
var dns1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Normalize checks o and returns it with paths made absolute.
func (o Options) Normalize() (Options, error) {
	if o.Namespace == "" {
		o.Namespace = "appsmith"
	}
	if o.Release == "" {
		o.Release = "appsmith"
	}
	if len(o.Namespace) > 63 || !dns1123.MatchString(o.Namespace) {
		return o, &FieldError{"namespace", o.Namespace, "want lower-case letters, digits and '-' (63 at most), as Kubernetes names namespaces"}
	}
	// Helm refuses release names over 53 characters: the chart appends
	// suffixes to it for the objects it names.
	if len(o.Release) > 53 || !dns1123.MatchString(o.Release) {
		return o, &FieldError{"release", o.Release, "want lower-case letters, digits and '-' (53 at most), as Helm names releases"}
	}
	// The chart names its StatefulSet after the release; Kubernetes labels
	// each pod controller-revision-hash=<name>-<hash>, at most 63
	// characters, so past 52 the StatefulSet can make no pod at all
	// (kubernetes#64023).
	if n := len(Fullname(o.Release)); n > 52 {
		return o, &FieldError{"release", o.Release, fmt.Sprintf("the chart names its StatefulSet %s (%d characters), and Kubernetes makes no pod for one named past 52: use a shorter name", Fullname(o.Release), n)}
	}
	if strings.Contains(o.Chart, "://") && !strings.HasPrefix(o.Chart, "oci://") {
		return o, &FieldError{"chart", o.Chart, "want a directory, a .tgz or an oci:// reference (for a chart repository, `helm pull appsmith/appsmith` gets the .tgz)"}
	}
	abs := func(p string) string {
		if p == "" {
			return p
		}
		a, err := filepath.Abs(p)
		if err != nil {
			return p
		}
		return a
	}
	o.Kubeconfig = abs(o.Kubeconfig)
	if o.Chart != "" && !strings.HasPrefix(o.Chart, "oci://") {
		o.Chart = abs(o.Chart)
	}
	vf := make([]string, len(o.ValuesFiles))
	for i, f := range o.ValuesFiles {
		vf[i] = abs(f)
	}
	o.ValuesFiles = vf
	return o, nil
}

// SecretName is the Kubernetes Secret the tool creates once for the
// release's secrets (the chart's secretName): the encryption password and
// salt, and database URLs that carry a password.
func (o Options) SecretName() string { return o.Release + "-appsmith-secrets" }

// TLSSecretName is the kubernetes.io/tls Secret the ingress serves: made
// by cert-manager (--tls letsencrypt) or by the tool from --cert/--key.
func (o Options) TLSSecretName() string { return o.Release + "-appsmith-tls" }

// Fullname is the chart's appsmith.fullname: the release name when it
// holds "appsmith", else "<release>-appsmith".
func Fullname(release string) string {
	if strings.Contains(release, "appsmith") {
		return release
	}
	return release + "-appsmith"
}

// DataPVC is the claim the StatefulSet's volumeClaimTemplates make for its
// first pod: the one holding /appsmith-stacks.
func DataPVC(release string) string { return "data-" + Fullname(release) + "-0" }

// PodSelector selects the release's Appsmith pods and workloads: the
// chart's selector labels, both of them. The instance label alone also
// matches the subcharts' (Bitnami's Redis, MongoDB and PostgreSQL label
// theirs with the release too), whose pods never run the Appsmith tag.
func (o Options) PodSelector() string {
	return "app.kubernetes.io/name=" + ChartName + ",app.kubernetes.io/instance=" + o.Release
}

// ChartName is the official chart's name, which its appsmith.name (the
// selector's name label) is without a nameOverride (LoadUserValues
// refuses one).
const ChartName = "appsmith"
