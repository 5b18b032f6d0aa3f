// Package e2e drives the real appsmith-install binary against the real Docker
// engine, with stand-in Appsmith images served from an in-process registry on
// 127.0.0.1 (internal/testenv). Nothing here is faked but the image's insides.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "appsmith-install-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "appsmith-install")
	// The host build, as packages ship it (no Kubernetes target linked in).
	build := exec.Command("go", "build", "-tags", "nokube", "-o", binary, "../../cmd/appsmith-install")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the binary: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is one test's world: its own registry, install dir, container name and ports.
type env struct {
	t            testing.TB
	cli          *client.Client
	reg          *testenv.Registry
	dir, linkDir string
	name         string
	http, https  int
	outputs      bytes.Buffer // everything the binary printed, to look for secrets
}

func newEnv(t *testing.T) *env {
	t.Parallel()
	return setup(t)
}

func setup(t testing.TB) *env {
	e := &env{t: t, cli: testenv.RequireEngine(t)}
	e.reg = testenv.StartRegistry(t)
	e.reg.RemoveFromEngineOnCleanup(t, e.cli)
	e.name = testenv.UniqueName(t, "e2e")
	// Cleanups run last-registered first: the container must be gone before
	// the temp dir is removed, or a restarting container still writes its
	// logs into the stacks while they are deleted.
	root := t.TempDir()
	testenv.RemoveContainersOnCleanup(t, e.cli, e.name)
	e.dir, e.linkDir = filepath.Join(root, "appsmith"), filepath.Join(root, "bin")
	os.MkdirAll(e.linkDir, 0o755)
	e.http, e.https = testenv.FreePort(t), testenv.FreePort(t)
	return e
}

type result struct {
	code        int
	out, errOut string
	took        time.Duration
}

// run runs the binary with --dir and the test's environment.
func (e *env) run(extraEnv []string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"--dir", e.dir}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, extraEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := result{out: out.String(), errOut: errOut.String(), took: time.Since(start)}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = 128 + int(ws.Signal()) // as a shell reports it
		}
	} else if err != nil {
		e.t.Fatalf("running %v: %v", args, err)
	}
	e.outputs.WriteString(r.out + r.errOut)
	return r
}

// installArgs installs through --registry, so --version goes through the
// product's normalisation and the engine's real pull.
func (e *env) installArgs(version string, more ...string) []string {
	return append([]string{"--yes", "--registry", e.reg.Host(), "--edition", "ce", "--version", version,
		"--container-name", e.name, "--http-port", strconv.Itoa(e.http), "--https-port", strconv.Itoa(e.https),
		"--bind-address", "127.0.0.1", "--link-dir", e.linkDir, "--progress", "plain", "--timeout", "90s"}, more...)
}

func (e *env) mustSucceed(r result, what string) {
	e.t.Helper()
	if r.code != 0 {
		e.t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.code, r.out, r.errOut)
	}
}

type status struct {
	State       string `json:"state"`
	Healthy     bool   `json:"healthy"`
	Version     string `json:"version"`
	Image       string `json:"image"`
	ImageDigest string `json:"image_digest"`
	Container   string `json:"container"`
	ContainerID string `json:"container_id"`
	Dir         string `json:"dir"`
	HTTPPort    int    `json:"http_port"`
	HTTPSPort   int    `json:"https_port"`
	Problem     string `json:"problem"`
	Installing  bool   `json:"installing"`
}

func (e *env) status() (status, int) {
	e.t.Helper()
	r := e.run(nil, "status", "--json")
	var s status
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		e.t.Fatalf("status --json: %v\nstdout:\n%s\nstderr:\n%s", err, r.out, r.errOut)
	}
	return s, r.code
}

func (e *env) noDir() {
	e.t.Helper()
	if _, err := os.Stat(e.dir); !os.IsNotExist(err) {
		e.t.Fatalf("%s exists: the failed command changed the disk", e.dir)
	}
}

func contains(t testing.TB, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}
