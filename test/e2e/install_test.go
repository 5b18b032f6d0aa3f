package e2e

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

var secretKeys = []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT", "APPSMITH_SUPERVISOR_PASSWORD"}

func readEnv(t *testing.T, dir string) (*stacks.EnvFile, []byte) {
	t.Helper()
	path := filepath.Join(dir, "stacks/configuration/docker.env")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("docker.env mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	env, err := stacks.ParseEnv(data)
	if err != nil {
		t.Fatal(err)
	}
	return env, data
}

// TestInstallLifecycle: a fresh install, then every way a re-run converges,
// then the day-two commands, on one instance.
func TestInstallLifecycle(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})

	r := e.run(nil, e.installArgs("1.9.2")...)
	e.mustSucceed(r, "fresh install")
	contains(t, "install stderr", r.errOut, "Preflight:", "Pull "+e.reg.Host()+"/appsmith/appsmith-ce:v1.9.2", "is ready at")
	s, code := e.status()
	if code != 0 || !s.Healthy || s.Version != "v1.9.2" || s.State != "running" || s.Container != e.name ||
		s.HTTPPort != e.http || s.HTTPSPort != e.https || s.Dir != e.dir || !strings.Contains(s.ImageDigest, "@sha256:") {
		t.Fatalf("status after install: exit %d %+v", code, s)
	}
	env, envBytes := readEnv(t, e.dir)
	for _, k := range secretKeys {
		if v, _ := env.Get(k); len(v) < 32 {
			t.Errorf("%s has %d characters, want ≥ 32", k, len(v))
		}
	}
	if target, err := os.Readlink(filepath.Join(e.linkDir, "appsmith")); err != nil || filepath.Base(target) != "appsmith-install" {
		t.Errorf("appsmith link: %q %v", target, err)
	}
	firstID := s.ContainerID

	// Healthy: a re-run changes nothing.
	r = e.run(nil, e.installArgs("v1.9.2")...)
	e.mustSucceed(r, "re-run on a healthy install")
	contains(t, "re-run stderr", r.errOut, "nothing to do")
	if s, _ = e.status(); s.ContainerID != firstID {
		t.Fatalf("re-run replaced the container")
	}

	// Stopped: a re-run starts it.
	e.mustSucceed(e.run(nil, "stop"), "stop")
	if s, code = e.status(); code != 4 || s.State != "stopped" {
		t.Fatalf("status of a stopped install: exit %d %+v", code, s)
	}
	r = e.run(nil, e.installArgs("v1.9.2")...)
	e.mustSucceed(r, "re-run on a stopped install")
	contains(t, "re-run stderr", r.errOut, "Start the container")
	if s, code = e.status(); code != 0 || s.ContainerID != firstID {
		t.Fatalf("after re-run: exit %d %+v", code, s)
	}

	// Container removed behind our back: a bare re-run (no version given:
	// the state says what is installed) recreates it on the same data.
	ctx := context.Background()
	if _, err := e.cli.ContainerRemove(ctx, e.name, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if s, code = e.status(); code != 4 || s.State != "missing" {
		t.Fatalf("status without container: exit %d %+v", code, s)
	}
	r = e.run(nil, "--dry-run", "--link-dir", e.linkDir)
	e.mustSucceed(r, "dry run without a container")
	contains(t, "plan", r.out, "install: 4 steps", "recreate it on the same data")
	r = e.run(nil, "--yes", "--progress", "plain", "--link-dir", e.linkDir)
	e.mustSucceed(r, "re-run without a container")
	contains(t, "re-run stderr", r.errOut, "Create the container "+e.name)
	if s, code = e.status(); code != 0 || s.ContainerID == firstID || s.Version != "v1.9.2" {
		t.Fatalf("after recreate: exit %d %+v", code, s)
	}
	if _, after := readEnv(t, e.dir); string(after) != string(envBytes) {
		t.Fatal("docker.env changed across the recreate: secrets must never be regenerated")
	}

	// Day two.
	r = e.run(nil, "restart", "backend", "--progress", "plain")
	e.mustSucceed(r, "restart backend")
	// The program's own log, of the current container: not a newer file of
	// Appsmith's pages in the same folder, not an earlier container's file
	// (the recreate above left one).
	backendLogs := filepath.Join(e.dir, "stacks/logs/backend")
	os.WriteFile(filepath.Join(backendLogs, "starting_page_init.log"), []byte("page init: not the backend\n"), 0o644)
	cur, _ := e.status()
	host := cur.ContainerID[:12]
	olderHosts := 0
	entries, _ := os.ReadDir(backendLogs)
	for _, f := range entries {
		if strings.HasPrefix(f.Name(), "backend-") && !strings.Contains(f.Name(), host) {
			olderHosts++
		}
	}
	if olderHosts == 0 {
		t.Fatalf("no earlier container's backend log in %s: the check below proves nothing", backendLogs)
	}
	r = e.run(nil, "logs", "backend", "--tail", "all")
	e.mustSucceed(r, "logs backend")
	if !strings.Contains(r.out, "on "+host) || strings.Contains(r.out, "page init") || strings.Count(r.out, "Starting ServerApplication") != strings.Count(r.out, "on "+host) {
		t.Errorf("logs backend is not the current container's backend log (host %s):\n%s", host, r.out)
	}
	r = e.run(nil, "logs", "backend", "--file", "starting_page_init.log")
	if r.code != 0 || !strings.Contains(r.out, "page init") {
		t.Errorf("logs backend --file: exit %d\n%s", r.code, r.out)
	}
	r = e.run(nil, "logs", "--tail", "all")
	e.mustSucceed(r, "logs")
	if strings.TrimSpace(r.out+r.errOut) == "" {
		t.Error("container logs printed nothing")
	}
	if r = e.run(nil, "logs", "nosuchprogram"); r.code != 2 {
		t.Errorf("logs of an unknown program: exit %d, want 2", r.code)
	}
	// Refused before anything restarts, as a usage error (the supervisor's list is the reference).
	if r = e.run(nil, "restart", "nosuchprogram", "--progress", "plain"); r.code != 2 || !strings.Contains(r.errOut, "nosuchprogram") {
		t.Errorf("restart of an unknown program: exit %d %s", r.code, r.errOut)
	}
	e.mustSucceed(e.run(nil, "restart", "--progress", "plain"), "restart")
	if s, code = e.status(); code != 0 {
		t.Fatalf("after restart: exit %d %+v", code, s)
	}

	// Secrets never reach any output.
	for _, k := range secretKeys {
		if v, _ := env.Get(k); v != "" && strings.Contains(e.outputs.String(), v) {
			t.Errorf("the value of %s was printed", k)
		}
	}

	// Uninstall keeps the data; --purge needs --yes without a terminal.
	e.mustSucceed(e.run(nil, "uninstall", "--progress", "plain"), "uninstall")
	if _, err := e.cli.ContainerInspect(ctx, e.name, client.ContainerInspectOptions{}); err == nil {
		t.Error("the container survived uninstall")
	}
	if _, err := os.Lstat(filepath.Join(e.linkDir, "appsmith")); !os.IsNotExist(err) {
		t.Error("the appsmith link survived uninstall")
	}
	if _, after := readEnv(t, e.dir); string(after) != string(envBytes) {
		t.Fatal("uninstall changed docker.env")
	}
	if r = e.run(nil, "uninstall", "--purge"); r.code != 2 {
		t.Fatalf("purge without --yes: exit %d, want 2", r.code)
	}
	e.mustSucceed(e.run(nil, "uninstall", "--purge", "--yes", "--progress", "plain"), "purge")
	e.noDir()
}

