package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The real-PostgreSQL variant (Image{RealPostgres: true}) lays the stand-in
// over a Debian bookworm root filesystem with postgresql-15, which
// scripts/pg-rootfs.sh builds once and caches as a tarball. The stand-in
// finds the real postgres there and runs it instead of its imitation.

// pgPath is the image's PATH in the variant: the real pg_dump, pg_restore
// and psql first, as the real image has them.
const pgPath = "PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/opt/appsmith"

var pgRootfs struct {
	once  sync.Once
	path  string
	err   error
	layer v1.Layer
}

// pgRootfsTarball runs scripts/pg-rootfs.sh, which prints the cached
// tarball's path and builds it first when it is not there (minutes, once).
func pgRootfsTarball() (string, error) {
	pgRootfs.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			pgRootfs.err = err
			return
		}
		var out, errb bytes.Buffer
		cmd := exec.Command("bash", filepath.Join(root, "scripts", "pg-rootfs.sh"))
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			pgRootfs.err = fmt.Errorf("scripts/pg-rootfs.sh: %v\n%s", err, strings.TrimSpace(errb.String()))
			return
		}
		pgRootfs.path = strings.TrimSpace(out.String())
		if _, err := os.Stat(pgRootfs.path); err != nil {
			pgRootfs.err = fmt.Errorf("scripts/pg-rootfs.sh printed %q: %w", pgRootfs.path, err)
		}
	})
	return pgRootfs.path, pgRootfs.err
}

// RequirePGRootfs makes sure the real-PostgreSQL root filesystem exists and
// returns its path. When it cannot be built the test fails under CI=true
// (CI must run these tests) and is skipped otherwise.
func RequirePGRootfs(tb testing.TB) string {
	tb.Helper()
	path, err := pgRootfsTarball()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("testenv: the real-PostgreSQL image's root filesystem cannot be built and CI=true: %v", err)
		}
		tb.Skipf("testenv: skipping, the real-PostgreSQL image's root filesystem cannot be built (run bash scripts/test-tools.sh as root): %v", err)
	}
	return path
}

// pgRootfsLayer is the rootfs tarball as the image's bottom layer; the
// tarball is already gzipped, so it is hashed once and never recompressed.
// Called with images.mu held.
func pgRootfsLayer() (v1.Layer, error) {
	if pgRootfs.layer != nil {
		return pgRootfs.layer, nil
	}
	path, err := pgRootfsTarball()
	if err != nil {
		return nil, err
	}
	l, err := tarball.LayerFromFile(path)
	if err != nil {
		return nil, err
	}
	if _, err := l.Digest(); err != nil { // read it once, here, not mid-push
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pgRootfs.layer = l
	return l, nil
}
