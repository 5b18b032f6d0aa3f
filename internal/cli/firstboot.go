package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/firstboot"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/lock"
	"github.com/appsmith-install/appsmith-install/internal/metadata"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// FirstbootOptions are `appsmith-install firstboot`'s.
type FirstbootOptions struct {
	IO   IO
	Deps Deps
	Root *rootOpts
	// SysRoot is the machine's root ("/"); tests point it at a tree. The
	// Docker engine is the real one either way.
	SysRoot string
	// MetadataWait bounds reading the instance metadata, retries included.
	MetadataWait time.Duration
	Timeout      time.Duration
}

// NewCmdFirstboot builds `firstboot`; runF replaces firstbootRun.
func NewCmdFirstboot(f *Factory, runF func(*FirstbootOptions) error) *cobra.Command {
	opts := &FirstbootOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "firstboot [--root DIR]",
		Short: "Finish an instance made from a baked machine image: secrets, settings from user-data, start, MOTD",
		Long: "Run once per instance by the hook `image prepare` installs (cloud-init per-instance and a systemd unit).\n" +
			"Reads /etc/appsmith/image.env (provider, edition, version, image by digest), the instance metadata\n" +
			"(AWS IMDSv2 only, or DigitalOcean's v1.json; $" + metadata.EndpointEnv + " overrides the endpoint) and the\n" +
			"`appsmith:` section of its user-data (install.yaml's keys, plus backup: and auto_update: mappings of the\n" +
			"flags of `appsmith backup schedule` and `appsmith auto-update enable`), then installs with the pre-pulled\n" +
			"image through the same plan as `appsmith-install --yes`: docker.env and its secrets are generated on this\n" +
			"instance, never baked. An instance that already has them (a second run, or one started from a snapshot)\n" +
			"keeps them and is only made to run. Writes /root/appsmith-credentials (0600: the URL, where the secrets\n" +
			"live, the next commands; no secret, and there is no default admin) and /etc/appsmith/motd.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return firstbootRun(cmd.Context(), opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&opts.SysRoot, "root", "/", "the machine's root directory (image.env, the install dir, the credentials and MOTD files are under it)")
	fs.DurationVar(&opts.MetadataWait, "metadata-timeout", 2*time.Minute, "how long to keep trying the instance metadata service")
	fs.DurationVar(&opts.Timeout, "timeout", install.Defaults().Timeout, "how long to wait for Appsmith to become ready")
	return cmd
}

