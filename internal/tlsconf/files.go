package tlsconf

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A TLS change may touch docker.env and anything in ssl/ and ca-certs/
// (the certificate pair, the key's .bak copy, CA roots): the two folders are
// copied whole with fsutil.CopyTree and put back with fsutil.RestoreTree, so
// a restore gives back content, modes, owners, times and links, and removes
// what the change added.
const envRel = "configuration/docker.env"

var wholeDirs = []string{"ssl", "ca-certs"}

// absentMark in a snapshot says the file or folder did not exist: restoring
// deletes it.
const absentMark = ".absent"

// snapshot copies the files a change may touch into dir (0700: it holds
// the private key and docker.env's secrets), and the install's state file.
// Run again on the same dir it brings the copy up to date.
func snapshot(l stacks.Layout, dir, installDir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := copyFile(state.Path(installDir), filepath.Join(dir, state.FileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := copyFile(filepath.Join(l.Root, envRel), filepath.Join(dir, envRel)); errors.Is(err, fs.ErrNotExist) {
		if err := fsutil.WriteFileAtomic(filepath.Join(dir, envRel+absentMark), nil, 0o600); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	for _, d := range wholeDirs {
		src, dst, mark := filepath.Join(l.Root, d), filepath.Join(dir, d), filepath.Join(dir, d+absentMark)
		if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
			if err := os.RemoveAll(dst); err != nil {
				return err
			}
			if err := fsutil.WriteFileAtomic(mark, nil, 0o600); err != nil {
				return err
			}
			continue
		}
		if _, err := fsutil.CopyTree(context.Background(), src, dst, fsutil.TreeOptions{Checksum: true}); err != nil {
			return err
		}
		if err := os.Remove(mark); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// copyFile copies src to dst atomically with src's permission bits and
// mtime, streaming.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	out, err := fsutil.CreateAtomic(dst, st.Mode().Perm())
	if err != nil {
		return err
	}
	defer out.Abort()
	if _, err := io.Copy(out.File(), in); err != nil {
		return err
	}
	if err := os.Chtimes(out.File().Name(), time.Time{}, st.ModTime()); err != nil {
		return err
	}
	return out.Commit()
}

// restoreState puts back the state file a snapshot holds.
func restoreState(dir, installDir string) error {
	err := copyFile(filepath.Join(dir, state.FileName), state.Path(installDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // there was none to change
	}
	return err
}

// restore puts the snapshot back exactly: contents, modes, and absence.
// It is run again after a crash or by both undos of a change: each run
// moves only what still differs. It takes no context: a rollback cut short
// by a cancel would leave a mix of old and new files.
func restore(l stacks.Layout, dir string) error {
	env := filepath.Join(l.Root, envRel)
	if _, err := os.Stat(filepath.Join(dir, envRel+absentMark)); err == nil {
		if err := os.Remove(env); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	} else if err := copyFile(filepath.Join(dir, envRel), env); err != nil {
		return err
	}
	for _, d := range wholeDirs {
		saved, target := filepath.Join(dir, d), filepath.Join(l.Root, d)
		if _, err := os.Stat(saved + absentMark); err == nil {
			// The change made the folder: it goes, with what it holds.
			if err := os.RemoveAll(target); err != nil {
				return err
			}
			continue
		}
		if _, err := os.Stat(saved); err != nil {
			return err // a snapshot without the folder is not one we made
		}
		// Checksum: a few small files, and a certificate rewritten within
		// one mtime tick must not be taken for the old one.
		if _, err := fsutil.RestoreTree(context.Background(), saved, target, fsutil.TreeOptions{Checksum: true}); err != nil {
			return err
		}
	}
	return nil
}

// write applies the change to the stacks.
func write(l stacks.Layout, c Change, stamp string) error {
	if c.RemoveCert {
		for _, p := range []string{l.FullchainPEM(), l.PrivkeyPEM()} {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
	}
	for _, name := range c.RemoveCAs {
		if err := os.Remove(filepath.Join(l.CACertsDir(), name)); err != nil {
			return err
		}
	}
	if err := instance.WriteTLS(l, c.Material, stamp); err != nil {
		return err
	}
	if c.Domain == nil {
		return nil
	}
	env, err := l.ReadEnv()
	if err != nil {
		return err
	}
	env.Set(stacks.KeyCustomDomain, *c.Domain)
	return l.WriteEnv(env)
}
