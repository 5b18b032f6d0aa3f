//go:build !nokube

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"sigs.k8s.io/yaml"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// kubeOptions merges the Kubernetes target's options: defaults < what the
// install dir records < APPSMITH_INSTALL_* < flags.
func kubeOptions(fl *InstallOptions, s *state.State) (kube.Options, error) {
	d := kube.Defaults()
	if s != nil && s.Kubernetes != nil {
		k := s.Kubernetes
		d = kube.Options{Kubeconfig: k.Kubeconfig, Context: k.Context, Namespace: k.Namespace, Release: k.Release, Chart: k.Chart, ValuesFiles: k.Values}
	}
	l := newOptLoader(d, "APPSMITH_INSTALL_")
	if fl.Config != "" {
		l.others = installConfigKeys()
		l.others["target"] = true
		if err := l.fromFile(fl.Config); err != nil {
			return kube.Options{}, err
		}
	}
	if err := l.fromEnv(fl.IO.Getenv); err != nil {
		return kube.Options{}, err
	}
	if fl.Flags != nil {
		if err := l.fromFlags(fl.Flags); err != nil {
			return kube.Options{}, err
		}
	}
	o, err := l.opts.Normalize()
	var fe *kube.FieldError
	if errors.As(err, &fe) {
		src := l.sources[fe.Field]
		if src == "" {
			src = "--" + fe.Field
		}
		return o, engine.UsageError("invalid %s %q: %s", src, fe.Value, fe.Reason)
	}
	return o, err
}

// KubePlan is what `--target kubernetes --plan` shows (and --json prints).
type KubePlan struct {
	Target          string      `json:"target"`
	ClusterLookedAt bool        `json:"cluster_looked_at"`
	Release         string      `json:"release"`
	Namespace       string      `json:"namespace"`
	Chart           string      `json:"chart,omitempty"`
	ChartVersion    string      `json:"chart_version,omitempty"`
	ChartSource     string      `json:"chart_source,omitempty"` // an oci:// chart, exactly as pulled
	Line            string      `json:"mapping_line"`
	Version         string      `json:"version"`
	Image           string      `json:"image"`
	Steps           []string    `json:"steps"`
	SecretKeys      []string    `json:"secret_keys"`
	Objects         []string    `json:"objects,omitempty"` // kind/name the chart renders
	Overridden      []string    `json:"overridden,omitempty"`
	Notes           []string    `json:"notes,omitempty"`
	Values          kube.Values `json:"values"`
}

