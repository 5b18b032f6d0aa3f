package tlsconf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A TLS change may touch docker.env and anything in ssl/ and ca-certs/
// (the certificate pair, the key's .bak copy, CA roots): the two folders are
// copied whole, so a restore also removes what the change added.
const envRel = "configuration/docker.env"

var wholeDirs = []string{"ssl", "ca-certs"}

// absentMark in a snapshot says the file did not exist: restoring deletes it.
const absentMark = ".absent"

// snapshot copies the files a change may touch into dir (0700: it holds
// the private key and docker.env's secrets), and the install's state file.
// Modes are kept, so a restore gives back the exact files.
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
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
		entries, err := os.ReadDir(filepath.Join(l.Root, d))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				if err := copyFile(filepath.Join(l.Root, d, e.Name()), filepath.Join(dir, d, e.Name())); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// copyFile copies src to dst atomically with src's permission bits.
func copyFile(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(dst, data, st.Mode().Perm())
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
		saved, err := os.ReadDir(filepath.Join(dir, d))
		if err != nil {
			return err // a snapshot without the folder is not one we made
		}
		had := map[string]bool{}
		for _, e := range saved {
			had[e.Name()] = true
			if err := copyFile(filepath.Join(dir, d, e.Name()), filepath.Join(l.Root, d, e.Name())); err != nil {
				return err
			}
		}
		now, _ := os.ReadDir(filepath.Join(l.Root, d))
		for _, e := range now {
			if !had[e.Name()] && e.Type().IsRegular() {
				if err := os.Remove(filepath.Join(l.Root, d, e.Name())); err != nil {
					return err
				}
			}
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
