package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/releases"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// UpgradeOptions are `appsmith upgrade`'s.
type UpgradeOptions struct {
	IO      IO
	Deps    Deps
	Root    *rootOpts
	Target  string // VERSION or latest
	Plan    bool
	JSON    bool
	Yes     bool
	Resume  bool
	Auto    bool // the target from the auto-update channel; --yes implied
	Timeout time.Duration

	// UpdateCompose: compose manages the instance; change its compose
	// file's image line to the next hop (adopt_upgrade.go).
	UpdateCompose bool

	// Bundle: the path's images come from this air-gapped bundle (its
	// manifest is the tag list); TrustedKey must have signed it.
	Bundle     string
	TrustedKey string

	// NoSnapshot skips a Kubernetes upgrade's data snapshot (kube_upgrade.go).
	NoSnapshot bool
	// NoDBCheck skips asking a Kubernetes release's MongoDB its version
	// and FCV through a pod's exec (kube_mongo.go).
	NoDBCheck bool
}

// NewCmdUpgrade builds `upgrade`; runF replaces upgradeRun.
func NewCmdUpgrade(f *Factory, runF func(*UpgradeOptions) error) *cobra.Command {
	opts := &UpgradeOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "upgrade [VERSION|latest]",
		Short: "Upgrade through every checkpoint version, with MongoDB steps and automatic rollback with the data",
		Long: "Plans the path from the running version to VERSION (default: the newest stable tag of the instance's\n" +
			"repository) through every checkpoint release the data must start on (v1.9.2; the newest of v1.96–v1.99\n" +
			"before 2.x), with the MongoDB featureCompatibilityVersion steps each hop needs. Every image is pulled\n" +
			"before anything stops; the stacks are copied while Appsmith runs and the copy finished while it is\n" +
			"stopped (only what changed); then each hop replaces the container by one with the same settings on\n" +
			"the hop's version and waits until it is ready. Any failure rolls every hop back: the stacks from the\n" +
			"copy, the original container started again (exit 1). A run killed half-way is finished or rolled back\n" +
			"by `appsmith upgrade --resume`. The copy of the stacks is kept, and appsmith.yaml records the old image.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Target = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return upgradeRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Plan, "plan", false, "print the plan (hops, database steps, images, disk), change nothing")
	fl.BoolVar(&opts.Plan, "dry-run", false, "same as --plan")
	fl.BoolVar(&opts.JSON, "json", false, "with --plan: print it as JSON")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before the upgrade (needed without a terminal)")
	fl.BoolVar(&opts.Resume, "resume", false, "finish or roll back an upgrade that was interrupted")
	fl.BoolVar(&opts.Auto, "auto", false, "upgrade to the newest version of the auto-update channel, a backup first (what the auto-update timer runs)")
	fl.BoolVar(&opts.UpdateCompose, "update-compose", false, "docker compose manages the instance: set the compose file's image line to the next hop (a copy of the file is kept)")
	fl.StringVar(&opts.Bundle, "bundle", "", "take every image of the path from this air-gapped BUNDLE file (made by bundle create), verified whole first; no registry is contacted")
	fl.StringVar(&opts.TrustedKey, "trusted-key", "", "with --bundle: the public key FILE.pub the bundle must be signed with")
	fl.DurationVar(&opts.Timeout, "timeout", install.Defaults().Timeout, "how long each hop waits for Appsmith to be ready")
	fl.BoolVar(&opts.NoDBCheck, "no-db-check", false, "Kubernetes only: do not ask the MongoDB its version and featureCompatibilityVersion through a pod's exec (when pods/exec is not allowed: check them yourself); a host upgrade always asks")
	fl.BoolVar(&opts.NoSnapshot, "no-snapshot", false, "Kubernetes only: take no data snapshot before the hops (the release's database is backed up another way); a host upgrade always copies its stacks")
	addDayTwoTargetFlags(cmd, f.root)
	return cmd
}

