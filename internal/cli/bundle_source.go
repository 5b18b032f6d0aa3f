package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/appsmith-install/appsmith-install/internal/bundle"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// bundleSource is `upgrade --bundle`: the path's images come from the
// bundle, whose manifest is the tag list the path is planned with. The
// first hop's step verifies the whole bundle and loads it (unless the
// engine has every image already, by ID); the next ones find their image.
type bundleSource struct {
	path    string
	trusted *bundle.PublicKey
	m       bundle.Manifest
	d       bundle.Loader // the located instance's engine
	loaded  bool
}

var _ upgrade.ImageSource = (*bundleSource)(nil)

// upgradeBundle reads --bundle's manifest and --trusted-key; nil without
// --bundle.
func upgradeBundle(opts *UpgradeOptions) (*bundleSource, error) {
	if opts.Bundle == "" {
		if opts.TrustedKey != "" {
			return nil, engine.UsageError("--trusted-key goes with --bundle")
		}
		return nil, nil
	}
	m, err := bundle.ReadManifest(opts.Bundle)
	if err != nil {
		return nil, engine.UsageError("--bundle %s: %v", opts.Bundle, err)
	}
	s := &bundleSource{path: opts.Bundle, m: m}
	if opts.TrustedKey != "" {
		k, err := bundle.ReadPublicKey(opts.TrustedKey)
		if err != nil {
			return nil, engine.UsageError("--trusted-key: %v", err)
		}
		s.trusted = &k
	}
	return s, nil
}

// tags are the bundle's versions, newest first as a registry lists them.
func (s *bundleSource) tags() []string {
	vs := s.m.Versions()
	slices.Reverse(vs)
	return vs
}

func (s *bundleSource) Ensure(ctx context.Context, ref, version string, r engine.Reporter) error {
	img, ok := s.m.Image(version)
	if !ok {
		return fmt.Errorf("the bundle has no image of %s", version)
	}
	if s.d == nil {
		return fmt.Errorf("internal error: bundle %s without an engine", s.path)
	}
	if !s.loaded {
		open := func() (io.ReadCloser, error) { return os.Open(s.path) }
		res, err := bundle.Load(ctx, open, s.d, bundle.LoadOptions{Trusted: s.trusted,
			Progress: func(unit, status string, cur, size int64) { r.Progress(unit, status, cur, size) }})
		if err != nil {
			return bundleError(err, s.path)
		}
		if !res.Summary.Signed {
			r.Warn("the bundle is NOT SIGNED: its checksums prove it whole, not who made it")
		} else if !res.Summary.Trusted {
			r.Warn("the bundle is signed by key " + res.Summary.KeyID + ", not checked against a trusted key (--trusted-key)")
		}
		s.loaded = true
	}
	// The instance's repository may not be the bundle's (a bundle made
	// from Docker Hub for an instance that names a mirror): the image gets
	// the name the hop runs.
	if ref != img.Ref {
		if err := s.d.ImageTag(ctx, img.ID, ref); err != nil {
			return err
		}
	}
	got, err := s.d.ImageInspect(ctx, ref)
	if err != nil {
		return err
	}
	if got.ID != img.ID {
		return fmt.Errorf("%s is image %s in the engine, not %s as the bundle says", ref, got.ID, img.ID)
	}
	return nil
}
