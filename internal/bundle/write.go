package bundle

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// Progress receives byte counts: unit names what moves ("images",
// "bundle"), status what happens to it ("Writing", "Verifying"), size is 0
// when unknown.
type Progress func(unit, status string, current, size int64)

func (p Progress) report(unit, status string, current, size int64) {
	if p != nil {
		p(unit, status, current, size)
	}
}

// Saver is what Create asks of the engine.
type Saver interface {
	ImagePull(ctx context.Context, ref string, onEvent func(docker.PullEvent)) error
	ImageInspect(ctx context.Context, ref string) (docker.Image, error)
	ImageSave(ctx context.Context, refs []string) (io.ReadCloser, error)
}

var _ Saver = (*docker.Client)(nil)

// InstallerFile is an appsmith-install binary to include.
type InstallerFile struct {
	Platform string // linux/amd64
	Path     string
}

// CreateOptions is what Write needs beyond the manifest Plan made.
type CreateOptions struct {
	Installers []InstallerFile
	Key        *PrivateKey // nil: unsigned
	Progress   Progress
	// Pull pulls each image first (by tag; the digest is recorded). Off,
	// the images must be in the engine already.
	Pull bool
}

// Write pulls and inspects every image of m, then streams the bundle to w:
// the manifest (with the images' IDs, digests and sizes filled in), the
// engine's save archive member by member, the installers, the checksums
// and, with a key, the signature. It returns the manifest written.
func Write(ctx context.Context, w io.Writer, d Saver, m Manifest, o CreateOptions) (Manifest, error) {
	for i := range m.Images {
		img := &m.Images[i]
		if o.Pull {
			err := d.ImagePull(ctx, img.Ref, func(e docker.PullEvent) { o.Progress.report(e.Layer, e.Status, e.Current, e.Total) })
			if err != nil {
				return m, err
			}
		}
		got, err := d.ImageInspect(ctx, img.Ref)
		if err != nil {
			return m, err
		}
		img.ID, img.Size = got.ID, got.Size
		img.Digest = instance.RepoDigest(img.Ref, got.RepoDigests)
	}
	for _, f := range o.Installers {
		st, err := os.Stat(f.Path)
		if err != nil {
			return m, fmt.Errorf("installer for %s: %w", f.Platform, err)
		}
		if !st.Mode().IsRegular() {
			return m, fmt.Errorf("installer for %s: %s is not a regular file", f.Platform, f.Path)
		}
		name := installerDir + "appsmith-install-" + strings.ReplaceAll(f.Platform, "/", "-")
		m.Installers = append(m.Installers, Installer{Platform: f.Platform, Member: name, Size: st.Size()})
	}

	bw := newWriter(w, m.Created)
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	if err := bw.bytes(ManifestName, append(mj, '\n')); err != nil {
		return m, err
	}
	if err := bw.images(ctx, d, m, o.Progress); err != nil {
		return m, err
	}
	for i, f := range o.Installers {
		if err := bw.file(m.Installers[i].Member, f.Path, m.Installers[i].Size); err != nil {
			return m, err
		}
	}
	sums := bw.checksums()
	if err := bw.bytes(ChecksumsName, sums); err != nil {
		return m, err
	}
	if o.Key != nil {
		if err := bw.bytes(SignatureName, sign(*o.Key, sums)); err != nil {
			return m, err
		}
	}
	return m, bw.tw.Close()
}

// writer is the bundle's tar with the running list of checksums.
type writer struct {
	tw    *tar.Writer
	mtime time.Time
	sums  []sum
}

type sum struct{ name, hex string }

func newWriter(w io.Writer, mtime time.Time) *writer {
	return &writer{tw: tar.NewWriter(w), mtime: mtime}
}

func (b *writer) bytes(name string, data []byte) error {
	h := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: b.mtime, Typeflag: tar.TypeReg}
	return b.copy(h, bytes.NewReader(data))
}

func (b *writer) file(name, path string, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := &tar.Header{Name: name, Mode: 0o755, Size: size, ModTime: b.mtime, Typeflag: tar.TypeReg}
	return b.copy(h, io.LimitReader(f, size))
}

// copy writes one member, hashing it on the way.
func (b *writer) copy(h *tar.Header, r io.Reader) error {
	if err := b.tw.WriteHeader(h); err != nil {
		return err
	}
	hs := sha256.New()
	if h.Typeflag == tar.TypeReg {
		n, err := io.Copy(io.MultiWriter(b.tw, hs), r)
		if err != nil {
			return fmt.Errorf("writing %s: %w", h.Name, err)
		}
		if n != h.Size {
			return fmt.Errorf("writing %s: %d bytes of %d", h.Name, n, h.Size)
		}
	} else {
		hashSpecial(hs, h)
	}
	b.sums = append(b.sums, sum{h.Name, hex.EncodeToString(hs.Sum(nil))})
	return nil
}

// hashSpecial gives a member without data (a directory, a link) a checksum
// that covers what it says, so a changed link target shows.
func hashSpecial(hs hash.Hash, h *tar.Header) {
	fmt.Fprintf(hs, "%c\x00%s", h.Typeflag, h.Linkname)
}

// images copies the engine's save archive of every image, member by
// member, under images/.
// The save archive's size is known only at its end: the images' sizes
// count a shared layer once per image, so they would promise too much.
func (b *writer) images(ctx context.Context, d Saver, m Manifest, p Progress) error {
	refs := make([]string, len(m.Images))
	for i, img := range m.Images {
		refs[i] = img.Ref
	}
	rc, err := d.ImageSave(ctx, refs)
	if err != nil {
		return err
	}
	defer rc.Close()
	cr := &countReader{r: rc, report: func(n int64) { p.report("images", "Writing", n, 0) }}
	tr := tar.NewReader(cr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the engine's save archive: %w", err)
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeDir, tar.TypeSymlink:
		default:
			return fmt.Errorf("the engine's save archive has %s of an unexpected kind (%c)", h.Name, h.Typeflag)
		}
		if err := safeName(h.Name); err != nil {
			return fmt.Errorf("the engine's save archive: %w", err)
		}
		out := &tar.Header{Name: imagesDir + h.Name, Linkname: h.Linkname, Typeflag: h.Typeflag, Mode: h.Mode,
			Size: h.Size, ModTime: h.ModTime}
		if err := b.copy(out, tr); err != nil {
			return err
		}
	}
	p.report("images", "Writing", cr.n, cr.n)
	return nil
}

func (b *writer) checksums() []byte {
	var buf bytes.Buffer
	for _, s := range b.sums {
		fmt.Fprintf(&buf, "%s  %s\n", s.hex, s.name)
	}
	return buf.Bytes()
}

// countReader reports the bytes read through it, every 4 MiB.
type countReader struct {
	r      io.Reader
	n      int64
	last   int64
	report func(int64)
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.report != nil && c.n-c.last >= 4<<20 {
		c.last = c.n
		c.report(c.n)
	}
	return n, err
}

// safeName refuses names that could leave a directory when someone
// extracts the bundle by hand, or that hide as something else.
func safeName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") {
		return fmt.Errorf("member name %q is not a relative path", name)
	}
	for _, part := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		if part == ".." || part == "." || part == "" {
			return fmt.Errorf("member name %q has an empty, . or .. part", name)
		}
	}
	return nil
}
