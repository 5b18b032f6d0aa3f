// Package kube drives the real appsmith-install binary against a real
// Kubernetes control plane on 127.0.0.1 (internal/testenv: etcd,
// kube-apiserver, controller-manager, scheduler, a kwok node), with the
// project's stand-in chart (test/charts/appsmith) and the tag list served
// by an in-process registry. Nothing here is faked but the pods' insides:
// kwok makes a pod Ready unless its image tag carries the plane's
// never-ready marker.
package kube

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// badTag is a release whose pod never becomes Ready on this package's
// plane: its never-ready marker. It is a plain version tag, so the tag
// list and the upgrade graph accept it as they would a real bad release.
const badTag = "v2.2.0"

var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	if testing.Short() {
		os.Exit(m.Run()) // every test skips: no binary, no plane
	}
	dir, err := os.MkdirTemp("", "appsmith-install-kube-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "appsmith-install")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/appsmith-install")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the binary: %v\n%s", err, out)
		os.Exit(1)
	}
	code := testenv.KubeMain(m)
	os.RemoveAll(dir)
	os.Exit(code)
}
