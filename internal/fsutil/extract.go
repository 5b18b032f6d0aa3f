package fsutil

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"golang.org/x/sys/unix"
)

// ExtractOptions bound what ExtractTar accepts. A zero limit takes the
// default next to it: generous for a stacks directory, but finite, so a
// hostile or corrupt archive cannot fill the disk or the inode table.
type ExtractOptions struct {
	MaxEntries   int64 // default DefaultMaxEntries
	MaxBytes     int64 // total of the regular files; default DefaultMaxBytes
	MaxFileBytes int64 // one regular file; default DefaultMaxFileBytes
	// AllowSetuid keeps setuid and setgid bits; without it they are dropped
	// (the sticky bit is always kept).
	AllowSetuid bool
	// KeepOwners gives entries the archive's uid and gid (only as root).
	KeepOwners bool
	// AllowAbsoluteSymlinks keeps symlinks whose target is absolute (in a
	// backup of a container's volume they may mean a path inside the
	// container). They are still never followed while extracting.
	AllowAbsoluteSymlinks bool
	// NoSync skips the final syncfs (one flush of dst's file system, far
	// cheaper than an fsync per file for a big tree). For callers that sync
	// by other means, and tests.
	NoSync bool
}

const (
	DefaultMaxEntries   = 10_000_000
	DefaultMaxBytes     = 1 << 40 // 1 TiB
	DefaultMaxFileBytes = 1 << 38 // 256 GiB
)

// ExtractStats says what an extraction wrote.
type ExtractStats struct {
	Entries int64
	Bytes   int64
}

// ExtractTar writes the tar stream r into the directory dst (which must
// exist), refusing anything that could write or point outside it:
//   - names that are absolute or hold a ".." component;
//   - an entry whose parent is a symlink (it never writes through a link,
//     not even one it made itself, not even one pointing inside dst);
//   - symlinks that are absolute (unless allowed) or lead out of dst, lexically or through
//     other links (checked again once everything is written);
//   - hard links to anything but a regular file already extracted;
//   - devices, fifos and other special files;
//   - an entry where something already exists (but a directory again), so a
//     second entry cannot replace what an earlier one wrote;
//   - more entries or bytes than the limits, judged from the headers before
//     any content is written.
//
// Modes are the archive's, without setuid and setgid unless allowed;
// directories missing from the archive are made 0700. Times are set on
// files and directories (directories last), not on symlinks. On error dst
// holds what was written so far: extract into a fresh directory and remove it
// on failure.
func ExtractTar(ctx context.Context, r io.Reader, dst string, opt ExtractOptions) (ExtractStats, error) {
	var st ExtractStats
	if opt.MaxEntries <= 0 {
		opt.MaxEntries = DefaultMaxEntries
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.MaxFileBytes <= 0 {
		opt.MaxFileBytes = DefaultMaxFileBytes
	}
	root, err := os.OpenRoot(dst)
	if err != nil {
		return st, fmt.Errorf("extract into %s: %w", dst, err)
	}
	defer root.Close()
	x := &extractor{root: root, opt: opt, asRoot: os.Geteuid() == 0}
	tr := tar.NewReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return x.st, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return x.st, fmt.Errorf("extract into %s: %w", dst, err)
		}
		if err := x.entry(hdr, tr); err != nil {
			return x.st, fmt.Errorf("extract into %s: entry %q: %w", dst, hdr.Name, err)
		}
	}
	if err := x.finish(); err != nil {
		return x.st, fmt.Errorf("extract into %s: %w", dst, err)
	}
	return x.st, nil
}

type extractor struct {
	root   *os.Root
	opt    ExtractOptions
	asRoot bool
	st     ExtractStats
	links  []string      // symlinks made: checked again at the end
	dirs   []*tar.Header // directory entries: metadata set at the end
}

// cleanName checks an archive name and gives its clean slash form ("." for
// the root itself).
func cleanName(name string) (string, error) {
	if name == "" || strings.ContainsRune(name, 0) {
		return "", errors.New("empty name or NUL byte")
	}
	if strings.HasPrefix(name, "/") {
		return "", errors.New("absolute name")
	}
	for _, c := range strings.Split(name, "/") {
		if c == ".." {
			return "", errors.New(`name with ".."`)
		}
	}
	return path.Clean(name), nil
}

// checkParents makes sure every directory above name is a real directory,
// creating missing ones (0700), so no write ever goes through a symlink.
func (x *extractor) checkParents(name string) error {
	dir := path.Dir(name)
	if dir == "." {
		return nil
	}
	var p string
	for _, c := range strings.Split(dir, "/") {
		p = path.Join(p, c)
		fi, err := x.root.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			if err := x.root.Mkdir(p, 0o700); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory (a symlink or a file)", p)
		}
	}
	return nil
}

