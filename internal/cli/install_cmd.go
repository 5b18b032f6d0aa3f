package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// InstallOptions are `appsmith-install [install]`'s. The options of the
// install itself (install.Options) are merged from their layers when it
// runs: Flags is the top one.
type InstallOptions struct {
	IO     IO
	Deps   Deps
	Root   *rootOpts
	Config string // --config FILE
	Yes    bool
	DryRun bool
	// Flags are the command's flags as parsed: those set win over
	// APPSMITH_INSTALL_* and the config file. nil: none set.
	Flags *pflag.FlagSet
}

// NewCmdInstall builds `install`; runF replaces installRun.
func NewCmdInstall(f *Factory, runF func(*InstallOptions) error) *cobra.Command {
	fl := &InstallOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Install Appsmith, or converge an existing install (the default command)",
		Long: "Install Appsmith into --dir: preflight checks, the stacks directory with docker.env and its secrets,\n" +
			"the image, the container, then wait until it is ready. Re-running converges: a healthy install is left\n" +
			"alone, a stopped one started, a missing container recreated on the same data.\n\n" +
			"Options come from (later wins): defaults or what is installed < --config FILE < APPSMITH_INSTALL_* < flags.\n" + installHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The root runs install too (`appsmith-install --yes`): the
			// flags set are those of the command that ran.
			fl.Flags = cmd.Flags()
			if runF != nil {
				return runF(fl)
			}
			return installRun(cmd.Context(), fl)
		},
	}
	d := install.Defaults()
	fs := cmd.Flags()
	fs.StringVar(&fl.Config, "config", "", "YAML file of options (keys as the flags, with '_' for '-')")
	fs.BoolVarP(&fl.Yes, "yes", "y", false, "install without asking (needed when there is no terminal)")
	fs.BoolVar(&fl.DryRun, "dry-run", false, "print the preflight findings and the plan, change nothing")
	fs.BoolVar(&fl.DryRun, "plan", false, "same as --dry-run")
	fs.String("edition", d.Edition, "ce (Community) or ee (Business/Enterprise)")
	fs.String("version", d.Version, "Appsmith version to install, such as v1.9.2, or latest")
	fs.String("image", "", "full image reference, overriding --edition and --version (mirrors, air-gapped registries)")
	fs.String("registry", "", "registry or mirror holding appsmith/appsmith-<edition> (default Docker Hub), such as mirror.example.com:5000")
	fs.String("bundle", "", "install from this air-gapped BUNDLE file (made by appsmith bundle create): the image is loaded from it, no registry is contacted; --version picks one of its versions (default its newest)")
	fs.String("trusted-key", "", "with --bundle: the public key (FILE.pub of bundle keygen) the bundle must be signed with")
	fs.String("container-name", d.ContainerName, "name of the container")
	fs.Int("http-port", d.HTTPPort, "host port for HTTP")
	fs.Int("https-port", d.HTTPSPort, "host port for HTTPS")
	fs.String("bind-address", d.BindAddress, "host address the ports are published on")
	fs.String("db", "", "embedded-postgresql, embedded-mongodb, or a database URL (default: what Appsmith writes for the version: embedded PostgreSQL from v1.47, MongoDB before; an installed instance keeps its own)")
	fs.String("db-url", "", "external MongoDB or PostgreSQL URL (default: the embedded database); prefer APPSMITH_INSTALL_DB_URL or --config, which keep the password off the command line")
	fs.String("redis-url", "", "external Redis URL (default: the embedded Redis)")
	fs.Duration("timeout", d.Timeout, "how long to wait for Appsmith to become ready")
	fs.String("tls", "", "none, letsencrypt (needs --domain), custom (needs --cert, --key) or proxy (behind a TLS-terminating proxy); default from the other TLS flags")
	fs.String("domain", "", "the domain Appsmith is served on (sets APPSMITH_CUSTOM_DOMAIN)")
	fs.String("cert", "", "PEM certificate chain for --tls custom")
	fs.String("key", "", "PEM private key for --tls custom")
	fs.String("key-passphrase-file", "", "file holding the passphrase of an encrypted --key (the key is stored decrypted: Caddy cannot use an encrypted one)")
	fs.StringArray("ca-cert", nil, "custom CA root (PEM or DER, bundles allowed) to trust for outgoing connections; repeatable")
	fs.Bool("telemetry", false, "send Appsmith's anonymous usage data (off by default)")
	fs.String("link-dir", d.LinkDir, "where to link the appsmith command (when writable); empty: do not link")
	fs.Bool("allow-non-empty-dir", false, "install into a --dir that already holds other files (they are left alone, also by uninstall --purge)")
	addTargetFlags(fs)
	return cmd
}

// loadOptions merges the option layers. The install dir is needed to find an
// existing install's state, and may itself come from any layer, so the
// layers are merged once for the dir and once for real.
func loadOptions(ctx context.Context, fl *InstallOptions) (install.Options, *install.TLSMaterial, error) {
	ro, deps := fl.Root, fl.Deps
	l, err := mergeOptions(ctx, fl)
	if err != nil {
		return install.Options{}, nil, err
	}
	o, err := l.normalize(deps.Host)
	if err != nil {
		return o, nil, err
	}
	ro.usedDir, ro.dirSource = o.Dir, l.sources["dir"]
	// Certificates, keys and CA files are read and checked before anything
	// is written: a bad one is a usage error naming its flag.
	m, err := install.LoadTLS(o, deps.now())
	return o, m, l.usage(err)
}