// UpgradePlan is `upgrade --plan --json` (documented in the README).
type UpgradePlan struct {
	Dir      string            `json:"dir"`
	From     string            `json:"from"`
	To       string            `json:"to"`
	Database string            `json:"database"`
	Hops     []upgrade.Hop     `json:"hops"`
	Images   []string          `json:"images"`
	Snapshot string            `json:"snapshot"`
	Bytes    int64             `json:"snapshot_bytes"` // the stacks' size: the disk the copy needs
	Free     uint64            `json:"free_bytes"`
	Steps    []engine.StepView `json:"steps"`
	Refused  string            `json:"refused,omitempty"`
	Notes    []string          `json:"notes,omitempty"`
	// ImageSizes and Estimate: see upgrade_size.go.
	ImageSizes []upgrade.ImageSize `json:"image_sizes"`
	Estimate   *upgrade.Estimate   `json:"estimate,omitempty"`
}

func upgradeRun(ctx context.Context, opts *UpgradeOptions) error {
	stdio, deps := opts.IO, opts.Deps
	mode, err := progress.ParseMode(opts.Root.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	// A VERSION that is none is a bad argument, said before the engine,
	// the cluster or the install is looked for.
	if t := opts.Target; t != "" && t != "latest" {
		if _, err := install.NormalizeVersion(t); err != nil {
			return engine.UsageError("VERSION %q: %v", t, err)
		}
	}
	s, err := kubeRecord(opts.Root, stdio)
	if err != nil {
		return err
	}
	if s != nil {
		if opts.Bundle != "" {
			return engine.UsageError("--bundle loads images into a Docker engine; a Kubernetes install pulls through its cluster (push the bundle's images to the cluster's registry with `appsmith bundle load --push-to`)")
		}
		return kubeUpgradeRun(ctx, opts, s)
	}
	if opts.NoDBCheck {
		return engine.UsageError("--no-db-check is for a Kubernetes install: on a host the container always answers for its database")
	}
	if opts.NoSnapshot {
		return engine.UsageError("--no-snapshot is for a Kubernetes install: a host upgrade's rollback needs its copy of the stacks")
	}
	src, err := upgradeBundle(opts)
	if err != nil {
		return err
	}
	if opts.Auto {
		if src != nil {
			return engine.UsageError("--auto follows the channel's registry: drop --bundle, or name the VERSION")
		}
		return autoUpgradeRun(ctx, opts)
	}
	if opts.Resume {
		if opts.Target != "" || opts.Plan {
			return engine.UsageError("--resume takes no VERSION and no --plan: it finishes or rolls back the interrupted upgrade")
		}
		return upgradeResume(ctx, opts, mode, src)
	}
	if opts.JSON && !opts.Plan {
		return engine.UsageError("--json goes with --plan (the run's events are --progress json)")
	}
	var in *located
	if opts.Plan {
		in, err = locateContainer(ctx, opts.Root, stdio, deps)
	} else {
		in, err = locateContainerForChange(ctx, opts.Root, stdio, deps)
		if in != nil {
			defer in.release()
		}
	}
	if err != nil {
		return err
	}
	opts.Root.usedDir = in.dir
	if src != nil {
		src.d = in.d
	}
	if !in.c.Running {
		return engine.Errorf(engine.ExitPreflight, "`"+hint.Appsmith(in.dir, "start")+"` starts it",
			"Appsmith (%s) is not running: an upgrade starts from a running, ready instance", in.name())
	}
	ui := upgradeInstance(ctx, in, deps, opts.Timeout)
	if ui.Version == "" {
		return engine.Errorf(engine.ExitPreflight, "`"+hint.Appsmith(in.dir, "status")+"` shows why",
			"Appsmith does not answer at %s: an upgrade starts from a ready instance", in.baseURL())
	}
	var tags []string
	if src != nil {
		tags = src.tags() // the bundle's manifest is the tag list: no registry
	} else {
		tags, err = deps.tags(ctx, instance.Repository(in.c.Image))
	}
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "check the registry is reachable (a mirror: the instance's image names it)",
			"listing the tags of %s: %v", instance.Repository(in.c.Image), err)
	}
	target := opts.Target
	switch {
	case target == "" || target == "latest":
		if len(tags) == 0 {
			return engine.Errorf(engine.ExitPreflight, "", "%s lists no version tags", instance.Repository(in.c.Image))
		}
		target = tags[0]
	default:
		if target, err = install.NormalizeVersion(target); err != nil {
			return engine.UsageError("VERSION %q: %v", opts.Target, err)
		}
	}
	hops, err := upgrade.Path(ui.Version, target, tags, ui.DB)
	var dg *upgrade.DowngradeError
	switch {
	case err != nil && src != nil && !errors.As(err, &dg):
		return engine.Errorf(engine.ExitPreflight, "make a bundle that covers it: `appsmith bundle create --for-instance "+in.dir+" --to "+target+"`",
			"the bundle %s does not cover the upgrade %s → %s (it has %s): %v; nothing was changed",
			opts.Bundle, ui.Version, target, strings.Join(tags, ", "), strings.Replace(err.Error(), "the registry", "the bundle", 1))
	case errors.As(err, &dg):
		return engine.Errorf(engine.ExitUsage, "", "%v; data written since the upgrade would be lost by going back: restore a backup of %s instead", err, target)
	case err != nil:
		return engine.Errorf(engine.ExitPreflight, "", "%v", err)
	case len(hops) == 0:
		fmt.Fprintf(stdio.Err, "Appsmith %s is already running in %s: nothing to do.\n", ui.Version, in.dir)
		return nil
	}
	hops = upgrade.FitData(ctx, ui, hops) // in place or by dump and restore, from what the running MongoDB says
	var mongoNotes []string
	var mongoRefused string
	var mongoRefusal error
	if ui.DB == upgrade.DBExternalMongo {
		hops, mongoNotes, mongoRefused, mongoRefusal = checkExternalMongo(ctx, in, hops, target)
	}
	sp := upgrade.NewSpec(ui, target, hops, deps.now())
	if src != nil {
		sp.Source, ui.Images = "bundle "+opts.Bundle, src
	}
	plan := upgrade.Plan(ui, sp)
	view := planView(in, ui, sp, plan)
	refusal := preflightUpgrade(in, deps, ui, sp, &view)
	if refusal == nil && mongoRefusal != nil {
		refusal, view.Refused = mongoRefusal, mongoRefused
	}
	view.Notes = append(view.Notes, mongoNotes...)
	if refusal != nil && !opts.Plan {
		return refusal
	}
	if opts.UpdateCompose && in.composeManaged() == nil {
		return engine.UsageError("--update-compose: docker compose does not manage the Appsmith in %s", in.dir)
	}
	if refusal := refuseComposeUpgrade(in, &view); refusal != nil {
		if !opts.Plan {
			return composeUpgradeRun(opts, in, view, refusal)
		}
		defer fmt.Fprintln(stdio.Err, refusal.Error())
	}
	if src == nil && (opts.Plan || (!opts.Yes && canPrompt(stdio))) {
		estimateUpgrade(ctx, in, deps, &view)
	}
	if opts.Plan {
		if opts.JSON {
			enc := json.NewEncoder(stdio.Out)
			enc.SetIndent("", "  ")
			return enc.Encode(view)
		}
		printUpgradePlan(stdio.Out, view, plan)
		return nil
	}
	if !opts.Yes {
		if !canPrompt(stdio) {
			return engine.UsageError("upgrade %s → %s stops Appsmith for each of %d hop(s): pass --yes to go ahead (there is no terminal to ask on); --plan shows the plan", ui.Version, target, len(hops))
		}
		printUpgradePlan(stdio.Err, view, plan)
		ok, err := deps.confirm(stdio, fmt.Sprintf("Upgrade %s to %s?", in.dir, target))
		if err != nil || !ok {
			return engine.Errorf(engine.ExitUsage, "", "upgrade cancelled: nothing was changed")
		}
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	err = upgrade.Run(ctx, ui, sp, sink)
	_ = sink.Close()
	if err != nil {
		return err
	}
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(stdio.Err, "Appsmith %s is ready in %s (was %s). A copy of the stacks from before is kept in %s.\n",
			target, in.dir, ui.Version, sp.Snapshot)
	}
	return nil
}

