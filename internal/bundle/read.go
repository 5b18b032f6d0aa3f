package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ErrInvalid marks a bundle that is not one, or is truncated or tampered
// with: nothing of it may be used.
var ErrInvalid = errors.New("invalid bundle")

// ErrUnsigned is an unsigned bundle read with a trusted key.
var ErrUnsigned = errors.New("the bundle is not signed")

// Summary is what reading a whole bundle found.
type Summary struct {
	Manifest Manifest `json:"manifest"`
	Signed   bool     `json:"signed"`
	// KeyID is the signing key's ID; Trusted says it was checked against
	// the key the user trusts (without one, a signature proves the bundle
	// is whole, not who made it).
	KeyID   string `json:"key_id,omitempty"`
	Trusted bool   `json:"trusted"`
	Members int    `json:"members"`
	// ImagesSize is the bytes of the engine's save archive inside.
	ImagesSize int64             `json:"images_size"`
	Size       int64             `json:"size"`
	sums       map[string]string // verified, by member: load's second pass compares
}

// member is one member as the reader hands it on: its header (name
// without images/ for the save archive's) and its data.
type member struct {
	hdr  *tar.Header
	data io.Reader
}

// read streams a bundle, checking order, names and every checksum, and
// calls onImage for each images/ member (its name with images/ cut off)
// before its checksum is known: a caller that passes the data on must be
// able to take it back (load pipes it to the engine and breaks the pipe
// on a mismatch). want, when set, are the checksums a previous pass
// verified: a member that differs from them fails as soon as it ends.
func read(ctx context.Context, r io.Reader, trusted *PublicKey, want map[string]string, p Progress, onImage func(member) error) (Summary, error) {
	var s Summary
	total := sizeOf(r)
	cr := &countReader{r: r, report: func(n int64) { p.report("bundle", "Verifying", n, total) }}
	tr := tar.NewReader(bufio.NewReaderSize(cr, 1<<20))
	got := map[string]string{}
	var order []string
	var sums, sig []byte
	for {
		if err := ctx.Err(); err != nil {
			return s, err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s, invalid("reading member %d: %v (a truncated or damaged file?)", len(order)+1, err)
		}
		if _, dup := got[h.Name]; dup || (h.Name == ChecksumsName && sums != nil) || (h.Name == SignatureName && sig != nil) {
			return s, invalid("%s appears twice", h.Name)
		}
		if err := safeName(h.Name); err != nil {
			return s, invalid("%v", err)
		}
		switch {
		case len(order) == 0 && h.Name != ManifestName:
			return s, invalid("the first member is %s, not %s: not an appsmith bundle", h.Name, ManifestName)
		case sig != nil:
			return s, invalid("%s follows the signature", h.Name)
		case sums != nil && h.Name != SignatureName:
			return s, invalid("%s follows the checksums", h.Name)
		case h.Name == SignatureName:
			if sums == nil {
				return s, invalid("the signature comes before the checksums")
			}
			if sig, err = readSmall(tr, h); err != nil {
				return s, err
			}
			continue
		case h.Name == ChecksumsName:
			if sums, err = readSmall(tr, h); err != nil {
				return s, err
			}
			continue
		}
		hs := sha256.New()
		switch {
		case h.Name == ManifestName:
			b, err := readSmall(tr, h)
			if err != nil {
				return s, err
			}
			hs.Write(b)
			if err := json.Unmarshal(b, &s.Manifest); err != nil {
				return s, invalid("%s: %v", ManifestName, err)
			}
			if s.Manifest.Format > Format || s.Manifest.Format < 1 {
				return s, invalid("format %d: this appsmith-install reads format %d (a newer installer made it: use the one inside the bundle)", s.Manifest.Format, Format)
			}
		case strings.HasPrefix(h.Name, imagesDir) && h.Name != imagesDir:
			if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeDir && h.Typeflag != tar.TypeSymlink {
				return s, invalid("%s is of an unexpected kind", h.Name)
			}
			if h.Typeflag == tar.TypeReg {
				s.ImagesSize += h.Size
			} else {
				hashSpecial(hs, h)
			}
			if onImage != nil {
				inner := *h
				inner.Name = strings.TrimPrefix(h.Name, imagesDir)
				if err := onImage(member{hdr: &inner, data: io.TeeReader(tr, hs)}); err != nil {
					return s, err
				}
			}
			if _, err := io.Copy(hs, tr); err != nil { // what onImage left, or all
				return s, invalid("reading %s: %v (a truncated file?)", h.Name, err)
			}
		case strings.HasPrefix(h.Name, installerDir) && h.Typeflag == tar.TypeReg:
			if _, err := io.Copy(hs, tr); err != nil {
				return s, invalid("reading %s: %v (a truncated file?)", h.Name, err)
			}
		default:
			return s, invalid("unexpected member %s", h.Name)
		}
		sum := hex.EncodeToString(hs.Sum(nil))
		if want != nil && want[h.Name] != sum {
			return s, invalid("%s changed since it was verified", h.Name)
		}
		got[h.Name] = sum
		order = append(order, h.Name)
	}
	s.Size, s.Members = cr.n, len(order)
	if sums == nil {
		return s, invalid("it ends after %d members without %s: a truncated file?", len(order), ChecksumsName)
	}
	if err := compareSums(sums, got, order); err != nil {
		return s, err
	}
	s.sums = got
	if sig == nil {
		if trusted != nil {
			return s, fmt.Errorf("%w, and --trusted-key asks for a bundle signed by key %s", ErrUnsigned, trusted.ID())
		}
		return s, nil
	}
	signer, err := checkSignature(sig, sums, trusted)
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	s.Signed, s.KeyID, s.Trusted = true, signer.ID(), trusted != nil
	return s, nil
}

