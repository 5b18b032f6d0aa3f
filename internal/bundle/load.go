package bundle

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/distribution/reference"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// Loader is what Load asks of the engine.
type Loader interface {
	ImageInspect(ctx context.Context, ref string) (docker.Image, error)
	ImageLoad(ctx context.Context, archive io.Reader) ([]string, error)
	ImageTag(ctx context.Context, src, target string) error
	ImagePush(ctx context.Context, ref string, onEvent func(docker.PullEvent)) error
}

var _ Loader = (*docker.Client)(nil)

// Opener opens the bundle for a pass; Load reads it twice (verify, then
// load), never holding it in memory or copying it.
type Opener func() (io.ReadCloser, error)

// LoadOptions are Load's.
type LoadOptions struct {
	Trusted *PublicKey
	// PushTo re-tags every image under this registry (host[:port][/path])
	// and pushes it there.
	PushTo   string
	Progress Progress
	// Only, when set, are the versions needed: when the engine has all of
	// them already (same image IDs), nothing is loaded.
	Only []string
}

// Loaded is one image Load put into the engine (or found there).
type Loaded struct {
	Version string `json:"version"`
	Ref     string `json:"ref"`
	ID      string `json:"id"`
	Digest  string `json:"digest,omitempty"` // as pulled when the bundle was made
	// Present: the engine had it already, with the same ID; nothing loaded.
	Present bool   `json:"already_present,omitempty"`
	Pushed  string `json:"pushed,omitempty"` // the reference pushed to --push-to
}

// LoadResult is what Load did.
type LoadResult struct {
	Summary Summary  `json:"bundle"`
	Images  []Loaded `json:"images"`
}

// Load verifies the whole bundle first (a tampered, truncated or wrongly
// signed bundle loads nothing), then streams its save archive into the
// engine, checks that every image the manifest lists is there with the ID
// it recorded, and with PushTo pushes each to that registry.
func Load(ctx context.Context, open Opener, d Loader, o LoadOptions) (LoadResult, error) {
	var res LoadResult
	s, err := pass(open, func(r io.Reader) (Summary, error) {
		return read(ctx, r, o.Trusted, nil, o.Progress, nil)
	})
	if err != nil {
		return res, err
	}
	o.Progress.report("bundle", "Verifying", s.Size, s.Size)
	res.Summary = s
	m := s.Manifest
	need := m.Images
	if len(o.Only) > 0 {
		need = nil
		for _, v := range o.Only {
			img, ok := m.Image(v)
			if !ok {
				return res, fmt.Errorf("the bundle (%s → %s) has no image of %s", m.From, m.To, v)
			}
			need = append(need, img)
		}
	}
	if !allPresent(ctx, d, need) {
		if _, err := pass(open, func(r io.Reader) (Summary, error) { return s, loadPass(ctx, r, d, s, o.Progress) }); err != nil {
			return res, err
		}
	}
	for _, img := range need {
		got, err := d.ImageInspect(ctx, img.Ref)
		if err != nil {
			return res, fmt.Errorf("after the load, %s: %w", img.Ref, err)
		}
		if got.ID != img.ID {
			return res, fmt.Errorf("after the load, %s is image %s, not %s as the bundle's manifest says", img.Ref, got.ID, img.ID)
		}
		res.Images = append(res.Images, Loaded{Version: img.Version, Ref: img.Ref, ID: img.ID, Digest: img.Digest})
	}
	if o.PushTo != "" {
		for i := range res.Images {
			l := &res.Images[i]
			target, err := Retag(l.Ref, o.PushTo)
			if err != nil {
				return res, err
			}
			if err := d.ImageTag(ctx, l.ID, target); err != nil {
				return res, err
			}
			if err := d.ImagePush(ctx, target, func(e docker.PullEvent) { o.Progress.report(e.Layer, e.Status, e.Current, e.Total) }); err != nil {
				return res, err
			}
			l.Pushed = target
		}
	}
	return res, nil
}

// allPresent says whether the engine has every image with its ID.
func allPresent(ctx context.Context, d Loader, imgs []Image) bool {
	for _, img := range imgs {
		got, err := d.ImageInspect(ctx, img.Ref)
		if err != nil || got.ID != img.ID {
			return false
		}
	}
	return true
}

// Retag is ref's repository path and tag under registry: "mirror:5000" and
// "index.docker.io/appsmith/appsmith-ee:v1.9.2" give
// "mirror:5000/appsmith/appsmith-ee:v1.9.2".
func Retag(ref, registry string) (string, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", ref, err)
	}
	tagged, ok := named.(reference.Tagged)
	if !ok {
		return "", fmt.Errorf("image reference %q has no tag", ref)
	}
	target := strings.TrimSuffix(registry, "/") + "/" + reference.Path(named) + ":" + tagged.Tag()
	if _, err := reference.ParseNormalizedNamed(target); err != nil {
		return "", fmt.Errorf("--push-to %q: %w", registry, err)
	}
	return target, nil
}

func pass(open Opener, f func(io.Reader) (Summary, error)) (Summary, error) {
	rc, err := open()
	if err != nil {
		return Summary{}, err
	}
	defer rc.Close()
	return f(rc)
}

// loadPass reads the bundle again, comparing each member with the sums the
// first pass verified, and rebuilds the save archive from the images/
// members into the engine's load. A member that differs now (the file
// changed between passes) breaks the archive before its end: the engine
// reads an archive whole before it loads any image of it, and refuses a
// broken one.
func loadPass(ctx context.Context, r io.Reader, d Loader, s Summary, p Progress) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := d.ImageLoad(ctx, pr)
		pr.CloseWithError(err) // unblocks the writer if the engine gave up
		done <- err
	}()
	tw := tar.NewWriter(pw)
	var n int64
	_, err := read(ctx, r, nil, s.sums, nil, func(m member) error {
		if err := tw.WriteHeader(m.hdr); err != nil {
			return err
		}
		if m.hdr.Typeflag == tar.TypeReg {
			c, err := io.Copy(tw, m.data)
			n += c
			p.report("images", "Loading", n, s.ImagesSize)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		pw.CloseWithError(err)
		<-done // the engine's complaint about the broken archive says less than err
		return err
	}
	pw.Close()
	if err := <-done; err != nil {
		return err
	}
	p.report("images", "Loading", s.ImagesSize, s.ImagesSize)
	return nil
}
