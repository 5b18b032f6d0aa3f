package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/imagecheck"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/imageprep"
	"github.com/appsmith-install/appsmith-install/internal/registry"
)

// NewCmdImage builds `image` and its commands: baking marketplace images.
func NewCmdImage(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Bake and check AWS and DigitalOcean machine images (Packer runs these)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdImagePrepare(f, nil), NewCmdImageCheck(f, nil))
	return cmd
}

// ImagePrepareOptions are `image prepare`'s.
type ImagePrepareOptions struct {
	IO       IO
	Deps     Deps
	Provider string
	Edition  string
	Version  string
	Registry string
	Root     string
	JSON     bool
}

// NewCmdImagePrepare builds `image prepare`; runF replaces imagePrepareRun.
func NewCmdImagePrepare(f *Factory, runF func(*ImagePrepareOptions) error) *cobra.Command {
	opts := &ImagePrepareOptions{IO: f.IO, Deps: f.Deps}
	cmd := &cobra.Command{
		Use:   "prepare --provider aws|digitalocean",
		Short: "Turn this machine (or --root DIR) into a marketplace image that starts Appsmith on first boot",
		Long: "Installs the Docker engine if missing, pulls the Appsmith image BY DIGEST and records it in\n" +
			"/etc/appsmith/image.env, installs the first-boot hook (a cloud-init per-instance script and the\n" +
			"appsmith-firstboot.service unit, both running `appsmith-install firstboot`), a MOTD script and the\n" +
			"`appsmith` link. Generates no secret and starts no instance. Then cleans the image for publication:\n" +
			"authorized_keys of root and every user, SSH host keys, shell histories, logs and their archives,\n" +
			"cloud-init's instance state, /etc/machine-id (left empty), /tmp and /var/tmp, apt lists; writes an sshd\n" +
			"drop-in (no passwords; root by key only) and locks every password (root's shadow field exactly *).\n" +
			"On DigitalOcean: ufw letting in 22, 80 and 443/tcp only, and DigitalOcean's agents disabled.\n\n" +
			"--root DIR does the file-system part into DIR (tests, CI); the package, service and Docker steps are\n" +
			"then reported (\"would\"), not run. Run it again: it changes only what is not yet as it should be.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return imagePrepareRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Provider, "provider", "", "the cloud the image is for: aws or digitalocean (required)")
	fl.StringVar(&opts.Edition, "edition", "ee", "Appsmith edition: ee or ce")
	fl.StringVar(&opts.Version, "version", "", "Appsmith version tag (v1.9.38; default: the newest the registry has)")
	fl.StringVar(&opts.Registry, "registry", "", "pull from this registry host[:port][/path] instead of Docker Hub (a mirror)")
	fl.StringVar(&opts.Root, "root", "/", "the image's root: / for this machine, or a directory")
	fl.BoolVar(&opts.JSON, "json", false, "print the image and the changes as JSON on stdout")
	return cmd
}

// imageRoot checks --root: an existing directory, made absolute; live says
// it is this machine's own root.
func imageRoot(root string) (dir string, live bool, err error) {
	if root == "" {
		return "", false, engine.UsageError("--root: want / for this machine, or a directory")
	}
	dir, err = filepath.Abs(root)
	if err != nil {
		return "", false, engine.UsageError("--root %s: %v", root, err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", false, engine.UsageError("--root %s: %v", root, err)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return "", false, engine.UsageError("--root %s: not a directory", root)
	}
	return dir, real == "/", nil
}

func imagePrepareRun(ctx context.Context, opts *ImagePrepareOptions) error {
	stdio := opts.IO
	switch opts.Provider {
	case imageenv.AWS, imageenv.DigitalOcean:
	case "":
		return engine.UsageError("--provider is required: aws or digitalocean")
	default:
		return engine.UsageError("--provider %q: want aws or digitalocean", opts.Provider)
	}
	if opts.Edition != "ee" && opts.Edition != "ce" {
		return engine.UsageError("--edition %q: want ee or ce", opts.Edition)
	}
	version := opts.Version
	if version != "" {
		if !strings.HasPrefix(version, "v") {
			version = "v" + version // Appsmith's tags carry the v
		}
		if _, ok := install.ParseVersion(version); !ok {
			return engine.UsageError("--version %q: want a release tag such as v1.9.38 (a digest reference carries no tag, so firstboot checks this one)", opts.Version)
		}
	}
	root, live, err := imageRoot(opts.Root)
	if err != nil {
		return err
	}
	if live && os.Geteuid() != 0 {
		return engine.Errorf(engine.ExitPreflight, "sudo appsmith-install image prepare --provider "+opts.Provider, "image prepare on this machine needs root")
	}
	repo := "appsmith/appsmith-" + opts.Edition
	if opts.Registry != "" {
		repo = strings.TrimSuffix(opts.Registry, "/") + "/" + repo
	}
	if version == "" {
		tags, err := opts.Deps.tags(ctx, repo)
		if err != nil {
			return fmt.Errorf("list the versions of %s: %w", repo, err)
		}
		if len(tags) == 0 {
			return fmt.Errorf("%s has no release tags: name one with --version", repo)
		}
		version = tags[0]
	}
	digest, err := registry.Digest(ctx, repo+":"+version)
	if err != nil {
		return engine.Errorf(engine.ExitFailure, "check --version and --registry, and that this machine reaches the registry", "resolve %s:%s to a digest: %v", repo, version, err)
	}
	im := imageenv.Image{Provider: opts.Provider, Edition: opts.Edition, Version: version, Reference: repo + "@" + digest}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var sys *imageprep.System
	if live {
		sys, err = liveSystem(ctx, stdio, opts.Deps)
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdio.Err, "image prepare: %s image of Appsmith %s %s (%s) in %s\n", opts.Provider, opts.Edition, version, im.Reference, root)
	changes, err := imageprep.Prepare(ctx, root, imageprep.Options{Image: im, Self: self}, sys)
	for _, c := range changes {
		fmt.Fprintf(stdio.Err, "  %-8s %s\n", c.Action, c.Path)
	}
	if err != nil {
		return engine.Errorf(engine.ExitFailure, "fix the cause and run image prepare again: it continues where it stopped", "image prepare: %v", err)
	}
	if len(changes) == 0 {
		fmt.Fprintln(stdio.Err, "  nothing to change")
	}
	if opts.JSON {
		if changes == nil {
			changes = []imageprep.Change{}
		}
		if err := json.NewEncoder(stdio.Out).Encode(map[string]any{"root": root, "image": imageJSON(im), "changes": changes}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdio.Err, "next: appsmith-install image check --root %s\n", root)
	return nil
}

func imageJSON(im imageenv.Image) map[string]string {
	return map[string]string{"provider": im.Provider, "edition": im.Edition, "version": im.Version, "reference": im.Reference}
}

// liveSystem is this machine's package manager, services and engine.
func liveSystem(ctx context.Context, stdio IO, deps Deps) (*imageprep.System, error) {
	return &imageprep.System{
		Run: func(ctx context.Context, name string, args ...string) error {
			cmd := exec.CommandContext(ctx, name, args...)
			cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
			cmd.Stdout, cmd.Stderr = stdio.Err, stdio.Err
			return cmd.Run()
		},
		Installed: func(pkg string) bool {
			out, err := exec.CommandContext(ctx, "dpkg-query", "-W", "-f=${Status}", pkg).Output()
			return err == nil && strings.HasSuffix(string(out), " installed")
		},
		HasImage: func(ctx context.Context, ref string) (bool, error) {
			d, err := deps.Docker(ctx)
			if err != nil {
				return false, err
			}
			_, err = d.ImageInspect(ctx, ref)
			if errors.Is(err, docker.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		},
		Pull: func(ctx context.Context, ref string) error {
			d, err := deps.Docker(ctx)
			if err != nil {
				return err
			}
			if err := d.ImagePull(ctx, ref, func(docker.PullEvent) {}); err != nil {
				return err
			}
			_, err = d.ImageInspect(ctx, ref)
			return err
		},
	}, nil
}

// ImageCheckOptions are `image check`'s.
type ImageCheckOptions struct {
	IO       IO
	Deps     Deps
	Root     string
	Provider string
	JSON     bool
}

// NewCmdImageCheck builds `image check`; runF replaces imageCheckRun.
func NewCmdImageCheck(f *Factory, runF func(*ImageCheckOptions) error) *cobra.Command {
	opts := &ImageCheckOptions{IO: f.IO, Deps: f.Deps}
	cmd := &cobra.Command{
		Use:   "check --root DIR",
		Short: "Judge an image by both marketplaces' publication rules (exit 1 on any FAIL)",
		Long: "The rules of DigitalOcean's 99-img-check.sh (v1.8.1) and the holes it leaves (users' keys and histories,\n" +
			"host keys, sshd settings and drop-ins, cloud-init state, machine-id, /tmp, compressed and nested logs),\n" +
			"AWS Marketplace's AMI rules, and this project's own (no Appsmith secret baked in, the first-boot hook,\n" +
			"the image present by the recorded digest), judged on the files under --root (/ for this machine).\n" +
			"Each check is PASS, WARN or FAIL, with the paths at fault and the fix. A WARN never fails the run;\n" +
			"on a directory, the checks that need the running system (security updates, the Docker engine's images,\n" +
			"unless its image store is in the tree) are WARN \"cannot check offline\".",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return imageCheckRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Root, "root", "", "the image's root: / for this machine, or a directory (required)")
	fl.StringVar(&opts.Provider, "provider", "", "judge for aws or digitalocean (default: image.env's; both when it names none)")
	fl.BoolVar(&opts.JSON, "json", false, "print the report as JSON on stdout")
	return cmd
}

func imageCheckRun(ctx context.Context, opts *ImageCheckOptions) error {
	stdio := opts.IO
	if opts.Root == "" {
		return engine.UsageError("--root is required: / for this machine, or a directory")
	}
	switch opts.Provider {
	case "", imageenv.AWS, imageenv.DigitalOcean:
	default:
		return engine.UsageError("--provider %q: want aws or digitalocean", opts.Provider)
	}
	root, live, err := imageRoot(opts.Root)
	if err != nil {
		return err
	}
	if live && os.Geteuid() != 0 {
		return engine.Errorf(engine.ExitPreflight, "sudo appsmith-install image check --root /", "image check on this machine needs root (it reads /etc/shadow and every home)")
	}
	fsys, closeFS, err := imagecheck.OpenRoot(root)
	if err != nil {
		return engine.UsageError("--root %s: %v", opts.Root, err)
	}
	defer closeFS()
	co := imagecheck.Options{Root: root, Provider: opts.Provider, Live: live}
	if live {
		co.SecurityUpdates = imagecheck.AptSecurityUpdates
		co.ImagePresent = func(ctx context.Context, ref string) (bool, error) {
			d, err := opts.Deps.Docker(ctx)
			if err != nil {
				return false, err
			}
			_, err = d.ImageInspect(ctx, ref)
			if errors.Is(err, docker.ErrNotFound) {
				return false, nil
			}
			return err == nil, err
		}
	}
	rep := imagecheck.Run(ctx, fsys, co)
	if opts.JSON {
		if err := json.NewEncoder(stdio.Out).Encode(rep); err != nil {
			return err
		}
	} else {
		printImageReport(stdio, rep)
	}
	if rep.Failed() {
		return exitSilentlyBecause(engine.ExitFailure, "the image check failed: the report says which checks")
	}
	return nil
}

func printImageReport(stdio IO, rep imagecheck.Report) {
	w := stdio.Out
	for _, r := range rep.Results {
		line := fmt.Sprintf("%-4s  %-18s  %s", r.Status, r.ID, r.Title)
		if r.Detail != "" {
			line += ": " + r.Detail
		}
		fmt.Fprintln(w, line)
		if r.Status == imagecheck.Pass {
			continue
		}
		for _, p := range r.Paths {
			fmt.Fprintf(w, "        %s\n", p)
		}
		if r.Fix != "" {
			fmt.Fprintf(w, "        fix: %s\n", r.Fix)
		}
	}
	fmt.Fprintf(w, "%d passed, %d warnings, %d failed (%s", rep.Pass, rep.Warn, rep.Fail, rep.Root)
	if rep.Provider != "" {
		fmt.Fprintf(w, ", %s", rep.Provider)
	}
	fmt.Fprintln(w, ")")
}