// kubeInstallRun installs (or plans) Appsmith as a Helm release.
func kubeInstallRun(ctx context.Context, fl *InstallOptions, mode progress.Mode, o install.Options, tlsm *install.TLSMaterial, s *state.State) error {
	stdio, deps := fl.IO, fl.Deps
	for _, name := range hostOnly {
		if f := lookup(fl.Flags, name); f != nil && f.Changed {
			return engine.UsageError("--%s does not apply to --target kubernetes (the chart's Service and ingress expose Appsmith)", name)
		}
	}
	if o.DB != "" {
		return engine.UsageError("--db %s: the chart runs no embedded database (APPSMITH_ENABLE_EMBEDDED_DB=0); give --db-url, or nothing for the chart's MongoDB subchart", o.DB)
	}
	asJSON := false
	if f := lookup(fl.Flags, "json"); f != nil {
		asJSON = f.Value.String() == "true"
	}
	if asJSON && !fl.DryRun {
		return engine.UsageError("--json goes with --plan")
	}
	ko, err := kubeOptions(fl, s)
	if err != nil {
		return err
	}
	if s != nil && s.Kubernetes != nil && (ko.Release != s.Kubernetes.Release || ko.Namespace != s.Kubernetes.Namespace) {
		// A second release recorded over the first would leave that one,
		// and its data claim, managed by nothing.
		k := s.Kubernetes
		return engine.Errorf(engine.ExitUsage, "install another release into another --dir; `"+hint.Appsmith(o.Dir, "status")+"` shows this one",
			"release %s in namespace %s: %s records release %s in namespace %s; one install dir holds one release", ko.Release, ko.Namespace, state.Path(o.Dir), k.Release, k.Namespace)
	}
	// The install itself is tested with Helm's memory driver and fake kube
	// client (internal/kube, and Deps.Kube in this package's tests); not
	// against a real API server in this package. A release that exists is
	// left alone: upgrades are `appsmith upgrade`'s.
	var h *kube.Helm
	if !fl.DryRun {
		if h, err = deps.kube(ko, o.Timeout); err != nil {
			return engine.Errorf(engine.ExitPreflight, "check --kubeconfig and --context", "connecting to the cluster: %v", err)
		}
		// Asked before anything is written: a cluster that does not
		// answer refuses the install here, with nothing changed.
		st, err := h.Status()
		if err != nil && !kube.ReleaseMissing(err) {
			return engine.Errorf(engine.ExitPreflight, kubeconfigHint(ko),
				"the cluster did not answer: %v", err)
		}
		if err == nil && st.State != "deployed" {
			return engine.Errorf(engine.ExitFailure, "`helm history "+ko.Release+" -n "+ko.Namespace+"` shows what happened; `"+
				hint.Appsmith(o.Dir, "uninstall --yes")+"` removes the release (the data claim and the Secret stay), then install again",
				"release %s in namespace %s exists but is %s (revision %d, %s)", st.Release, st.Namespace, st.State, st.Revision, st.ImageTag)
		} else if err == nil {
			// As on a host, a re-run never changes the version: saying
			// "nothing to do" to a --version it did not get would mislead.
			if _, pinned := install.ParseVersion(o.Version); pinned && o.Version != st.ImageTag {
				return engine.Errorf(engine.ExitPreflight, "to change the version, `"+hint.Appsmith(o.Dir, "upgrade "+o.Version)+"` (it steps through the checkpoints and rolls back on failure); to keep it, re-run with --version "+st.ImageTag,
					"release %s in namespace %s runs %s (asked for %s); an install never changes the version", st.Release, st.Namespace, st.ImageTag, o.Version)
			}
			fmt.Fprintf(stdio.Err, "Release %s in namespace %s is installed (revision %d, %s, %s): nothing to do.\n", st.Release, st.Namespace, st.Revision, st.ImageTag, st.State)
			return nil
		}
	}
	if s != nil && s.Kubernetes != nil {
		// A re-run (after a first install that failed) needs the
		// external databases' URLs again: they are secrets, kept in the
		// cluster's Secret, not in the install dir. Without them the
		// chart's own databases would be planned instead.
		if s.Database == "external" && o.DBURL == "" {
			return engine.UsageError("%s records an external database: give --db-url (or APPSMITH_INSTALL_DB_URL) again; the install dir does not keep it", state.Path(o.Dir))
		}
		if s.Redis == "external" && o.RedisURL == "" {
			return engine.UsageError("%s records an external Redis: give --redis-url (or APPSMITH_INSTALL_REDIS_URL) again; the install dir does not keep it", state.Path(o.Dir))
		}
	}
	p := KubePlan{Target: targetKubernetes, Release: ko.Release, Namespace: ko.Namespace, Chart: ko.Chart}
	version, note, err := resolveVersion(ctx, deps, o)
	if err != nil {
		return err
	}
	if note != "" {
		p.Notes = append(p.Notes, note)
	}
	var line kube.Line
	var ch *chart.Chart
	var pulled *kube.OCIChart
	switch {
	case ko.Chart == "":
		if !fl.DryRun {
			return engine.UsageError("--chart is needed to install: Appsmith's Helm chart as a directory, a .tgz (helm pull appsmith/appsmith gets one) or an oci:// reference")
		}
		line, _ = kube.LineOf(kube.DefaultLine)
		p.Notes = append(p.Notes, "no --chart: the values are those of the official chart's "+kube.DefaultLine+" line; nothing was rendered")
	default:
		path := ko.Chart
		if kube.IsOCI(ko.Chart) {
			// Pulled aside first: a bad chart changes nothing on disk; a
			// good one moves into the install dir once the install runs.
			tmp, err := os.MkdirTemp("", "appsmith-chart-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			if pulled, err = kube.PullChart(ko.Chart, tmp); err != nil {
				return engine.Errorf(engine.ExitPreflight, "check the reference and that the registry answers (`helm registry login` for one that needs it)", "--chart %s: %v", ko.Chart, err)
			}
			path, p.ChartSource = pulled.Path, pulled.Ref
		}
		c, err := kube.LoadChart(path)
		if err != nil {
			return engine.UsageError("%v", err)
		}
		if line, err = kube.ChartLine(c); err != nil {
			return engine.UsageError("%v", err)
		}
		ch = c
		p.ChartVersion = c.Metadata.Version
	}
	p.Line = line.Version
	in := kube.Input{Edition: o.Edition, Version: version, Registry: o.Registry, DBURL: o.DBURL, RedisURL: o.RedisURL,
		TLS: o.TLS, Domain: o.Domain, Telemetry: o.Telemetry, TLSFiles: tlsm}
	g, err := kube.Generate(line, in, ko)
	var fe *kube.FieldError
	if errors.As(err, &fe) {
		return engine.UsageError("invalid --%s %q: %s", fe.Field, fe.Value, fe.Reason)
	} else if err != nil {
		return err
	}
	uv, err := kube.LoadUserValues(ko.ValuesFiles, version, g.Values)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	vals := kube.Final(uv, g)
	p.Values, p.Overridden, p.SecretKeys = g.Values, uv.Overridden, g.SecretKeyNames()
	p.Version = version
	p.Image = fmt.Sprintf("%v/%v:%v", dig(vals, "image", "registry"), dig(vals, "image", "repository"), version)
	if ch != nil {
		if err := kubeDependencies(ch, vals, ko.Chart); err != nil {
			return err
		}
		manifest, err := kube.Render(ch, vals, ko)
		if err != nil {
			return engine.Errorf(engine.ExitPreflight, "check the chart and your --values files", "%v", err)
		}
		p.Objects = objectsOf(manifest)
	}
	p.Steps = kubeSteps(p, ko, o, tlsm)
	if o.DBURL == "" {
		p.Notes = append(p.Notes, "no --db-url: the chart's MongoDB subchart (Bitnami) holds the data")
	}
	if o.TLS == install.TLSLetsEncrypt {
		// The chart's certManager adds only kubernetes.io/tls-acme, which
		// cert-manager acts on with a default issuer alone.
		p.Notes = append(p.Notes, "--tls letsencrypt: cert-manager must run in the cluster, with a default issuer (ingress-shim's --default-issuer-name) or one named in a --values file (ingress.annotations: {cert-manager.io/cluster-issuer: NAME}), to issue "+ko.TLSSecretName())
	}
	if fl.DryRun {
		p.Notes = append(p.Notes, "the cluster was not looked at: the namespace, Secrets and release are not checked, and may exist")
		return printKubePlan(stdio.Out, p, asJSON)
	}

	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return engine.Errorf(engine.ExitPreflight, "", "install dir %s: %v", o.Dir, err)
	}
	source := ""
	if pulled != nil {
		// Later upgrades use this very chart, without the registry.
		local := filepath.Join(o.Dir, "charts", filepath.Base(pulled.Path))
		b, err := os.ReadFile(pulled.Path)
		if err == nil {
			if err = os.MkdirAll(filepath.Dir(local), 0o755); err == nil {
				err = fsutil.WriteFileAtomic(local, b, 0o644)
			}
		}
		if err != nil {
			return engine.Errorf(engine.ExitPreflight, "", "keeping the chart %s in %s: %v", pulled.Ref, local, err)
		}
		ko.Chart, source = local, pulled.Ref
	}
	var cert, key []byte
	if tlsm != nil && tlsm.KeyPair != nil {
		cert, key = tlsm.KeyPair.FullchainPEM, tlsm.KeyPair.PrivkeyPEM
	}
	var rel *release.Release
	plan := h.InstallPlan(ch, g, vals, cert, key, &rel)
	// The target is recorded before the cluster is touched, as a first
	// install that has not finished: if the pod never becomes Ready,
	// `appsmith status|uninstall` and a re-run still find the release
	// (without the record a re-run would be a host install).
	now := deps.now().UTC()
	rec := &state.State{InstallerVersion: buildinfo.Get().Version, InstalledAt: now, UpdatedAt: now, Dir: o.Dir,
		Edition: o.Edition, Registry: o.Registry, Tag: o.Version, Image: p.Image, Version: version,
		Database: dbKind(o), Redis: redisKind(o), TLS: o.TLS, Domain: o.Domain, Target: targetKubernetes, Status: state.StatusInstalling,
		Kubernetes: &state.Kubernetes{Kubeconfig: ko.Kubeconfig, Context: ko.Context, Namespace: ko.Namespace,
			Release: ko.Release, Chart: ko.Chart, ChartSource: source, Values: ko.ValuesFiles}}
	first := engine.Step{ID: "record", Title: "record the target in " + state.Path(o.Dir) + " (as installing)",
		Run: func(context.Context, engine.Reporter) error { return state.Save(o.Dir, rec) }}
	last := engine.Step{ID: "record-ready", Title: "record the release's revision, Ready",
		Run: func(context.Context, engine.Reporter) error {
			rec.Status, rec.UpdatedAt, rec.Kubernetes.Revision = "", deps.now().UTC(), rel.Version
			return state.Save(o.Dir, rec)
		}}
	plan.Steps = append(append([]engine.Step{first}, plan.Steps...), last)
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	err = engine.Run(ctx, plan, sink)
	_ = sink.Close()
	if errors.Is(err, kube.ErrInfoCheck) {
		return engine.Errorf(engine.ExitNotReady, "`"+hint.Appsmith(o.Dir, "status")+"` shows what the pods report; `helm history "+ko.Release+" -n "+ko.Namespace+"` the release", "%v", err)
	}
	if err != nil {
		return engine.Errorf(engine.ExitFailure, "`"+hint.Appsmith(o.Dir, "status")+"` shows the release and its pods; re-run the same command once the cause is fixed", "%v", err)
	}
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(stdio.Err, "\nAppsmith %s is installed: release %s, revision %d, namespace %s\n", version, ko.Release, rel.Version, ko.Namespace)
		fmt.Fprintf(stdio.Err, "  data: the claim %s (kept on uninstall); secrets: the Secret %s (back it up with the data)\n", kube.DataPVC(ko.Release), ko.SecretName())
	}
	return nil
}

