package install

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/bundle"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// fromBundle points the options at the bundle's image of the version
// asked for (the bundle's newest, for a floating tag): its repository
// gives the registry and edition when it is Appsmith's, else the image is
// named in full. Nothing in the manifest is trusted yet: the load step
// verifies the whole bundle before it loads.
func (o *Options) fromBundle() error {
	if o.Bundle == "" {
		if o.TrustedKey != "" {
			return fieldErr("trusted-key", o.TrustedKey, "goes with --bundle")
		}
		return nil
	}
	abs, err := filepath.Abs(o.Bundle)
	if err != nil {
		return fieldErr("bundle", o.Bundle, err.Error())
	}
	o.Bundle = abs
	if o.TrustedKey != "" {
		if _, err := bundle.ReadPublicKey(o.TrustedKey); err != nil {
			return fieldErr("trusted-key", o.TrustedKey, err.Error())
		}
	}
	m, err := bundle.ReadManifest(o.Bundle)
	if err != nil {
		return fieldErr("bundle", o.Bundle, err.Error())
	}
	if o.Image != "" {
		return fieldErr("image", o.Image, "--bundle names the image itself: give --version to pick one of the bundle's")
	}
	v := o.Version
	if floatTags[v] {
		v = m.To
	}
	img, ok := m.Image(v)
	if !ok {
		return fieldErr("version", o.Version, fmt.Sprintf("the bundle has no image of it (it has %s)", strings.Join(m.Versions(), ", ")))
	}
	o.Version, o.BundleImageID = img.Version, img.ID
	for _, ed := range []string{"ce", "ee"} {
		if reg, ok := strings.CutSuffix(m.Repository, "appsmith/appsmith-"+ed); ok && (reg == "" || strings.HasSuffix(reg, "/")) {
			o.Edition, o.Registry = ed, strings.TrimSuffix(reg, "/")
			return nil
		}
	}
	o.Image = img.Ref
	return nil
}

// loadBundle verifies the whole bundle and loads the image from it (or
// finds it loaded already): no registry is contacted. A refused bundle
// loads nothing and changes nothing.
func (r *run) loadBundle(ctx context.Context, rep engine.Reporter) error {
	var trusted *bundle.PublicKey
	if r.o.TrustedKey != "" {
		k, err := bundle.ReadPublicKey(r.o.TrustedKey)
		if err != nil {
			return err
		}
		trusted = &k
	}
	open := func() (io.ReadCloser, error) { return os.Open(r.o.Bundle) }
	res, err := bundle.Load(ctx, open, r.d, bundle.LoadOptions{Trusted: trusted, Only: []string{r.o.Version},
		Progress: func(unit, status string, cur, size int64) { rep.Progress(unit, status, cur, size) }})
	if err != nil {
		return &engine.Error{Code: engine.ExitPreflight, Err: fmt.Errorf("bundle %s: %w", r.o.Bundle, err),
			Hint: "nothing was loaded or changed; `appsmith bundle verify " + r.o.Bundle + "` checks it"}
	}
	if !res.Summary.Signed {
		rep.Warn("the bundle is NOT SIGNED: its checksums prove it whole, not who made it")
	} else if !res.Summary.Trusted {
		rep.Warn("the bundle is signed by key " + res.Summary.KeyID + ", not checked against a trusted key (--trusted-key)")
	}
	img, err := r.d.ImageInspect(ctx, r.o.ImageRef())
	r.image = img
	return err
}

func fieldErr(field, value, reason string) error {
	return &FieldError{Field: field, Value: value, Reason: reason}
}
