package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
)

// ErrNoSpace: the disk (or quota, or file-size limit) ran out while writing
// an archive. The partial file is gone; errors.As a *NoSpaceError for the
// numbers.
var ErrNoSpace = errors.New("no space left for the archive")

// NoSpaceError is a local archive write that ran out of room.
type NoSpaceError struct {
	Path    string // the archive that was being written
	Written int64  // bytes written before the failure
	Free    uint64 // bytes free in its directory now the partial file is removed
	Err     error  // ENOSPC, EDQUOT or EFBIG
}

func (e *NoSpaceError) Error() string {
	if errors.Is(e.Err, unix.EFBIG) {
		// FAT32's 4 GiB, or a shell's ulimit -f: free space does not help.
		return fmt.Sprintf("write %s: %v after %s (partial file removed): the file system or a file-size limit (ulimit -f) caps files below the archive's size",
			e.Path, e.Err, humanBytes(uint64(e.Written)))
	}
	return fmt.Sprintf("write %s: %v after %s (partial file removed; %s free in %s): the archive needs more than %s free there",
		e.Path, e.Err, humanBytes(uint64(e.Written)), humanBytes(e.Free), filepath.Dir(e.Path), humanBytes(uint64(e.Written)))
}

func (e *NoSpaceError) Unwrap() []error { return []error{ErrNoSpace, e.Err} }

// Hint is the next thing to do, for the CLI.
func (e *NoSpaceError) Hint() string {
	if errors.Is(e.Err, unix.EFBIG) {
		return "back up to another file system or to s3://BUCKET, or raise the limit (ulimit -f unlimited)"
	}
	return "free space in " + filepath.Dir(e.Path) + ", or back up to another directory or to s3://BUCKET"
}

type localStore struct{ dir string }

// openLocal checks only that dir is not a file: a missing one is created by
// the first Create (0700, since archives carry the instance's secrets).
func openLocal(dir string) (*localStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, engine.UsageError("backup directory %s: %v", dir, err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return nil, engine.UsageError("backup directory %s is a file, not a directory", abs)
	}
	return &localStore{dir: abs}, nil
}

func (s *localStore) String() string              { return s.dir }
func (s *localStore) Location(name string) string { return filepath.Join(s.dir, name) }

func (s *localStore) Create(ctx context.Context, name string) (Upload, error) {
	if err := checkArchiveName(name); err != nil {
		return nil, fmt.Errorf("write to %s: %w", s.dir, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	target := s.Location(name)
	if err := fsutil.EnsureDir(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("backup directory %s: %w", s.dir, err)
	}
	if _, err := os.Lstat(target); err == nil {
		return nil, fmt.Errorf("write %s: %w", target, ErrArchiveExists)
	}
	s.cleanStale()
	// The temporary name is CreateAtomic's (".<name>.tmp-*"), so every
	// cleanup in the project recognises it (fsutil.IsAtomicTemp).
	f, err := os.CreateTemp(s.dir, "."+name+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", target, err)
	}
	// Held until Commit or Abort: cleanStale removes only temporary files no
	// live writer holds, so two backups at once never remove each other's.
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: lock: %w", target, err)
	}
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: %w", target, err)
	}
	return &localUpload{f: f, target: target, ctx: ctx}, nil
}

// cleanStale removes the temporary archives of runs that were killed: they
// are invisible to List and would only eat the disk. Best effort.
func (s *localStore) cleanStale() {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		n := e.Name()
		if !e.Type().IsRegular() || !fsutil.IsAtomicTemp(n) {
			continue
		}
		if _, ok := ParseName(n[1:strings.LastIndex(n, ".tmp-")]); !ok {
			continue // someone else's temporary file
		}
		p := filepath.Join(s.dir, n)
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			_ = os.Remove(p)
		}
		_ = f.Close()
	}
}

func (s *localStore) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := checkBaseName(name); err != nil {
		return nil, fmt.Errorf("read from %s: %w", s.dir, err)
	}
	f, err := os.Open(s.Location(name))
	if err != nil {
		return nil, err // *PathError: names the path, errors.Is fs.ErrNotExist
	}
	if fi, err := f.Stat(); err == nil && !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, fmt.Errorf("%s is not a file", s.Location(name))
	}
	return f, nil
}

