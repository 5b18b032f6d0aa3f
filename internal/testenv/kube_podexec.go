package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// A pod backed by a container: kwok runs no container, so a test that
// needs a pod's exec to reach a real Appsmith image (backups, restores)
// runs the stand-in as a Docker container and tells the pod's exec and
// port-forward to go there (BackPod). kwok runs exec commands on this
// machine by name from its PATH; the plane puts podexec
// (internal/testenv/podexec) first on that PATH under the image tools'
// names, and podexec runs the command in the container the pod's Exec
// object names, or the machine's own command when none does.

// podTools are the names podexec answers to: what the product runs in an
// Appsmith pod, and what ExecLocally tests run.
var podTools = []string{"tar", "sh", "rm", "cat", "env", "mongodump", "mongorestore", "mongosh",
	"pg_dump", "pg_restore", "psql", "appsmithctl", "supervisorctl"}

var podexecBuild struct {
	once sync.Once
	path string
	err  error
}

// podBinDir builds podexec (once per process) and returns a directory in
// dir holding it under every podTools name.
func podBinDir(dir string) (string, error) {
	podexecBuild.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			podexecBuild.err = err
			return
		}
		tmp, err := os.MkdirTemp("", "testenv-podexec-")
		if err != nil {
			podexecBuild.err = err
			return
		}
		out := filepath.Join(tmp, "podexec")
		cmd := exec.Command("go", "build", "-o", out, "./internal/testenv/podexec")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
		if b, err := cmd.CombinedOutput(); err != nil {
			podexecBuild.err = fmt.Errorf("go build ./internal/testenv/podexec: %v\n%s", err, b)
			return
		}
		podexecBuild.path = out
	})
	if podexecBuild.err != nil {
		return "", podexecBuild.err
	}
	bin := filepath.Join(dir, "podbin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	for _, name := range podTools {
		if err := os.Symlink(podexecBuild.path, filepath.Join(bin, name)); err != nil && !os.IsExist(err) {
			return "", err
		}
	}
	return bin, nil
}

// BackPod makes the pod's exec run in the Docker container containerID
// (same command line, streams and exit code) and its port-forwards to
// port reach httpAddr ("127.0.0.1:PORT", the container's published HTTP
// port): to the tool, the pod is that container.
func (k *Kube) BackPod(tb testing.TB, namespace, pod, containerID string, port int, httpAddr string) {
	tb.Helper()
	if strings.TrimSpace(containerID) == "" {
		tb.Fatal("testenv: BackPod without a container")
	}
	k.ForwardPort(tb, namespace, pod, port, httpAddr)
	k.BackExec(tb, namespace, pod, containerID)
}

// BackExec makes only the pod's exec run in the Docker container: its
// port-forwards go where they went (a test's /info server, say).
func (k *Kube) BackExec(tb testing.TB, namespace, pod, containerID string) {
	tb.Helper()
	k.ExecLocally(tb, namespace, pod, os.TempDir(), "TESTENV_EXEC_CONTAINER="+containerID)
}