// resolveVersion pins a floating version to the newest release tag of the
// edition's repository, as an upgrade to latest does on a host.
func resolveVersion(ctx context.Context, deps Deps, o install.Options) (string, string, error) {
	if _, ok := install.ParseVersion(o.Version); ok {
		return o.Version, "", nil
	}
	repo := "appsmith/appsmith-" + o.Edition
	if o.Registry != "" {
		repo = o.Registry + "/" + repo
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tags, err := deps.tags(ctx, repo)
	if err == nil && len(tags) == 0 {
		err = fmt.Errorf("no version tags")
	}
	if err != nil {
		return "", "", engine.Errorf(engine.ExitPreflight, "give --version v1.x.y to pin a version without asking the registry",
			"--version %s must be pinned for the chart, and listing the tags of %s failed: %v", o.Version, repo, err)
	}
	return tags[0], fmt.Sprintf("--version %s resolved to %s, the newest release tag of %s", o.Version, tags[0], repo), nil
}

func kubeSteps(p KubePlan, ko kube.Options, o install.Options, tlsm *install.TLSMaterial) []string {
	steps := []string{}
	if p.ChartSource != "" {
		steps = append(steps, "keep the chart pulled from "+p.ChartSource+" in "+filepath.Join(o.Dir, "charts")+": upgrades use it, without the registry")
	}
	steps = append(steps,
		"record the target and its settings in "+state.Path(o.Dir)+" as installing, so later commands need no flags",
		"create the namespace "+p.Namespace+" if it is missing",
		fmt.Sprintf("create the Secret %s if it is missing, else add only the keys it lacks (%s; the encryption keys are generated once, never regenerated)",
			ko.SecretName(), strings.Join(p.SecretKeys, ", ")))
	if tlsm != nil && tlsm.KeyPair != nil {
		steps = append(steps, "create the kubernetes.io/tls Secret "+ko.TLSSecretName()+" from --cert and --key if it is missing")
	}
	return append(steps,
		fmt.Sprintf("helm install %s (revision 1): %s, waiting until the pod is Ready (up to %s)", p.Release, p.Image, o.Timeout),
		"record the revision, installed")
}

func objectsOf(manifest string) []string {
	var out []string
	for _, doc := range strings.Split(manifest, "\n---") {
		var m struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if yaml.Unmarshal([]byte(doc), &m) == nil && m.Kind != "" {
			out = append(out, m.Kind+"/"+m.Metadata.Name)
		}
	}
	sort.Strings(out)
	return out
}

func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, _ := cur.(map[string]any)
		cur = mm[p]
	}
	return cur
}

