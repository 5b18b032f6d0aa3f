package backup

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Staged is an archive unpacked and verified next to the instance, ready to
// be laid down by a rename: nothing of the instance has been touched yet.
type Staged struct {
	Dir      string // <dir>/backups/restore-<time>
	Kind     Kind
	Manifest Manifest
}

// Stacks is where the archive's stacks files are.
func (s *Staged) Stacks() string { return filepath.Join(s.Dir, "stacks") }

// DumpPath is the database dump's path ("" when the archive has none).
func (s *Staged) DumpPath() string {
	if s.Manifest.DB.Dump == "" {
		return ""
	}
	return filepath.Join(s.Dir, filepath.FromSlash(s.Manifest.DB.Dump))
}

// Remove deletes the staged copy (it is a copy of the archive).
func (s *Staged) Remove() error { return os.RemoveAll(s.Dir) }

// Stage reads the whole archive into dir (which must not exist), verifying
// decryption, every checksum and the manifest. On any error dir is removed:
// a bad archive changes nothing.
func Stage(ctx context.Context, r io.Reader, dec Decrypt, dir string) (*Staged, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	m, kind, err := extract(ctx, r, dec, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &Staged{Dir: dir, Kind: kind, Manifest: m}, nil
}

// VerifyArchive reads the whole archive, checking everything, writing nothing.
func VerifyArchive(ctx context.Context, r io.Reader, dec Decrypt) (Manifest, Kind, error) {
	return extract(ctx, r, dec, "")
}

// extract dispatches on what the archive is, by its first bytes.
func extract(ctx context.Context, r io.Reader, dec Decrypt, dst string) (Manifest, Kind, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	kind := Sniff(br)
	var m Manifest
	var err error
	switch kind {
	case KindNative, KindNativePlain:
		m, err = ExtractNative(ctx, br, dec, dst)
	case KindAppsmithctl, KindAppsmithctlEnc:
		m, err = ExtractAppsmithctl(ctx, br, dec, dst)
	default:
		if _, perr := br.Peek(1); errors.Is(perr, io.EOF) {
			return Manifest{}, kind, fmt.Errorf("%w: the file is empty", ErrNotArchive)
		}
		return Manifest{}, kind, fmt.Errorf("%w: neither an appsmith-install archive (age or zstd) nor an appsmithctl one (gzip or openssl)", ErrNotArchive)
	}
	return m, kind, err
}
