package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// The machine-image tests (image check, image prepare) judge a real Debian
// root file system: bookworm with openssh-server, cloud-init, ufw and sudo
// from the distribution's packages, which scripts/debian-rootfs.sh builds
// once and caches as a tarball. It is unpacked once into the cache (a
// read-only base) and each test gets its own copy.

var debianRootfs struct {
	once sync.Once
	base string
	err  error
}

func debianBase() (string, error) {
	debianRootfs.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			debianRootfs.err = err
			return
		}
		var out, errb bytes.Buffer
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "debian-rootfs.sh"))
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			debianRootfs.err = fmt.Errorf("scripts/debian-rootfs.sh: %v\n%s", err, strings.TrimSpace(errb.String()))
			return
		}
		tarball := strings.TrimSpace(out.String())
		base := strings.TrimSuffix(tarball, ".tar.gz")
		debianRootfs.base, debianRootfs.err = unpackOnce(tarball, base)
	})
	return debianRootfs.base, debianRootfs.err
}

// unpackOnce unpacks tarball into dir unless a complete unpacking is there
// (test packages run in parallel: a lock, and a marker written last).
func unpackOnce(tarball, dir string) (string, error) {
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	done := dir + ".unpacked"
	if _, err := os.Stat(done); err == nil {
		return dir, nil
	}
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if out, err := exec.Command("tar", "--numeric-owner", "-xzf", tarball, "-C", dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("unpack %s: %v: %s", tarball, err, out)
	}
	return dir, os.WriteFile(done, nil, 0o644)
}

// RequireDebianRootfs makes sure the Debian root file system exists and
// returns the read-only base tree. Skipped with -short; when it cannot be
// built the test fails under CI=true (CI must run these tests) and is
// skipped otherwise.
func RequireDebianRootfs(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("testenv: the Debian root file system is not used with -short")
	}
	base, err := debianBase()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("testenv: the Debian root file system cannot be built and CI=true: %v", err)
		}
		tb.Skipf("testenv: skipping, the Debian root file system cannot be built (run bash scripts/test-tools.sh as root): %v", err)
	}
	return base
}

// DebianTree is a private copy of the Debian root file system for one test
// to change, removed when the test ends. /usr, which neither image check
// nor image prepare changes in place, is hard-linked from the base to keep
// the copy cheap; everything else is copied.
func DebianTree(tb testing.TB) string {
	tb.Helper()
	base := RequireDebianRootfs(tb)
	// Beside the base: hard links need the same file system.
	dst, err := os.MkdirTemp(filepath.Dir(base), "debian-tree-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(dst) })
	if err := CopyTree(base, dst, "usr"); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// CopyTree copies the root file system at src into the existing directory
// dst, hard-linking the files of the top-level directories named in linked
// (which whoever changes the copy must replace, never write through).
func CopyTree(src, dst string, linked ...string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range ents {
		flag := "-a"
		if slices.Contains(linked, e.Name()) {
			flag = "-al"
		}
		if out, err := exec.Command("cp", flag, filepath.Join(src, e.Name()), dst+"/").CombinedOutput(); err != nil {
			return fmt.Errorf("copy %s: %v: %s", filepath.Join(src, e.Name()), err, out)
		}
	}
	return nil
}
