package fsutil

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// tempInfix marks the temporary files of CreateAtomic: ".<name>.tmp-<random>".
// A crash before Commit leaves at most one such file next to the target;
// IsAtomicTemp recognises it so a cleanup (or a tree sync) can remove it.
const tempInfix = ".tmp-"

// IsAtomicTemp reports whether name (a base name) looks like a temporary file
// left by CreateAtomic for some target.
func IsAtomicTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name[1:], tempInfix)
}

// AtomicFile is a file being written in place of path: readers see the old
// file (or none) until Commit, then the whole new one, never a part.
type AtomicFile struct {
	f    *os.File
	path string
	dir  string
	done bool
}

// CreateAtomic starts replacing path. The temporary file lives in the same
// directory (rename is atomic only within a file system) and has exactly perm
// before any byte is written, so a secret is never readable by others, not
// even for a moment. The content streams to disk: nothing is held in memory.
func CreateAtomic(path string, perm os.FileMode) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// CreateTemp opens with 0600 and O_EXCL: nobody else can read or
	// pre-create it.
	f, err := os.CreateTemp(dir, "."+base+tempInfix+"*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	// Chmod is not filtered by the umask, so the mode is exactly perm
	// (setuid and sticky bits included).
	if err := f.Chmod(perm); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &AtomicFile{f: f, path: path, dir: dir}, nil
}

// File gives the open temporary file, for Chown, ReadFrom (copy_file_range)
// and the like. Do not close or rename it.
func (a *AtomicFile) File() *os.File { return a.f }

// Name is the path the file replaces on Commit.
func (a *AtomicFile) Name() string { return a.path }

func (a *AtomicFile) Write(p []byte) (int, error) { return a.f.Write(p) }

// ReadFrom lets io.Copy from an *os.File use copy_file_range.
func (a *AtomicFile) ReadFrom(r io.Reader) (int64, error) {
	return a.f.ReadFrom(r)
}

// Commit makes the new content durable, then visible: fsync the file, rename
// it over path (a symlink at path is itself replaced), fsync the directory so
// the rename survives a power failure.
func (a *AtomicFile) Commit() error { return a.commit(true) }

// commit without dirSync leaves the directory fsync to the caller: a tree
// copy syncs each directory once, not once per file.
func (a *AtomicFile) commit(dirSync bool) (err error) {
	if a.done {
		return fmt.Errorf("write %s: already committed or aborted", a.path)
	}
	defer func() {
		if err != nil {
			a.Abort()
			err = fmt.Errorf("write %s: %w", a.path, err)
		}
	}()
	if err = a.f.Sync(); err != nil {
		return err
	}
	if err = a.f.Close(); err != nil {
		return err
	}
	if err = os.Rename(a.f.Name(), a.path); err != nil {
		return err
	}
	a.done = true
	if !dirSync {
		return nil
	}
	return syncDir(a.dir)
}

// Abort drops the new content: path keeps its old file. Safe to call after
// Commit (it does nothing then), so `defer a.Abort()` is the usual pattern.
func (a *AtomicFile) Abort() {
	if a.done {
		return
	}
	a.done = true
	_ = a.f.Close()
	_ = os.Remove(a.f.Name())
}

// Close is Abort, for io.Closer users: an AtomicFile closed without Commit
// never replaces its target.
func (a *AtomicFile) Close() error {
	if a.done {
		return nil
	}
	a.Abort()
	return errors.New("write " + a.path + ": closed without commit")
}