func mergeOptions(ctx context.Context, fl *InstallOptions) (*loader, error) {
	ro, stdio, deps := fl.Root, fl.IO, fl.Deps
	layers := func(l *loader) error {
		if fl.Config != "" {
			if err := l.fromFile(fl.Config); err != nil {
				return err
			}
		}
		if v := stdio.Getenv("APPSMITH_DIR"); v != "" {
			l.opts.Dir, l.sources["dir"] = v, "APPSMITH_DIR"
		}
		if err := l.fromEnv(stdio.Getenv); err != nil {
			return err
		}
		if ro.dir != "" {
			l.opts.Dir, l.sources["dir"] = ro.dir, "--dir"
		}
		if fl.Flags == nil {
			return nil
		}
		return l.fromFlags(fl.Flags)
	}
	first := newLoader(install.Defaults())
	first.others = targetConfigKeys
	if err := layers(first); err != nil {
		return nil, err
	}
	dirOnly, err := first.normalize(deps.Host)
	if err != nil {
		return nil, err
	}
	src := first.sources["dir"]
	if src == "" {
		src = "--dir"
	}
	if err := checkDirNotFile(dirOnly.Dir, src); err != nil {
		return nil, err
	}
	l := newLoader(install.Defaults())
	l.others = targetConfigKeys
	if s := recorded(ctx, deps, dirOnly.Dir); s != nil {
		l.fromState(s)
	}
	if err := layers(l); err != nil {
		return nil, err
	}
	// An image recorded from an earlier --image must not mask a version or
	// edition asked for now: the mismatch is then reported, not ignored.
	if l.sources["image"] == "" && (l.sources["version"] != "" || l.sources["edition"] != "" || l.sources["registry"] != "" || l.sources["bundle"] != "") {
		l.opts.Image = ""
	}
	if l.sources["tls"] == "" && (l.sources["domain"] != "" || l.sources["cert"] != "" || l.sources["key"] != "") {
		l.opts.TLS = "" // derived from the TLS options given now, not kept from the install
	}
	return l, nil
}