func TestPortInUseFailsPreflight(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	e.http = ln.Addr().(*net.TCPAddr).Port
	r := e.run(nil, e.installArgs("v1.9.2")...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "port "+strconv.Itoa(e.http)+" on 127.0.0.1 is in use", "--http-port", "nothing was changed")
	e.noDir()
}

func TestEngineUnreachableFailsPreflight(t *testing.T) {
	e := newEnv(t)
	r := e.run([]string{"DOCKER_HOST=unix://" + filepath.Join(t.TempDir(), "no-docker.sock")}, e.installArgs("v1.9.2")...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "unreachable", "no-docker.sock", "DOCKER_HOST")
	e.noDir()
}

func TestBadFlagsChangeNothing(t *testing.T) {
	e := newEnv(t)
	for _, bad := range [][]string{{"--version", "1.x"}, {"--http-port", "70000"}, {"--db-url", "ftp://x"}} {
		r := e.run(nil, append(e.installArgs("v1.9.2"), bad...)...)
		if r.code != 2 || !strings.Contains(r.errOut, bad[0]) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the flag", bad, r.code, r.errOut)
		}
		e.noDir()
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	e := newEnv(t)
	r := e.run(nil, append(e.installArgs("v1.9.2"), "--dry-run")...)
	e.mustSucceed(r, "dry run")
	contains(t, "plan", r.out, "install: 9 steps", "Pull "+e.reg.Host()+"/appsmith/appsmith-ce:v1.9.2", "Create the container "+e.name)
	e.noDir()
}

func TestNoSuchVersion(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	r := e.run(nil, e.installArgs("v1.9.3")...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "no such version", "hint:")
	if _, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{}); err == nil {
		t.Error("a container was created for a version that does not exist")
	}
}