func printKubePlan(w io.Writer, p KubePlan, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	fmt.Fprintf(w, "Plan: install Appsmith %s on Kubernetes (the cluster was not looked at)\n", p.Version)
	chart := "no chart given"
	if p.Chart != "" {
		chart = "chart " + p.Chart + " " + p.ChartVersion
		if p.ChartSource != "" {
			chart = "chart " + p.ChartSource + " (pulled; kept in the install dir)"
		}
	}
	fmt.Fprintf(w, "  release %s in namespace %s, %s, values of mapping line %s\n", p.Release, p.Namespace, chart, p.Line)
	for i, s := range p.Steps {
		fmt.Fprintf(w, "  %d. %s\n", i+1, s)
	}
	if len(p.Objects) > 0 {
		fmt.Fprintf(w, "Objects the chart renders: %s\n", strings.Join(p.Objects, ", "))
	}
	if len(p.Overridden) > 0 {
		fmt.Fprintln(w, "Keys of your values files that the tool's values replace:")
		for _, o := range p.Overridden {
			fmt.Fprintf(w, "  - %s\n", o)
		}
	}
	if len(p.Notes) > 0 {
		fmt.Fprintln(w, "Notes:")
		for _, n := range p.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	out, err := yaml.Marshal(p.Values)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "Values the tool generates (your --values files go underneath; secrets are in the Secret, not here):")
	_, err = w.Write(out)
	return err
}

func dbKind(o install.Options) string {
	if o.DBURL != "" {
		return "external"
	}
	return "chart-mongodb"
}

func redisKind(o install.Options) string {
	if o.RedisURL != "" {
		return "external"
	}
	return "chart-redis"
}

// kubeDependencies refuses a chart that lacks subcharts the values turn on
// (kube.MissingDependencies says why): nothing has changed yet.
func kubeDependencies(ch *chart.Chart, vals kube.Values, chartFlag string) error {
	missing, err := kube.MissingDependencies(ch, vals)
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "check the chart and your --values files", "%v", err)
	}
	if len(missing) == 0 {
		return nil
	}
	return engine.Errorf(engine.ExitPreflight,
		"use the published chart (oci://… or its .tgz), or run `helm dependency build "+chartFlag+"`; or turn them off: --redis-url for redis, --db-url for mongodb, `<name>: {enabled: false}` in a --values file",
		"--chart %s: the chart has no %s, which the values turn on (its charts/ directory lacks them): Appsmith's pod would wait for them forever",
		chartFlag, strings.Join(missing, ", "))
}