func firstbootRun(ctx context.Context, opts *FirstbootOptions) error {
	ro, stdio, deps := opts.Root, opts.IO, opts.Deps
	mode, err := progress.ParseMode(ro.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	root, err := filepath.Abs(opts.SysRoot)
	if err != nil {
		return engine.UsageError("--root %s: %v", opts.SysRoot, err)
	}
	im, err := imageenv.Read(root)
	if errors.Is(err, os.ErrNotExist) {
		return engine.Errorf(engine.ExitUsage, "firstboot runs on a machine image made by `appsmith-install image prepare`; elsewhere install with `appsmith-install`",
			"--root %s: no %s", opts.SysRoot, imageenv.File(root))
	}
	if err != nil {
		return engine.UsageError("%v", err)
	}
	fmt.Fprintf(stdio.Err, "First boot of a %s image with Appsmith %s %s.\n", im.Provider, im.Edition, im.Version)
	meta, err := metadata.Fetch(ctx, im.Provider, metadata.Options{Getenv: stdio.Getenv, Wait: opts.MetadataWait})
	if err != nil {
		return engine.Errorf(engine.ExitFailure, "make sure the instance's metadata service is on (on AWS: IMDSv2, hop limit 2 or more), then run `appsmith-install firstboot` again",
			"reading the instance metadata: %v", err)
	}
	fmt.Fprintf(stdio.Err, "Instance %s (%s), reached at %s.\n", meta.InstanceID, orDash(meta.Region), orDash(meta.Address()))
	set, err := firstboot.Parse(meta.UserData)
	hasSet := err == nil
	if err != nil && !errors.Is(err, firstboot.ErrNoSection) {
		return engine.UsageError("%v", err)
	}
	if !hasSet {
		fmt.Fprintf(stdio.Err, "User-data has no %s: section: the image's defaults.\n", firstboot.Key)
	}

	o, existing, err := firstbootOptions(ctx, opts, root, im, set, hasSet)
	if err != nil {
		return err
	}
	sched, err := firstbootSchedules(opts, set, existing)
	if err != nil {
		return err
	}
	// The schedules find the instance as their own commands would: by --dir.
	ro.usedDir, ro.dir = o.Dir, o.Dir

	l, waited, err := waitLock(ctx, o.Dir, opts.Timeout)
	if err != nil {
		return err
	}
	defer l.Release()
	if waited {
		// Another firstboot (the cloud-init hook beside the systemd unit)
		// ran meanwhile: what it installed is now the existing instance.
		if o, existing, err = firstbootOptions(ctx, opts, root, im, set, hasSet); err != nil {
			return err
		}
		if sched, err = firstbootSchedules(opts, set, existing); err != nil {
			return err
		}
	}
	if err := guardUnfinished(o.Dir, nil); err != nil {
		return err
	}
	in := &install.Installer{
		Connect: func(ctx context.Context) (install.Docker, error) { return deps.Docker(ctx) },
		Host:    deps.Host,
		Version: buildinfo.Get().Version,
		Now:     deps.Now,
	}
	obs, plan, err := observeAndPlan(ctx, in, o, ro.dirSource, stdio, mode, true)
	if err != nil {
		return err
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
	s, err := state.Load(o.Dir)
	if err != nil {
		return err
	}
	if s.Image == im.Reference && s.Version != im.Version {
		// WaitReady checked /info against image.env already; a state that
		// says otherwise was written by something else.
		return engine.Errorf(engine.ExitNotReady, "this machine image is inconsistent: bake it again; `"+hint.Appsmith(o.Dir, "status")+"` shows what runs",
			"%s runs Appsmith %s, but %s records %s", im.Reference, s.Version, imageenv.File(root), im.Version)
	}
	l.Release()
	for _, run := range sched {
		if err := retryBusy(ctx, opts.Timeout, run); err != nil {
			return err
		}
	}
	site := firstboot.Site{Dir: o.Dir, Provider: im.Provider, InstanceID: meta.InstanceID, Address: meta.Address(),
		HTTPPort: s.HTTPPort, HTTPSPort: s.HTTPSPort, Version: s.Version}
	if s.TLS != install.TLSNone && s.TLS != "" {
		site.Domain = s.Domain
	}
	wrote, err := firstboot.WriteNotes(root, site)
	if err != nil {
		return err
	}
	for _, p := range wrote {
		fmt.Fprintf(stdio.Err, "wrote %s\n", p)
	}
	fmt.Fprintf(stdio.Err, "\nAppsmith %s is ready at %s\n  where its secrets live and what to run next: %s\n", s.Version, site.URL(), filepath.Join(root, firstboot.CredentialsPath))
	return nil
}

// firstbootOptions are the install's options: the defaults under root, the
// user-data section through the same loader as --config, then the image
// image.env names. An instance that exists keeps what it recorded: user-data
// is for the first boot only.
func firstbootOptions(ctx context.Context, opts *FirstbootOptions, root string, im imageenv.Image, set firstboot.Settings, hasSet bool) (install.Options, bool, error) {
	ro, deps := opts.Root, opts.Deps
	defaults := install.Defaults()
	defaults.Dir = filepath.Join(root, strings.TrimPrefix(defaults.Dir, "/"))
	defaults.LinkDir = filepath.Join(root, strings.TrimPrefix(defaults.LinkDir, "/"))
	defaults.Edition, defaults.Timeout = im.Edition, opts.Timeout
	layers := func(l *loader) error {
		if hasSet {
			if err := l.fromYAML(set.Install, "user-data ("+firstboot.Key+": section)"); err != nil {
				return err
			}
		}
		if ro.dir != "" {
			l.opts.Dir, l.sources["dir"] = ro.dir, "--dir"
		}
		return nil
	}
	first := newLoader(defaults)
	if err := layers(first); err != nil {
		return install.Options{}, false, err
	}
	dirOnly, err := first.normalize(deps.Host)
	if err != nil {
		return install.Options{}, false, err
	}
	ro.dirSource = first.sources["dir"]
	existing := firstboot.Existing(dirOnly.Dir)
	l := newLoader(defaults)
	var s *state.State
	if existing {
		fmt.Fprintf(opts.IO.Err, "%s already holds an instance: its secrets and settings stay as they are; making sure it runs.\n", dirOnly.Dir)
		if s = recorded(ctx, deps, dirOnly.Dir); s != nil {
			l.fromState(s)
		}
		l.opts.Dir = dirOnly.Dir
	} else if err := layers(l); err != nil {
		return install.Options{}, false, err
	}
	v, _ := install.NormalizeVersion(l.opts.Version) // "1.9.38" is the baked v1.9.38; a bad one is reported below
	asked := l.sources["image"] != "" || l.sources["registry"] != "" ||
		(l.sources["version"] != "" && v != im.Version) || l.opts.Edition != im.Edition
	switch {
	case s != nil: // the instance's own image, whatever it was upgraded to since
	case asked:
		fmt.Fprintf(opts.IO.Err, "user-data asks for another image than the one baked in (%s): it will be pulled.\n", im.Reference)
	default:
		l.opts.Image, l.opts.Edition = im.Reference, im.Edition
	}
	o, err := l.normalize(deps.Host)
	if err != nil {
		return o, existing, err
	}
	if o.Image == im.Reference {
		o.ImageVersion = im.Version
	}
	return o, existing, nil
}

// firstbootSchedules checks the backup: and auto_update: mappings of
// user-data now (a bad key or value changes nothing) and returns what sets
// them up once the instance runs, as the commands of the same flags would.
func firstbootSchedules(opts *FirstbootOptions, set firstboot.Settings, existing bool) ([]func(context.Context) error, error) {
	if existing {
		return nil, nil // set up on the first boot, or by hand since
	}
	var runs []func(context.Context) error
	f := &Factory{IO: opts.IO, Deps: opts.Deps, root: opts.Root}
	if set.Backup != nil {
		var bopts *BackupScheduleOptions
		cmd := NewCmdBackupSchedule(f, func(o *BackupScheduleOptions) error { bopts = o; return nil })
		if err := setFlags(cmd, firstboot.BackupKey, set.Backup); err != nil {
			return nil, err
		}
		_ = cmd.RunE(cmd, nil) // hands over the options
		bopts.SystemRoot = opts.SysRoot
		if bopts.Daily == "" || !hhmm.MatchString(bopts.Daily) {
			return nil, engine.UsageError("user-data: %s.%s.daily %q: a time of day as HH:MM (24-hour), such as 03:30", firstboot.Key, firstboot.BackupKey, bopts.Daily)
		}
		runs = append(runs, func(ctx context.Context) error { return backupScheduleRun(ctx, bopts) })
	}
	if set.AutoUpdate != nil {
		au := &AutoUpdateOptions{IO: opts.IO, Deps: opts.Deps, Root: opts.Root, SystemRoot: opts.SysRoot}
		cmd := &cobra.Command{Use: "auto-update enable"}
		cmd.Flags().StringVar(&au.Window, "window", "", "")
		cmd.Flags().StringVar(&au.Channel, "channel", "patch", "")
		cmd.Flags().StringVar(&au.PassphraseFile, "passphrase-file", "", "")
		if err := setFlags(cmd, firstboot.AutoUpdateKey, set.AutoUpdate); err != nil {
			return nil, err
		}
		if _, err := parseWindow(au.Window); err != nil {
			return nil, engine.UsageError("user-data: %s.%s.window %q: %v", firstboot.Key, firstboot.AutoUpdateKey, au.Window, err)
		}
		runs = append(runs, func(ctx context.Context) error { return autoUpdateEnable(ctx, au) })
	}
	return runs, nil
}

// setFlags sets cmd's flags from a user-data mapping (keys with '_' for
// '-'); an unknown key or bad value names its place in user-data.
func setFlags(cmd *cobra.Command, section string, kv map[string]string) error {
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := strings.ReplaceAll(k, "_", "-")
		fl := cmd.Flags().Lookup(name)
		if fl == nil || name == "off" || name == "help" {
			return engine.UsageError("user-data: unknown key %s.%s.%s (the flags of `appsmith %s`, with '_' for '-')", firstboot.Key, section, k, strings.ReplaceAll(section, "_", "-"))
		}
		if err := cmd.Flags().Set(name, kv[k]); err != nil {
			return engine.UsageError("user-data: %s.%s.%s %q: %v", firstboot.Key, section, k, kv[k], err)
		}
	}
	return nil
}

// waitLock takes dir's lock, waiting up to timeout for another run to
// finish; waited says whether one held it.
func waitLock(ctx context.Context, dir string, timeout time.Duration) (*lock.Lock, bool, error) {
	deadline := time.Now().Add(timeout)
	for waited := false; ; waited = true {
		l, err := lock.Acquire(dir)
		if !errors.Is(err, lock.ErrBusy) || time.Now().After(deadline) {
			if errors.Is(err, lock.ErrBusy) {
				return nil, waited, &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "wait until it finishes, then run `appsmith-install firstboot` again"}
			}
			return l, waited, err
		}
		select {
		case <-ctx.Done():
			return nil, waited, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// retryBusy runs run (which takes dir's lock itself) again while another
// run holds the lock: the other firstboot of the same boot converging.
func retryBusy(ctx context.Context, timeout time.Duration, run func(context.Context) error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := run(ctx)
		if !errors.Is(err, lock.ErrBusy) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