func (x *extractor) mode(hdr *tar.Header) os.FileMode {
	m := uint32(hdr.Mode) & 0o7777
	if !x.opt.AllowSetuid {
		m &^= 0o6000
	}
	fm := os.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		fm |= os.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= os.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

func (x *extractor) entry(hdr *tar.Header, tr io.Reader) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil // PAX defaults, no file
	}
	x.st.Entries++
	if x.st.Entries > x.opt.MaxEntries {
		return fmt.Errorf("more than %d entries", x.opt.MaxEntries)
	}
	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if err := x.checkParents(name); err != nil {
		return err
	}
	if name != "." {
		if fi, err := x.root.Lstat(name); err == nil {
			if !(fi.IsDir() && hdr.Typeflag == tar.TypeDir) {
				return errors.New("already exists")
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if name != "." {
			if err := x.root.Mkdir(name, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return err
			}
		}
		h := *hdr
		h.Name = name
		x.dirs = append(x.dirs, &h)
		return nil
	case tar.TypeReg, '\x00':
		return x.file(name, hdr, tr)
	case tar.TypeSymlink:
		t := hdr.Linkname
		abs := strings.HasPrefix(t, "/")
		if t == "" || strings.ContainsRune(t, 0) || (abs && !x.opt.AllowAbsoluteSymlinks) {
			return fmt.Errorf("symlink to %q: absolute or empty", t)
		}
		if abs {
			if err := x.root.Symlink(t, name); err != nil {
				return err
			}
			return x.owner(name, hdr)
		}
		if j := path.Join(path.Dir(name), t); j == ".." || strings.HasPrefix(j, "../") {
			return fmt.Errorf("symlink to %q leads out of the target", t)
		}
		if err := x.root.Symlink(t, name); err != nil {
			return err
		}
		x.links = append(x.links, name)
		return x.owner(name, hdr)
	case tar.TypeLink:
		old, err := cleanName(hdr.Linkname)
		if err != nil {
			return fmt.Errorf("hard link to %q: %w", hdr.Linkname, err)
		}
		if err := x.checkParentsExist(old); err != nil {
			return fmt.Errorf("hard link to %q: %w", hdr.Linkname, err)
		}
		fi, err := x.root.Lstat(old)
		if err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("hard link to %q: not a regular file extracted before", hdr.Linkname)
		}
		return x.root.Link(old, name)
	default:
		return fmt.Errorf("type %q (device, fifo or other special file) refused", hdr.Typeflag)
	}
}

// checkParentsExist is checkParents without creating: a hard link's source
// must have been extracted, through real directories.
func (x *extractor) checkParentsExist(name string) error {
	var p string
	for _, c := range strings.Split(path.Dir(name), "/") {
		if c == "." {
			break
		}
		p = path.Join(p, c)
		fi, err := x.root.Lstat(p)
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			return fmt.Errorf("%s is not a directory", p)
		}
	}
	return nil
}

func (x *extractor) file(name string, hdr *tar.Header, tr io.Reader) error {
	if hdr.Size < 0 || hdr.Size > x.opt.MaxFileBytes {
		return fmt.Errorf("size %d over the limit of %d per file", hdr.Size, x.opt.MaxFileBytes)
	}
	if x.st.Bytes+hdr.Size > x.opt.MaxBytes {
		return fmt.Errorf("archive over the limit of %d bytes", x.opt.MaxBytes)
	}
	// O_EXCL|O_NOFOLLOW: a name that appeared meanwhile (a symlink) is
	// refused, not followed.
	f, err := x.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	n, err := io.CopyN(f, tr, hdr.Size)
	x.st.Bytes += n
	if err == nil && x.opt.KeepOwners && x.asRoot {
		err = f.Chown(hdr.Uid, hdr.Gid)
	}
	if err == nil {
		err = f.Chmod(x.mode(hdr)) // after chown, which clears setuid
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return x.times(name, hdr)
}

func (x *extractor) owner(name string, hdr *tar.Header) error {
	if x.opt.KeepOwners && x.asRoot {
		return x.root.Lchown(name, hdr.Uid, hdr.Gid)
	}
	return nil
}

func (x *extractor) times(name string, hdr *tar.Header) error {
	at := hdr.AccessTime
	if at.IsZero() {
		at = hdr.ModTime
	}
	if hdr.ModTime.IsZero() {
		return nil
	}
	return x.root.Chtimes(name, at, hdr.ModTime)
}

// finish sets directory metadata, deepest first (a 0500 directory would
// refuse its children, and writing into one changes its mtime), checks every
// symlink once more now that all links exist, and flushes the file system.
func (x *extractor) finish() error {
	for _, l := range x.links {
		// Stat follows the link inside the root and fails on a way out
		// (e.g. a -> "d/up/.." where d/up -> ".."); a dangling link is fine.
		if _, err := x.root.Stat(l); err != nil && !errors.Is(err, fs.ErrNotExist) {
			_ = x.root.Remove(l)
			return fmt.Errorf("symlink %q leads out of the target: %w", l, err)
		}
	}
	for i := len(x.dirs) - 1; i >= 0; i-- {
		h := x.dirs[i]
		if err := x.owner(h.Name, h); err != nil {
			return err
		}
		if err := x.root.Chmod(h.Name, x.mode(h)); err != nil {
			return err
		}
		if err := x.times(h.Name, h); err != nil {
			return err
		}
	}
	if x.opt.NoSync {
		return nil
	}
	d, err := x.root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	if err := syncFS(d); err != nil {
		return &fs.PathError{Op: "syncfs", Path: d.Name(), Err: err}
	}
	return nil
}
