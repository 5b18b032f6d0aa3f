// Package testenv is the end-to-end test harness: it builds the stand-in
// Appsmith program (test/standin), bakes it into FROM-scratch images, serves
// them from an in-process registry on 127.0.0.1 that the real Docker engine
// pulls from, and connects to that engine; for the Kubernetes target it
// starts a real control plane on 127.0.0.1 with kwok fake nodes (kube.go).
// It is imported only by _test.go files.
package testenv

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

var standin struct {
	once sync.Once
	path string
	err  error
}

// StandinBinary returns the path of the stand-in built for linux on this
// machine's architecture. The build happens once per test process and is
// cached across processes under the user cache dir, keyed by a hash of the
// sources, so the many packages `go test ./...` runs in parallel share it.
func StandinBinary(tb testing.TB) string {
	tb.Helper()
	standin.once.Do(func() { standin.path, standin.err = buildStandin() })
	if standin.err != nil {
		tb.Fatalf("testenv: building the stand-in image program: %v", standin.err)
	}
	return standin.path
}

func moduleRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate testenv sources")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("module root not found from %s: %w", file, err)
	}
	return root, nil
}

// sourceHash covers everything that changes the binary: the stand-in's
// sources (tests excluded), the module files, the toolchain and target.
func sourceHash(root string) (string, error) {
	var files []string
	err := filepath.WalkDir(filepath.Join(root, "test", "standin"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	files = append(files, filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"))
	h := sha256.New()
	fmt.Fprintf(h, "%s linux/%s\n", runtime.Version(), runtime.GOARCH)
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintf(h, "%s\n", filepath.ToSlash(rel))
		fh, err := os.Open(f)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && filepath.Base(f) == "go.sum" {
				continue
			}
			return "", err
		}
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

func cacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "appsmith-install-test")
	return dir, os.MkdirAll(dir, 0o755)
}

func buildStandin() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	sum, err := sourceHash(root)
	if err != nil {
		return "", err
	}
	dir, err := cacheDir()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "standin-"+sum+"-linux-"+runtime.GOARCH)
	if _, err := os.Stat(out); err == nil {
		now := time.Now()
		_ = os.Chtimes(out, now, now) // in use: keep it from pruneOld
		return out, nil
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go tool is needed to build the stand-in: %w", err)
	}
	// Concurrent processes each build to their own name; rename is atomic,
	// so a reader never sees half a binary and the last writer wins harmlessly.
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	tmp := out + ".tmp-" + hex.EncodeToString(rnd[:])
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", tmp, "./test/standin")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("go build ./test/standin: %v\n%s", err, b)
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return "", err
	}
	pruneOld(dir, out)
	return out, nil
}

// pruneOld drops builds of other source revisions that nobody has built for
// a day, so the cache does not grow by one binary per edit.
func pruneOld(dir, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, "standin-*"))
	for _, f := range old {
		if fi, err := os.Stat(f); err == nil && f != keep && time.Since(fi.ModTime()) > 24*time.Hour {
			os.Remove(f)
		}
	}
}
