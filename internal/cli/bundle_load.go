package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/internal/bundle"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/progress"
)

// BundleVerifyOptions are `bundle verify`'s and `bundle load`'s.
type BundleVerifyOptions struct {
	IO         IO
	Deps       Deps
	Root       *rootOpts
	Bundle     string
	TrustedKey string
	PushTo     string // load only
	JSON       bool
}

// NewCmdBundleVerify builds `bundle verify`; runF replaces bundleVerifyRun.
func NewCmdBundleVerify(f *Factory, runF func(*BundleVerifyOptions) error) *cobra.Command {
	opts := &BundleVerifyOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "verify BUNDLE [--trusted-key FILE.pub]",
		Short: "Check every checksum and the signature of a bundle; loads nothing",
		Long: "Reads the whole bundle once, as a stream: every member's sha256 against checksums.sha256, and the\n" +
			"signature of checksums.sha256 (which covers the manifest). With --trusted-key the bundle must be signed\n" +
			"by that key; without it a signature proves the file is whole, not who made it, and an unsigned bundle is\n" +
			"reported loudly on stderr." + bundleExitHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Bundle = args[0]
			if runF != nil {
				return runF(opts)
			}
			return bundleVerifyRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.TrustedKey, "trusted-key", "", "the public key FILE.pub (of bundle keygen) the bundle must be signed with")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the bundle's manifest and signature as JSON on stdout")
	return cmd
}

// NewCmdBundleLoad builds `bundle load`; runF replaces bundleLoadRun.
func NewCmdBundleLoad(f *Factory, runF func(*BundleVerifyOptions) error) *cobra.Command {
	opts := &BundleVerifyOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "load BUNDLE [--trusted-key FILE.pub] [--push-to REGISTRY]",
		Short: "Verify a bundle, then load its images into the engine (and push them to a private registry)",
		Long: "Verifies the whole bundle first (as `bundle verify`); a truncated, tampered or untrusted bundle loads\n" +
			"nothing. Then streams its images into the engine's image load, checks each image has the ID the\n" +
			"manifest recorded, and reports what it loaded. --push-to REGISTRY re-tags every image as\n" +
			"REGISTRY/<repository path>:<tag> and pushes it there, for other hosts to install with\n" +
			"`appsmith-install --registry REGISTRY`." + bundleExitHelp,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Bundle = args[0]
			if runF != nil {
				return runF(opts)
			}
			return bundleLoadRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.TrustedKey, "trusted-key", "", "the public key FILE.pub (of bundle keygen) the bundle must be signed with")
	cmd.Flags().StringVar(&opts.PushTo, "push-to", "", "re-tag the images under this registry host[:port][/path] and push them")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print what was loaded (and pushed) as JSON on stdout")
	return cmd
}

func (opts *BundleVerifyOptions) check() (*bundle.PublicKey, error) {
	if st, err := os.Stat(opts.Bundle); err != nil || !st.Mode().IsRegular() {
		return nil, engine.UsageError("BUNDLE %s: not a readable file", opts.Bundle)
	}
	if opts.TrustedKey == "" {
		return nil, nil
	}
	k, err := bundle.ReadPublicKey(opts.TrustedKey)
	if err != nil {
		return nil, engine.UsageError("--trusted-key: %v", err)
	}
	return &k, nil
}

func (opts *BundleVerifyOptions) open() (io.ReadCloser, error) { return os.Open(opts.Bundle) }

func bundleVerifyRun(ctx context.Context, opts *BundleVerifyOptions) error {
	trusted, err := opts.check()
	if err != nil {
		return err
	}
	var s bundle.Summary
	err = runBundleStep(ctx, opts.Root, opts.IO, opts.Deps, "bundle verify", "Verify "+opts.Bundle, "every checksum and the signature; nothing is loaded",
		func(ctx context.Context, p bundle.Progress) error {
			f, err := opts.open()
			if err != nil {
				return err
			}
			defer f.Close()
			s, err = bundle.Verify(ctx, f, trusted, p)
			return err
		})
	if err != nil {
		return bundleError(err, opts.Bundle)
	}
	warnSignature(opts.IO, s)
	if opts.JSON {
		return writeJSON(opts.IO.Out, s)
	}
	m := s.Manifest
	fmt.Fprintf(opts.IO.Out, "%s: a good bundle %s → %s of %s (%d image(s), %s of images; made by appsmith-install %s)\n",
		opts.Bundle, m.From, m.To, m.Repository, len(m.Images), progress.FormatBytes(s.ImagesSize), m.Installer.Version)
	for _, img := range m.Images {
		fmt.Fprintf(opts.IO.Out, "  %s  %s\n", img.Ref, orUnknown(img.Digest))
	}
	return nil
}

// warnSignature says loudly what a signature does not prove.
func warnSignature(stdio IO, s bundle.Summary) {
	switch {
	case !s.Signed:
		fmt.Fprintln(stdio.Err, "warning: this bundle is NOT SIGNED: its checksums prove it is whole, not who made it. Sign bundles with `bundle create --sign-key` and check them with --trusted-key.")
	case !s.Trusted:
		fmt.Fprintf(stdio.Err, "warning: signed by key %s, which was not checked against a trusted key: pass --trusted-key FILE.pub to know who made it.\n", s.KeyID)
	}
}

func bundleLoadRun(ctx context.Context, opts *BundleVerifyOptions) error {
	trusted, err := opts.check()
	if err != nil {
		return err
	}
	if opts.PushTo != "" {
		if _, err := bundle.Retag("appsmith/appsmith-ee:v1", opts.PushTo); err != nil {
			return engine.UsageError("%v", err)
		}
	}
	d, err := opts.Deps.Docker(ctx)
	if err != nil {
		return err
	}
	var res bundle.LoadResult
	err = runBundleStep(ctx, opts.Root, opts.IO, opts.Deps, "bundle load", "Verify and load "+opts.Bundle, "the whole bundle is verified before anything is loaded",
		func(ctx context.Context, p bundle.Progress) error {
			var err error
			res, err = bundle.Load(ctx, opts.open, d, bundle.LoadOptions{Trusted: trusted, PushTo: opts.PushTo, Progress: p})
			return err
		})
	if err != nil {
		return bundleError(err, opts.Bundle)
	}
	warnSignature(opts.IO, res.Summary)
	if opts.JSON {
		return writeJSON(opts.IO.Out, res)
	}
	for _, img := range res.Images {
		fmt.Fprintf(opts.IO.Out, "loaded %s  %s", img.Ref, img.ID)
		if img.Pushed != "" {
			fmt.Fprintf(opts.IO.Out, "  pushed as %s", img.Pushed)
		}
		fmt.Fprintln(opts.IO.Out)
	}
	return nil
}
