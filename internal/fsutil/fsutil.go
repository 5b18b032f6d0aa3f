// Package fsutil holds the file-system primitives every writer in the project
// goes through, so that a crash or a full disk never leaves a half-written
// configuration or a secret readable by others.
package fsutil

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// WriteFileAtomic replaces path with data so that readers see either the old
// file or the whole new one, never a part. The temporary file lives in the
// same directory (rename is atomic only within a file system) and gets perm
// before any byte is written, so a secret is never readable by others, not
// even for a moment. If path is a symlink, the link itself is replaced.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// CreateTemp opens with 0600 and O_EXCL: nobody else can read or
	// pre-create it.
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	// Chmod is not filtered by the umask, so the mode is exactly perm.
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Without this the rename itself may be lost on power failure.
	return syncDir(dir)
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
