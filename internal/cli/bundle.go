package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/bundle"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
)

const bundleExitHelp = "\n\nExit codes: 0 the bundle is good (and loaded); 2 a bad flag or a file that cannot be read;\n" +
	"3 the bundle is refused (truncated, tampered with, unsigned or signed by another key than --trusted-key)\n" +
	"and nothing was loaded; 1 the engine failed."

// NewCmdBundle builds `bundle`: air-gapped installs and upgrades.
func NewCmdBundle(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Carry a whole upgrade path into an air gap: one signed file with every image",
		Long: "A bundle is one tar file with every image an install or upgrade path needs (every checkpoint hop),\n" +
			"the installer, a sha256 of every member and an ed25519 signature. Make it where the registry is\n" +
			"reachable (`bundle create`), carry it over, then `bundle verify` and `bundle load` it, or give it to\n" +
			"`appsmith-install --bundle` or `appsmith upgrade VERSION --bundle`.",
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(NewCmdBundleKeygen(f, nil), NewCmdBundleCreate(f, nil), NewCmdBundleVerify(f, nil), NewCmdBundleLoad(f, nil))
	return cmd
}

// BundleKeygenOptions are `bundle keygen`'s.
type BundleKeygenOptions struct {
	IO     IO
	Output string
}

// NewCmdBundleKeygen builds `bundle keygen`; runF replaces bundleKeygenRun.
func NewCmdBundleKeygen(f *Factory, runF func(*BundleKeygenOptions) error) *cobra.Command {
	opts := &BundleKeygenOptions{IO: f.IO}
	cmd := &cobra.Command{
		Use:   "keygen -o FILE",
		Short: "Make a signing key: FILE (private, 0600) and FILE.pub (what `verify --trusted-key` takes)",
		Long: "Writes an ed25519 key pair: FILE, the private key (mode 0600; keep it off the air-gapped side), and\n" +
			"FILE.pub, the public key to carry with the bundles. Each is two lines: a comment naming the kind of key\n" +
			"and its ID (16 hex digits, what `bundle verify` prints), then the key in base64. An existing file is never\n" +
			"overwritten.",
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if runF != nil {
				return runF(opts)
			}
			return bundleKeygenRun(opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "the private key file to write (FILE.pub is the public key)")
	return cmd
}

func bundleKeygenRun(opts *BundleKeygenOptions) error {
	if opts.Output == "" {
		return engine.UsageError("-o FILE is required: where to write the private key")
	}
	pub, err := bundle.GenerateKey(opts.Output)
	if err != nil {
		return engine.UsageError("-o %s: %v", opts.Output, err)
	}
	fmt.Fprintf(opts.IO.Out, "key %s: private %s (0600), public %s.pub\n", pub.ID(), opts.Output, opts.Output)
	return nil
}

// BundleCreateOptions are `bundle create`'s.
type BundleCreateOptions struct {
	IO          IO
	Deps        Deps
	Root        *rootOpts
	To          string
	From        string
	ForInstance string
	Edition     string
	Registry    string
	SignKey     string
	Output      string
	Installers  []string // PLATFORM=FILE
	Plan        bool
	JSON        bool
	// repoGiven: --edition or --registry was given (the flag's name).
	repoGiven string
}

// NewCmdBundleCreate builds `bundle create`; runF replaces bundleCreateRun.
func NewCmdBundleCreate(f *Factory, runF func(*BundleCreateOptions) error) *cobra.Command {
	opts := &BundleCreateOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "create --to VERSION [--from VERSION | --for-instance DIR] -o FILE",
		Short: "Pull every image of an upgrade path and write them, signed, into one file",
		Long: "Resolves the path from --from (or the version the instance in --for-instance runs) to --to with the\n" +
			"upgrade's version graph and the registry's tags: every checkpoint hop (v1.9.2, the newest v1.96–v1.99\n" +
			"the registry has, ...). Pulls each image through the Engine API, records its registry digest and image\n" +
			"ID, and writes ONE tar as a stream: manifest.json, the engine's save archive of every image at once\n" +
			"(a layer several versions share is stored once), the installer, checksums.sha256 and, with --sign-key,\n" +
			"its signature. Without --from, the bundle holds --to alone (an install).\n\n" +
			"The installer included is this binary when it is a linux build (for its own architecture); add the\n" +
			"other architecture with --installer linux/arm64=FILE (or linux/amd64=FILE).\n\n" +
			"--plan prints the path and the images and pulls nothing." + bundleExitHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, name := range []string{"edition", "registry"} {
				if cmd.Flags().Changed(name) {
					opts.repoGiven = "--" + name
				}
			}
			if runF != nil {
				return runF(opts)
			}
			return bundleCreateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "the Appsmith version the path ends at (v2.0.1; required)")
	fl.StringVar(&opts.From, "from", "", "the version the path starts at (its image is included)")
	fl.StringVar(&opts.ForInstance, "for-instance", "", "start the path at the version the instance in DIR runs, from its image's repository")
	fl.StringVar(&opts.Edition, "edition", "ee", "Appsmith edition: ee or ce")
	fl.StringVar(&opts.Registry, "registry", "", "pull from this registry host[:port][/path] instead of Docker Hub (a mirror)")
	fl.StringVar(&opts.SignKey, "sign-key", "", "sign with this private key FILE (made by bundle keygen); without it the bundle is unsigned")
	fl.StringVarP(&opts.Output, "output", "o", "", "the bundle file to write (default appsmith-bundle-<from>-<to>.tar)")
	fl.StringArrayVar(&opts.Installers, "installer", nil, "include another installer build: PLATFORM=FILE, such as linux/arm64=./appsmith-install-arm64")
	fl.BoolVar(&opts.Plan, "plan", false, "print the path and the images; pull and write nothing")
	fl.BoolVar(&opts.JSON, "json", false, "print the manifest written (or planned) as JSON on stdout")
	return cmd
}