func upgradeResume(ctx context.Context, opts *UpgradeOptions, mode progress.Mode, src *bundleSource) error {
	prev := opts.Root.guardSkip
	opts.Root.guardSkip = func(j *engine.Journal) bool { return upgrade.IsUpgrade(j) || (prev != nil && prev(j)) }
	in, err := locateForChange(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	defer in.release()
	opts.Root.usedDir = in.dir
	sink, err := progress.New(mode, progress.Options{Out: terminal(opts.IO.Err), NoColor: !progress.ColorAllowed(opts.IO.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	ui := upgrade.Instance{Dir: in.dir, Docker: in.d, HTTP: httpClient(opts.Deps), BaseURL: in.baseURL(), Timeout: opts.Timeout}
	if src != nil {
		src.d, ui.Images = in.d, src
	}
	sp, out, err := upgrade.Resume(ctx, ui, sink)
	_ = sink.Close()
	if errors.Is(err, upgrade.ErrNothingToResume) {
		fmt.Fprintf(opts.IO.Err, "No interrupted upgrade in %s: nothing to do.\n", in.dir)
		return nil
	}
	if err != nil {
		return err
	}
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		if out == engine.OutcomeRolledBack {
			fmt.Fprintf(opts.IO.Err, "The interrupted upgrade to %s was rolled back: Appsmith %s runs on its data as before.\n", sp.To, sp.From)
		} else {
			fmt.Fprintf(opts.IO.Err, "The interrupted upgrade was finished: Appsmith %s is ready.\n", sp.To)
		}
	}
	return nil
}

// upgradeInstance is the located instance as the upgrade core sees it.
func upgradeInstance(ctx context.Context, in *located, deps Deps, timeout time.Duration) upgrade.Instance {
	ui := upgrade.Instance{Dir: in.dir, Docker: in.d, Container: *in.c, HTTP: httpClient(deps), BaseURL: in.baseURL(), Timeout: timeout}
	if info, err := instance.Probe(ctx, httpClient(deps), in.baseURL(), ""); err == nil {
		ui.Version = info.Version
	}
	ui.DB = upgrade.DBPostgres
	if env, err := (instance.Layout{Dir: in.dir}).Stacks().ReadEnv(); err == nil {
		u := env.DBURL()
		switch stacks.DatabaseKind(u) {
		case stacks.DBEmbeddedMongoDB:
			ui.DB = upgrade.DBEmbeddedMongo
		case stacks.DBExternal:
			if !strings.HasPrefix(u, "postgresql:") && !strings.HasPrefix(u, "postgres:") {
				ui.DB = upgrade.DBExternalMongo
			}
		}
	}
	return ui
}

func planView(in *located, ui upgrade.Instance, sp upgrade.Spec, plan engine.Plan) UpgradePlan {
	v := UpgradePlan{Dir: in.dir, From: sp.From, To: sp.To, Database: ui.DB, Hops: sp.Hops, Snapshot: sp.Snapshot, Steps: plan.View()}
	for _, h := range sp.Hops {
		v.Images = append(v.Images, instance.WithTag(in.c.Image, h.To))
	}
	return v
}

// preflightUpgrade refuses, before any downtime, what cannot work: an
// embedded MongoDB 5+ on a CPU without AVX, and a disk without room for the
// copy of the stacks. It fills the plan's disk figures.
func preflightUpgrade(in *located, deps Deps, ui upgrade.Instance, sp upgrade.Spec, v *UpgradePlan) error {
	if ui.DB == upgrade.DBEmbeddedMongo && deps.Host.HasAVX != nil {
		last, _ := releases.Parse(sp.To)
		if releases.NeedsAVX(last) {
			if ok, err := deps.Host.HasAVX(); err == nil && !ok {
				v.Refused = "no AVX"
				return engine.Errorf(engine.ExitPreflight, "stay on "+releases.LastWithoutAVX+", or move the data to an external MongoDB on a machine with AVX",
					"this CPU has no AVX, which the embedded MongoDB of %s needs (%s is the last image that runs here)", sp.To, releases.LastWithoutAVX)
			}
		}
	}
	v.Bytes = fsutil.Size(instance.Layout{Dir: in.dir}.Stacks().Root)
	if deps.Host.DiskFree != nil {
		if free, err := deps.Host.DiskFree(in.dir); err == nil {
			v.Free = free
			if uint64(v.Bytes) > free {
				v.Refused = "disk"
				return engine.Errorf(engine.ExitPreflight, "free space in "+in.dir+" (the copy goes to "+sp.Snapshot+")",
					"the copy of the stacks needs %s and %s has %s free", progress.FormatBytes(v.Bytes), in.dir, progress.FormatBytes(int64(free)))
			}
		}
	}
	return nil
}

func printUpgradePlan(w io.Writer, v UpgradePlan, plan engine.Plan) {
	fmt.Fprintf(w, "Upgrade %s: %s → %s (%s), %d hop(s)\n", v.Dir, v.From, v.To, v.Database, len(v.Hops))
	for i, h := range v.Hops {
		fmt.Fprintf(w, "  hop %d: %s → %s — %s\n", i+1, h.From, h.To, h.Why)
		fmt.Fprintf(w, "         image %s\n", v.Images[i])
		if h.Migrate != "" {
			fmt.Fprintf(w, "         migrate by dump and restore: %s\n", h.Migrate)
		}
		for _, s := range h.Pre {
			fmt.Fprintf(w, "         before: set FCV %s (%s)\n", s.FCV, s.Why)
		}
		for _, s := range h.Post {
			fmt.Fprintf(w, "         after:  check FCV %s (%s)\n", s.FCV, s.Why)
		}
		if h.NeedsExternalMongo != "" {
			fmt.Fprintf(w, "         needs the external MongoDB at %s or newer\n", h.NeedsExternalMongo)
		}
	}
	fmt.Fprintf(w, "  copy of the stacks (the rollback point): %s, %s", v.Snapshot, progress.FormatBytes(v.Bytes))
	if v.Free > 0 {
		fmt.Fprintf(w, " (%s free)", progress.FormatBytes(int64(v.Free)))
	}
	fmt.Fprintln(w)
	if v.Estimate != nil {
		for _, l := range v.Estimate.Lines(v.ImageSizes) {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	for _, n := range v.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if v.Refused != "" {
		fmt.Fprintf(w, "  REFUSED: %s\n", v.Refused)
	}
	_ = plan.Print(w)
}

// checkExternalMongo asks an external MongoDB its version and FCV through
// the container's own tools (appsmithctl mongo-eval: docker.env's URL, no
// secret through this process), refuses a path that needs a newer server,
// and returns the hops with the FCV each one needs set first
// (upgrade.FitExternalMongo: the same as on Kubernetes). refused is the
// plan's one-line reason.
func checkExternalMongo(ctx context.Context, in *located, hops []upgrade.Hop, to string) (out []upgrade.Hop, notes []string, refused string, err error) {
	need := ""
	for _, h := range hops {
		if h.NeedsExternalMongo != "" && versionLess(need, h.NeedsExternalMongo) {
			need = h.NeedsExternalMongo
		}
	}
	if need == "" {
		return hops, nil, "", nil
	}
	data, rerr := upgrade.ReadExternalMongo(ctx, in.d, in.c.ID)
	if rerr != nil {
		return hops, nil, "external MongoDB version unknown", engine.Errorf(engine.ExitPreflight, "check that the database answers (`"+hint.Appsmith(in.dir, "logs backend")+"`)",
			"could not ask the external MongoDB its version through the container's mongosh (%v); %s needs %s or newer", rerr, to, need)
	}
	out, notes, err = upgrade.FitExternalMongo(hops, data)
	var me *upgrade.ExternalMongoError
	if errors.As(err, &me) {
		return hops, nil, "external MongoDB " + me.Server, engine.Errorf(engine.ExitPreflight, "upgrade the external MongoDB to "+me.Need+" or newer first (its featureCompatibilityVersion too), then run this again",
			"%v", err)
	}
	return out, notes, "", err
}

// versionLess compares dotted versions by their numbers ("" is the least).
func versionLess(a, b string) bool {
	if a == "" {
		return b != ""
	}
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