func installRun(ctx context.Context, fl *InstallOptions) error {
	ro, stdio, deps := fl.Root, fl.IO, fl.Deps
	mode, err := progress.ParseMode(ro.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	o, tlsm, err := loadOptions(ctx, fl)
	if err != nil {
		return err
	}
	rec, _ := state.Load(o.Dir)
	target, err := targetOf(fl, rec)
	if err != nil {
		return err
	}
	if target == targetKubernetes {
		if !fl.Yes && !fl.DryRun {
			return engine.UsageError("--target kubernetes installs unattended: pass --yes, or --plan to see the plan and values first")
		}
		return kubeInstallRun(ctx, fl, mode, o, tlsm, rec)
	}
	if err := hostConfigChecks(fl.Config); err != nil {
		return err
	}
	if f := fl.Flags; f != nil {
		for name := range targetFlags {
			if fl := f.Lookup(name); fl != nil && fl.Changed && name != "target" {
				return engine.UsageError("--%s is for --target kubernetes", name)
			}
		}
	}
	in := &install.Installer{
		Connect: func(ctx context.Context) (install.Docker, error) { return deps.Docker(ctx) },
		Host:    deps.Host,
		Version: buildinfo.Get().Version,
		Now:     deps.Now,
		TLS:     tlsm,
	}
	if !fl.Yes && !fl.DryRun {
		if !stdio.IsTTY {
			return engine.UsageError("no terminal to ask on: pass --yes to install unattended (with --dir, --version, ... or --config FILE)")
		}
		if mode == progress.ModeJSON {
			return engine.UsageError("--progress json is for programs and needs --yes: the wizard draws on the terminal")
		}
		return runWizard(ctx, ro, stdio, deps, in, o)
	}
	if !fl.DryRun {
		// Held from before the first look to the end, so what the plan is
		// computed from cannot change under it (a second run waits its turn).
		l, err := lockDir(o.Dir)
		if err != nil {
			return err
		}
		defer l.Release()
		if err := guardUnfinished(o.Dir, nil); err != nil {
			return err
		}
	}
	obs, plan, err := observeAndPlan(ctx, in, o, ro.dirSource, stdio, mode, true)
	if err != nil {
		return err
	}
	if fl.DryRun {
		return plan.Print(stdio.Out)
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	err = runPlanned(ctx, obs, plan, o, stdio, sink)
	_ = sink.Close()
	if err != nil {
		return err
	}
	return summarize(stdio, o, mode)
}

// observeAndPlan looks at the machine and computes the plan. Findings are
// shown when asked, and always when the plan is refused (they say why).
func observeAndPlan(ctx context.Context, in *install.Installer, o install.Options, dirSource string, stdio IO, mode progress.Mode, show bool) (*install.Observation, engine.Plan, error) {
	obs, err := in.Observe(ctx, o)
	if err != nil {
		return nil, engine.Plan{}, err
	}
	plan, err := in.Plan(ctx, o, obs)
	if show || err != nil {
		renderFindings(stdio.Err, mode, withDir(obs.Findings, o.Dir, dirSource), in.Now)
	}
	if err != nil && mode == progress.ModeJSON {
		// A refused plan ends like a failed one, so a reader of the stream
		// needs no special case: plan_failed, then the outcome.
		if sink, serr := progress.New(mode, progress.Options{Out: terminal(stdio.Err)}); serr == nil {
			sink.Emit(engine.Event{Kind: engine.KindPlanFailed, Message: err.Error()})
			sink.Emit(engine.Event{Kind: engine.KindOutcome, Outcome: engine.OutcomeFailed, Message: err.Error()})
			_ = sink.Close()
		}
	}
	return obs, plan, err
}

// runPlanned runs a computed plan, or says there is nothing to do.
func runPlanned(ctx context.Context, obs *install.Observation, plan engine.Plan, o install.Options, stdio IO, sink engine.Sink) error {
	if len(plan.Steps) == 0 {
		fmt.Fprintf(stdio.Err, "Appsmith %s is installed in %s and ready: nothing to do.\n", obs.Ready.Version, o.Dir)
		return nil
	}
	return engine.Run(ctx, plan, sink)
}

// runLocked takes the install dir's lock and runs the plan computed under
// it, so what changed while the wizard asked is seen, not redone.
func runLocked(ctx context.Context, in *install.Installer, o install.Options, stdio IO, mode progress.Mode, sink engine.Sink) error {
	l, err := lockDir(o.Dir)
	if err != nil {
		return err
	}
	defer l.Release()
	if err := guardUnfinished(o.Dir, nil); err != nil {
		return err
	}
	obs, plan, err := observeAndPlan(ctx, in, o, "", stdio, mode, false)
	if err != nil {
		return err
	}
	return runPlanned(ctx, obs, plan, o, stdio, sink)
}

func summarize(stdio IO, o install.Options, mode progress.Mode) error {
	s, err := state.Load(o.Dir)
	if err != nil {
		return err
	}
	if mode == progress.ModeQuiet || mode == progress.ModeJSON {
		return nil
	}
	url := fmt.Sprintf("http://%s:%d/", hostFor(o.BindAddress), o.HTTPPort)
	fmt.Fprintf(stdio.Err, "\nAppsmith %s is ready at %s\n", s.Version, url)
	fmt.Fprintf(stdio.Err, "  data and secrets: %s/stacks (docker.env is 0600: keep a copy of it with your backups)\n", o.Dir)
	fmt.Fprintf(stdio.Err, "  next: `%s`, `%s`\n", hint.Appsmith(o.Dir, "status"), hint.Appsmith(o.Dir, "logs -f"))
	return nil
}

func hostFor(bind string) string {
	switch bind {
	case "0.0.0.0", "::", "":
		return "localhost"
	}
	if strings.Contains(bind, ":") {
		return "[" + bind + "]"
	}
	return bind
}

// withDir makes the findings' hints name the install dir, and a finding
// about the dir say where it came from when that is not a flag the user
// just typed (an APPSMITH_DIR set long ago is easy to forget).
func withDir(fs []install.Finding, dir, source string) []install.Finding {
	out := make([]install.Finding, len(fs))
	for i, f := range fs {
		f.Hint, f.Message = hint.WithDir(f.Hint, dir), hint.WithDir(f.Message, dir)
		if (f.Check == "dir" || f.Check == "disk" || f.Check == "state") && f.Level != install.OK && source != "" && source != "--dir" {
			f.Message += " (the install dir comes from " + source + ")"
		}
		out[i] = f
	}
	return out
}

var levelMark = map[install.Level]string{install.OK: "ok  ", install.Warn: "warn", install.Fail: "FAIL"}

// renderFindings writes every preflight finding, with the fix for each one
// that is not OK. In json mode each is one NDJSON line of kind "preflight".
func renderFindings(w io.Writer, mode progress.Mode, fs []install.Finding, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	switch mode {
	case progress.ModeJSON:
		enc := json.NewEncoder(w)
		for _, f := range fs {
			_ = enc.Encode(struct {
				Time time.Time `json:"time"`
				Kind string    `json:"kind"`
				install.Finding
			}{now(), "preflight", f})
		}
	case progress.ModeQuiet:
		for _, f := range fs {
			if f.Level == install.Fail {
				fmt.Fprintf(w, "preflight failed: %s: %s\n", f.Check, f.Message)
			}
		}
	default:
		fmt.Fprintln(w, "Preflight:")
		for _, f := range fs {
			fmt.Fprintf(w, "  [%s] %-10s %s\n", levelMark[f.Level], f.Check, f.Message)
			if f.Hint != "" && f.Level != install.OK {
				fmt.Fprintf(w, "         %-10s fix: %s\n", "", f.Hint)
			}
		}
	}
}
