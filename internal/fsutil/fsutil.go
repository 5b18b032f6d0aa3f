// Package fsutil holds the file-system primitives every writer in the project
// goes through, so that a crash or a full disk never leaves a half-written
// configuration or a secret readable by others: atomic writes (whole or
// streamed), tree copies with a delta pass and exact restores (snapshots of a
// stacks directory of many GB), and safe extraction of archives.
package fsutil

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFileAtomic replaces path with data so that readers see either the old
// file or the whole new one, never a part. The temporary file lives in the
// same directory (rename is atomic only within a file system) and gets perm
// before any byte is written, so a secret is never readable by others, not
// even for a moment. If path is a symlink, the link itself is replaced.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	a, err := CreateAtomic(path, perm)
	if err != nil {
		return err
	}
	defer a.Abort()
	if _, err := a.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return a.Commit()
}

// EnsureDir makes path a directory. A directory it creates gets exactly perm
// (whatever the umask); an existing one is left as it is, because it may hold
// someone's data and deliberate permissions. Missing parents get 0755.
func EnsureDir(path string, perm os.FileMode) error {
	fi, err := os.Stat(path)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", path)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(path)
	if parent != path {
		if err := EnsureDir(parent, 0o755); err != nil {
			return err
		}
	}
	if err := os.Mkdir(path, perm); err != nil {
		if errors.Is(err, os.ErrExist) {
			// Lost a race with another creator: fine if it made a directory.
			return EnsureDir(path, perm)
		}
		return err
	}
	if err := os.Chmod(path, perm); err != nil {
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems cannot fsync a directory; the data is written anyway.
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Size is the bytes of the regular files under dir (unreadable parts are
// left out): what a copy of it needs on disk.
func Size(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