// compareSums checks that the checksums list exactly the members read,
// each with the sum computed.
func compareSums(sums []byte, got map[string]string, order []string) error {
	listed := map[string]bool{}
	for i, line := range strings.Split(strings.TrimSuffix(string(sums), "\n"), "\n") {
		hexSum, name, ok := strings.Cut(line, "  ")
		if !ok {
			return invalid("%s line %d is not \"<sha256>  <member>\"", ChecksumsName, i+1)
		}
		have, ok := got[name]
		if !ok {
			return invalid("%s lists %s, which the bundle lacks", ChecksumsName, name)
		}
		if have != hexSum {
			return invalid("%s does not match its checksum: it was changed or damaged", name)
		}
		listed[name] = true
	}
	for _, name := range order {
		if !listed[name] {
			return invalid("%s is not in %s: it was added", name, ChecksumsName)
		}
	}
	return nil
}

// readSmall reads a member that is held in memory (manifest, checksums,
// signature), refusing one too large to be what it claims.
func readSmall(tr *tar.Reader, h *tar.Header) ([]byte, error) {
	const limit = 16 << 20
	if h.Size > limit || h.Typeflag != tar.TypeReg {
		return nil, invalid("%s is not a small regular file", h.Name)
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, tr); err != nil {
		return nil, invalid("reading %s: %v (a truncated file?)", h.Name, err)
	}
	return buf.Bytes(), nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Verify reads the whole bundle and checks every checksum and the
// signature; it loads nothing. With trusted set, the bundle must be signed
// by that key.
func Verify(ctx context.Context, r io.Reader, trusted *PublicKey, p Progress) (Summary, error) {
	s, err := read(ctx, r, trusted, nil, p, nil)
	if err == nil {
		p.report("bundle", "Verifying", s.Size, s.Size)
	}
	return s, err
}

// ReadManifest reads the first member only: what a plan is made from
// before the bundle is verified. Nothing it says is trusted until Load
// (or Verify) has read the whole bundle.
func ReadManifest(path string) (Manifest, error) {
	var m Manifest
	f, err := os.Open(path)
	if err != nil {
		return m, err
	}
	defer f.Close()
	tr := tar.NewReader(bufio.NewReader(f))
	h, err := tr.Next()
	if err != nil {
		return m, invalid("%s is not a bundle (a tar file): %v", path, err)
	}
	if h.Name != ManifestName {
		return m, invalid("the first member of %s is %s, not %s: not an appsmith bundle", path, h.Name, ManifestName)
	}
	b, err := readSmall(tr, h)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, invalid("%s: %v", ManifestName, err)
	}
	if m.Format > Format || m.Format < 1 {
		return m, invalid("format %d: this appsmith-install reads format %d", m.Format, Format)
	}
	return m, nil
}

// sizeOf is the size of a bundle read from a file (0: unknown), for
// progress.
func sizeOf(r io.Reader) int64 {
	if f, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			return st.Size()
		}
	}
	return 0
}
