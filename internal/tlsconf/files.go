package tlsconf

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// touched are the stacks files a TLS change may write or delete, relative
// to the stacks root; ca-certs/ is copied whole.
var touched = []string{"configuration/docker.env", "ssl/fullchain.pem", "ssl/privkey.pem"}

// absentMark in a snapshot says the file did not exist: restoring deletes it.
const absentMark = ".absent"

// snapshot copies the files a change may touch into dir (0700: it holds
// the private key and docker.env's secrets).
func snapshot(l stacks.Layout, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "ca-certs"), 0o700); err != nil {
		return err
	}
	paths := append([]string(nil), touched...)
	cas, err := os.ReadDir(l.CACertsDir())
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range cas {
		if e.Type().IsRegular() {
			paths = append(paths, filepath.Join("ca-certs", e.Name()))
		}
	}
	for _, rel := range paths {
		data, err := os.ReadFile(filepath.Join(l.Root, rel))
		dst := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
			return err
		}
		if errors.Is(err, fs.ErrNotExist) {
			if err := fsutil.WriteFileAtomic(dst+absentMark, nil, 0o600); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if err := fsutil.WriteFileAtomic(dst, data, 0o600); err != nil {
			return err
		}
	}
	// Mark ca-certs/ as copied whole, so CA files added by the change are
	// removed on restore.
	return fsutil.WriteFileAtomic(filepath.Join(dir, "ca-certs", ".complete"), nil, 0o600)
}

// restore puts the snapshot back exactly: files that did not exist are
// removed, modes are the ones the installer uses.
func restore(l stacks.Layout, dir string) error {
	for _, rel := range touched {
		if err := restoreFile(l, dir, rel); err != nil {
			return err
		}
	}
	had := map[string]bool{}
	saved, _ := os.ReadDir(filepath.Join(dir, "ca-certs"))
	for _, e := range saved {
		if e.Name() == ".complete" {
			continue
		}
		had[e.Name()] = true
		if err := restoreFile(l, dir, filepath.Join("ca-certs", e.Name())); err != nil {
			return err
		}
	}
	now, _ := os.ReadDir(l.CACertsDir())
	for _, e := range now {
		if !had[e.Name()] && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(l.CACertsDir(), e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func restoreFile(l stacks.Layout, dir, rel string) error {
	dst := filepath.Join(l.Root, rel)
	if _, err := os.Stat(filepath.Join(dir, rel+absentMark)); err == nil {
		if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	data, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(dst, data, modeOf(rel))
}

func modeOf(rel string) os.FileMode {
	if strings.HasSuffix(rel, "privkey.pem") || strings.HasSuffix(rel, "docker.env") {
		return 0o600
	}
	return 0o644
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
	if err := install.WriteTLS(l, c.Material, stamp); err != nil {
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
