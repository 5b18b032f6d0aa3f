package imageprep

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"syscall"
)

// tree changes files under the image's root through os.Root: a name is
// never resolved out of the root, however the tree's links point (an
// image's /etc/resolv.conf → /run/… must not reach the host's).
type tree struct {
	r       *os.Root
	changes []Change
}

func (t *tree) note(action, name string) {
	t.changes = append(t.changes, Change{Action: action, Path: "/" + name})
}

func (t *tree) lstat(name string) (fs.FileInfo, bool) {
	fi, err := t.r.Lstat(name)
	return fi, err == nil
}

// executable says whether name is an executable regular file (through
// links inside the tree).
func (t *tree) executable(name string) bool {
	fi, err := t.r.Stat(name)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// writeFile makes name hold data, atomically (a temporary file beside it,
// synced, renamed over it), and only when it differs: a second prepare
// changes nothing. An existing file keeps its owner, and its mode unless
// perm is set; a new one gets perm (0644 when zero).
func (t *tree) writeFile(name string, data []byte, perm os.FileMode) error {
	mode := perm
	var owner *syscall.Stat_t
	if fi, ok := t.lstat(name); ok {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("/%s: not a regular file (%s): refusing to replace it", name, fi.Mode().Type())
		}
		if perm == 0 {
			mode = fi.Mode().Perm()
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			owner = st
		}
		if old, err := t.r.ReadFile(name); err == nil && bytes.Equal(old, data) && fi.Mode().Perm() == mode {
			return nil
		}
	}
	if mode == 0 {
		mode = 0o644
	}
	if err := t.r.MkdirAll(path.Dir(name), 0o755); err != nil {
		return err
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(path.Dir(name), ".tmp-appsmith-"+hex.EncodeToString(rnd[:]))
	f, err := t.r.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			_ = t.r.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if owner != nil {
		if err := f.Chown(int(owner.Uid), int(owner.Gid)); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := t.r.Rename(tmp, name); err != nil {
		return err
	}
	ok = true
	t.note("wrote", name)
	return nil
}

// truncate empties a regular file; links and anything else are left.
func (t *tree) truncate(name string) error {
	fi, ok := t.lstat(name)
	if !ok || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return nil
	}
	f, err := t.r.OpenFile(name, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	t.note("emptied", name)
	return nil
}

// remove deletes name (a directory with what it holds); a link is removed,
// never followed.
func (t *tree) remove(name string) error {
	if _, ok := t.lstat(name); !ok {
		return nil
	}
	if err := t.r.RemoveAll(name); err != nil {
		return err
	}
	t.note("removed", name)
	return nil
}

// symlink makes name a link to target unless it already is one.
func (t *tree) symlink(target, name string) error {
	if fi, ok := t.lstat(name); ok {
		if cur, err := t.r.Readlink(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 && cur == target {
			return nil
		}
		if fi.IsDir() {
			return fmt.Errorf("/%s is a directory: refusing to replace it with a link", name)
		}
		if err := t.r.Remove(name); err != nil {
			return err
		}
	}
	if err := t.r.MkdirAll(path.Dir(name), 0o755); err != nil {
		return err
	}
	if err := t.r.Symlink(target, name); err != nil {
		return err
	}
	t.note("linked", name)
	return nil
}

// entries lists a directory; a missing one has none.
func (t *tree) entries(dir string) ([]fs.DirEntry, error) {
	des, err := fs.ReadDir(t.r.FS(), dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return des, err
}

// copyIn installs the file at src (outside the tree: the running binary)
// as name, unless name already has the same content.
func (t *tree) copyIn(src, name string, perm os.FileMode) error {
	in, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return t.writeFile(name, in, perm)
}