func bundleCreateRun(ctx context.Context, opts *BundleCreateOptions) error {
	stdio, deps := opts.IO, opts.Deps
	if opts.To == "" {
		return engine.UsageError("--to VERSION is required")
	}
	to, err := normalizeRelease("--to", opts.To)
	if err != nil {
		return err
	}
	if opts.From != "" && opts.ForInstance != "" {
		return engine.UsageError("--from and --for-instance both say where the path starts: give one")
	}
	if opts.ForInstance != "" && opts.repoGiven != "" {
		return engine.UsageError("%s and --for-instance both say where the images come from: --for-instance pulls from the instance's own repository; give --from VERSION with %s instead", opts.repoGiven, opts.repoGiven)
	}
	if opts.Edition != "ee" && opts.Edition != "ce" {
		return engine.UsageError("--edition %q: want ee or ce", opts.Edition)
	}
	installers, err := installerFiles(opts.Installers)
	if err != nil {
		return err
	}
	var key *bundle.PrivateKey
	if opts.SignKey != "" {
		k, err := bundle.ReadPrivateKey(opts.SignKey)
		if err != nil {
			return engine.UsageError("--sign-key: %v", err)
		}
		key = &k
	}
	repo := strings.TrimSuffix(install.Options{Edition: opts.Edition, Registry: strings.TrimSuffix(opts.Registry, "/"), Version: "x"}.ImageRef(), ":x")
	from := ""
	if opts.From != "" {
		if from, err = normalizeRelease("--from", opts.From); err != nil {
			return err
		}
	}
	if opts.ForInstance != "" {
		ro := *opts.Root
		ro.dir = opts.ForInstance
		in, err := locateContainer(ctx, &ro, stdio, deps)
		if err != nil {
			return err
		}
		ui := upgradeInstance(ctx, in, deps, 0)
		if ui.Version == "" {
			return engine.Errorf(engine.ExitPreflight, "`"+"appsmith status --dir "+in.dir+"` shows why",
				"the instance in %s does not say its version: --from VERSION names where the path starts", in.dir)
		}
		from, repo = ui.Version, instance.Repository(in.c.Image)
	}
	tags, err := deps.tags(ctx, repo)
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "check the registry is reachable (--registry names a mirror)", "listing the tags of %s: %v", repo, err)
	}
	m, err := bundle.Plan(repo, from, to, tags, deps.now())
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "", "%v", err)
	}
	if opts.Plan {
		return printBundlePlan(stdio, m, opts.JSON)
	}
	out := opts.Output
	if out == "" {
		out = fmt.Sprintf("appsmith-bundle-%s-%s.tar", m.From, m.To)
	}
	d, err := deps.Docker(ctx)
	if err != nil {
		return err
	}
	f, err := fsutil.CreateAtomic(out, 0o644)
	if err != nil {
		return engine.UsageError("-o %s: %v", out, err)
	}
	defer f.Abort()
	var written bundle.Manifest
	err = runBundleStep(ctx, opts.Root, stdio, deps, "bundle create", "Write "+out, fmt.Sprintf("%d image(s) %s → %s", len(m.Images), m.From, m.To),
		func(ctx context.Context, p bundle.Progress) error {
			var err error
			written, err = bundle.Write(ctx, f, d, m, bundle.CreateOptions{Installers: installers, Key: key, Progress: p, Pull: true})
			return err
		})
	if err == nil {
		err = f.Commit()
	}
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(stdio.Out, written)
	}
	st, _ := os.Stat(out)
	signed := "unsigned"
	if key != nil {
		signed = "signed by key " + key.Public().ID()
	}
	fmt.Fprintf(stdio.Out, "%s: %s → %s, %d image(s), %s, %s\n", out, m.From, m.To, len(written.Images), progress.FormatBytes(st.Size()), signed)
	return nil
}

