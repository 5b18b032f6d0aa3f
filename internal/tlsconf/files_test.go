package tlsconf

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

func tree(t *testing.T, root string) string {
	h := sha256.New()
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if e.IsDir() {
			return nil
		}
		info, _ := e.Info()
		data, _ := os.ReadFile(p)
		fmt.Fprintf(h, "%s %v %x\n", p, info.Mode(), sha256.Sum256(data))
		return nil
	})
	return fmt.Sprintf("%x", h.Sum(nil))
}

// Whatever a change writes or deletes, restoring its snapshot gives back the
// exact files: contents, modes, and absence.
func TestSnapshotRestoreIsExact(t *testing.T) {
	for _, withCert := range []bool{false, true} {
		l := stacks.Layout{Root: t.TempDir()}
		if err := l.Ensure(); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(l.DockerEnv(), []byte("APPSMITH_CUSTOM_DOMAIN=\nAPPSMITH_ENCRYPTION_PASSWORD=x\n"), 0o600)
		os.WriteFile(filepath.Join(l.CACertsDir(), "old-root.crt"), []byte("old root"), 0o644)
		if withCert {
			os.WriteFile(l.FullchainPEM(), []byte("old chain"), 0o644)
			os.WriteFile(l.PrivkeyPEM(), []byte("old key"), 0o600)
		}
		before := tree(t, l.Root)
		snap := filepath.Join(t.TempDir(), "snap")
		if err := snapshot(l, snap, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(snap); st.Mode().Perm() != 0o700 {
			t.Errorf("snapshot dir mode %v: it holds the private key", st.Mode().Perm())
		}
		// What a change may do: new files, a removed CA, a new CA, the domain.
		os.WriteFile(l.FullchainPEM(), []byte("new chain"), 0o644)
		os.WriteFile(l.PrivkeyPEM(), []byte("new key"), 0o600)
		os.Remove(filepath.Join(l.CACertsDir(), "old-root.crt"))
		os.WriteFile(filepath.Join(l.CACertsDir(), "new-root.crt"), []byte("new root"), 0o644)
		os.WriteFile(l.DockerEnv(), []byte("APPSMITH_CUSTOM_DOMAIN=a.example.com\nAPPSMITH_ENCRYPTION_PASSWORD=x\n"), 0o600)
		if err := restore(l, snap); err != nil {
			t.Fatal(err)
		}
		if tree(t, l.Root) != before {
			t.Errorf("withCert=%v: restore did not give back the exact files", withCert)
		}
	}
}

// everything records what an exact restore must give back, links and
// directories included, times too.
func everything(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Lstat(p)
		rel, _ := filepath.Rel(root, p)
		v := fmt.Sprintf("%v", fi.Mode())
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			v += " -> " + target
		case fi.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			v += fmt.Sprintf(" %x %d", sha256.Sum256(data), fi.ModTime().UnixNano())
		}
		m[rel] = v
		return nil
	})
	return m
}

// ssl/ and ca-certs/ come back whole: a symlink (as certbot leaves them), a
// folder the change added, a mode, a folder that did not exist.
func TestRestoreIsExactForLinksFoldersAndAbsence(t *testing.T) {
	l := stacks.Layout{Root: t.TempDir()}
	if err := l.Ensure(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(l.DockerEnv(), []byte("APPSMITH_ENCRYPTION_PASSWORD=x\n"), 0o600)
	os.WriteFile(filepath.Join(l.SSLDir(), "chain-1.pem"), []byte("old chain"), 0o644)
	os.Symlink("chain-1.pem", l.FullchainPEM())
	os.WriteFile(l.PrivkeyPEM(), []byte("old key"), 0o600)
	os.RemoveAll(l.CACertsDir())
	before := everything(t, l.Root)
	snap := filepath.Join(t.TempDir(), "snap")
	if err := snapshot(l, snap, t.TempDir()); err != nil {
		t.Fatal(err)
	}

	os.Remove(l.FullchainPEM())
	os.WriteFile(l.FullchainPEM(), []byte("new chain"), 0o644) // link -> file
	os.Chmod(l.PrivkeyPEM(), 0o644)                            // mode
	os.MkdirAll(filepath.Join(l.SSLDir(), "archive"), 0o755)   // added folder
	os.WriteFile(filepath.Join(l.SSLDir(), "archive", "x"), []byte("x"), 0o644)
	os.MkdirAll(l.CACertsDir(), 0o755) // folder that was absent
	os.WriteFile(filepath.Join(l.CACertsDir(), "new-root.crt"), []byte("new root"), 0o644)

	for range 2 { // both undos run it; the second finds nothing to do
		if err := restore(l, snap); err != nil {
			t.Fatal(err)
		}
		after := everything(t, l.Root)
		for p, v := range before {
			if after[p] != v {
				t.Errorf("%s: %q, want %q", p, after[p], v)
			}
		}
		for p := range after {
			if _, ok := before[p]; !ok {
				t.Errorf("%s: left by the change", p)
			}
		}
	}
}