// List reads the directory; a missing one is an error that errors.Is
// fs.ErrNotExist (the caller decides whether "no backups yet" is fine).
func (s *localStore) List(ctx context.Context) ([]Object, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("backup directory %s does not exist: %w", s.dir, err)
		}
		return nil, err
	}
	var objs []Object
	for _, e := range ents {
		info, ok := ParseName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		objs = append(objs, Object{Name: e.Name(), Location: s.Location(e.Name()), Size: fi.Size(), Modified: fi.ModTime(), Info: info})
	}
	sortObjects(objs)
	return objs, nil
}

func (s *localStore) Delete(ctx context.Context, name string) error {
	if err := checkArchiveName(name); err != nil {
		return fmt.Errorf("delete from %s: %w", s.dir, err)
	}
	if err := os.Remove(s.Location(name)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // as S3 does: a second prune is not an error
		}
		return err
	}
	return fsutil.SyncDir(s.dir)
}

type localUpload struct {
	mu      sync.Mutex
	f       *os.File
	target  string
	ctx     context.Context
	written int64
	err     error // sticky: the first failure; the temporary file is gone then
	done    bool
}

func (u *localUpload) Write(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err != nil {
		return 0, u.err
	}
	if u.done {
		return 0, fmt.Errorf("write %s: already committed or aborted", u.target)
	}
	if err := u.ctx.Err(); err != nil {
		u.fail(err)
		return 0, err
	}
	n, err := u.f.Write(p)
	u.written += int64(n)
	if err != nil {
		u.fail(u.wrap(err))
		return n, u.err
	}
	return n, nil
}

// wrap names the archive in err, and turns a full disk into a NoSpaceError
// after the partial file is removed (so the free space it reports is real).
func (u *localUpload) wrap(err error) error {
	if errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EDQUOT) || errors.Is(err, unix.EFBIG) {
		u.drop()
		var errno unix.Errno
		if !errors.As(err, &errno) {
			errno = unix.ENOSPC
		}
		free, _ := diskFree(filepath.Dir(u.target))
		return &NoSpaceError{Path: u.target, Written: u.written, Free: free, Err: errno}
	}
	return fmt.Errorf("write %s: %w", u.target, err)
}

func (u *localUpload) fail(err error) {
	u.drop()
	u.err = err
}

// drop removes the temporary file (idempotent).
func (u *localUpload) drop() {
	if u.done {
		return
	}
	u.done = true
	_ = u.f.Close()
	_ = os.Remove(u.f.Name())
}

// Commit: fsync the file, then link it to its name (which, unlike rename,
// never replaces an archive that appeared meanwhile), then fsync the
// directory so the new name survives a power failure.
func (u *localUpload) Commit() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err != nil {
		return u.err
	}
	if u.done {
		return fmt.Errorf("write %s: already committed or aborted", u.target)
	}
	if err := u.ctx.Err(); err != nil {
		u.fail(err)
		return err
	}
	if err := u.f.Sync(); err != nil {
		u.fail(u.wrap(err))
		return u.err
	}
	tmp := u.f.Name()
	if err := u.f.Close(); err != nil {
		u.fail(u.wrap(err))
		return u.err
	}
	if err := publish(tmp, u.target); err != nil {
		u.fail(fmt.Errorf("write %s: %w", u.target, err))
		return u.err
	}
	u.done = true
	if err := fsutil.SyncDir(filepath.Dir(u.target)); err != nil {
		return fmt.Errorf("write %s: %w", u.target, err)
	}
	return nil
}

// ErrArchiveExists: the store already holds an archive of that name (two
// installs backing up to one store in the same second); never replaced.
var ErrArchiveExists = errors.New("an archive of that name already exists")

// publish gives tmp the name target without replacing an existing target.
// File systems without hard links (vfat, some network mounts) get a checked
// rename instead.
func publish(tmp, target string) error {
	err := os.Link(tmp, target)
	switch {
	case err == nil:
		_ = os.Remove(tmp) // a leftover is hidden, and cleaned by the next Create
		return nil
	case errors.Is(err, fs.ErrExist):
		return ErrArchiveExists
	}
	if _, serr := os.Lstat(target); serr == nil {
		return ErrArchiveExists
	}
	return os.Rename(tmp, target)
}

func (u *localUpload) Abort() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.drop()
	return nil
}

// diskFree is what an unprivileged writer may still use in dir.
func diskFree(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// humanBytes is a size for people: "1.5 GiB", "300 MiB", "12 KiB", "17 B".
func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	if v >= 10 {
		return fmt.Sprintf("%.0f %ciB", v, "KMGTP"[exp])
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[exp])
}