func normalizeRelease(flag, v string) (string, error) {
	n, err := install.NormalizeVersion(v)
	if err != nil {
		return "", engine.UsageError("%s %q: %v", flag, v, err)
	}
	if _, ok := install.ParseVersion(n); !ok {
		return "", engine.UsageError("%s %q: want a release version such as v1.9.2 (not a floating tag)", flag, v)
	}
	return n, nil
}

// installerFiles are the binaries to include: this one when it is a linux
// build, and every --installer PLATFORM=FILE.
func installerFiles(flags []string) ([]bundle.InstallerFile, error) {
	var out []bundle.InstallerFile
	seen := map[string]bool{}
	for _, f := range flags {
		plat, path, ok := strings.Cut(f, "=")
		if !ok || (plat != "linux/amd64" && plat != "linux/arm64") || path == "" {
			return nil, engine.UsageError("--installer %q: want linux/amd64=FILE or linux/arm64=FILE", f)
		}
		if st, err := os.Stat(path); err != nil || !st.Mode().IsRegular() {
			return nil, engine.UsageError("--installer %s: not a readable file", path)
		}
		seen[plat] = true
		out = append(out, bundle.InstallerFile{Platform: plat, Path: path})
	}
	self := runtime.GOOS + "/" + runtime.GOARCH
	if runtime.GOOS == "linux" && !seen[self] {
		if exe, err := os.Executable(); err == nil && !strings.HasSuffix(filepath.Base(exe), ".test") {
			out = append([]bundle.InstallerFile{{Platform: self, Path: exe}}, out...)
		}
	}
	return out, nil
}

func printBundlePlan(stdio IO, m bundle.Manifest, asJSON bool) error {
	if asJSON {
		return writeJSON(stdio.Out, m)
	}
	fmt.Fprintf(stdio.Out, "Bundle %s → %s of %s:\n", m.From, m.To, m.Repository)
	for _, h := range m.Path {
		fmt.Fprintf(stdio.Out, "  hop %s → %s: %s\n", h.From, h.To, h.Why)
	}
	for _, img := range m.Images {
		fmt.Fprintf(stdio.Out, "  image %s\n", img.Ref)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// runBundleStep runs one read-only step with the --progress sink: bytes
// written or read, with their rate, on stderr.
func runBundleStep(ctx context.Context, ro *rootOpts, stdio IO, deps Deps, name, title, cause string, run func(context.Context, bundle.Progress) error) error {
	mode, err := progress.ParseMode(ro.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	step := engine.Step{ID: "bundle", Title: title, Cause: cause, ReadOnly: true,
		Run: func(ctx context.Context, r engine.Reporter) error {
			rates := &rates{now: deps.now}
			err := run(ctx, func(unit, status string, cur, size int64) {
				rates.note(unit, status, cur)
				r.Progress(unit, status, cur, size)
			})
			if err == nil {
				rates.log(r)
			}
			return err
		}}
	err = engine.Run(ctx, engine.Plan{Name: name, Steps: []engine.Step{step}}, sink)
	_ = sink.Close()
	return err
}

// bundleError gives a refused bundle its exit code and hint.
func bundleError(err error, path string) error {
	switch {
	case errors.Is(err, bundle.ErrInvalid), errors.Is(err, bundle.ErrUnsigned), errors.Is(err, bundle.ErrBadSignature):
		return engine.Errorf(engine.ExitPreflight, "nothing was loaded; copy "+path+" again from where it was made, and check it there with `appsmith bundle verify`", "%s: %v", path, err)
	case errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		return engine.UsageError("%v", err)
	}
	return err
}

// rates follows the byte counts of the bundle's transfers ("Writing",
// "Verifying", "Loading") to say, at the end, how much moved how fast.
type rates struct {
	now   func() time.Time
	order []string
	by    map[string]*rate
}

type rate struct {
	first, last time.Time
	bytes       int64
}

func (x *rates) note(unit, status string, cur int64) {
	switch status {
	case "Writing", "Verifying", "Loading":
	default:
		return // a pull's or a push's layers: the engine's own progress
	}
	if x.by == nil {
		x.by = map[string]*rate{}
	}
	key := status + " " + unit
	r := x.by[key]
	if r == nil {
		r = &rate{first: x.now()}
		x.by[key] = r
		x.order = append(x.order, key)
	}
	r.last, r.bytes = x.now(), max(r.bytes, cur)
}

func (x *rates) log(rep engine.Reporter) {
	for _, key := range x.order {
		r := x.by[key]
		d := r.last.Sub(r.first)
		line := fmt.Sprintf("%s: %s", key, progress.FormatBytes(r.bytes))
		if d > 0 {
			line += fmt.Sprintf(" in %s (%s/s)", progress.FormatDuration(d), progress.FormatBytes(int64(float64(r.bytes)/d.Seconds())))
		}
		rep.Log(line)
	}
}
