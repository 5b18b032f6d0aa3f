package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

type result struct {
	code        int
	out, errOut string
}

func run(t *testing.T, deps Deps, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), append([]string{"appsmith-install"}, args...), IO{
		In: strings.NewReader(""), Out: &out, Err: &errOut,
		Getenv: func(k string) string { return env[k] },
	}, deps)
	return result{code, out.String(), errOut.String()}
}

// emptyHost: nothing installed, a healthy machine with free ports.
func fakeDeps(eng *dockerfake.Engine) Deps {
	return Deps{
		Docker: func(context.Context) (Engine, error) { return eng, nil },
		Host: install.Host{
			PortFree:   func(string, int) error { return nil },
			DiskFree:   func(string) (uint64, error) { return 50 << 30, nil },
			HasAVX:     func() (bool, error) { return true, nil },
			Executable: func() (string, error) { return "/usr/local/lib/appsmith-install", nil },
			HTTP:       http.DefaultClient,
		},
	}
}

func emptyEngine(t *testing.T) *dockerfake.Engine {
	return &dockerfake.Engine{
		T: t,
		InfoFunc: func(context.Context) (docker.EngineInfo, error) {
			return docker.EngineInfo{Host: "unix:///var/run/docker.sock", ServerVersion: "20.10.24", APIVersion: "1.41", Arch: "x86_64", MemTotal: 8 << 30}, nil
		},
		ContainerListFunc: func(context.Context, map[string]string) ([]docker.Container, error) { return nil, nil },
		ImageInspectFunc:  func(context.Context, string) (docker.Image, error) { return docker.Image{}, dockerfake.NotFound("x") },
	}
}

func TestDryRunPlanGolden(t *testing.T) {
	dir := "/srv/appsmith-test" // never created: a dry run changes nothing
	r := run(t, fakeDeps(emptyEngine(t)), nil, "--dry-run", "--dir", dir, "--version", "1.9.2", "--edition", "ce", "--link-dir", "", "--progress", "plain")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("dry run created %s", dir)
	}
	golden(t, "dry-run-plan.golden", []byte(r.out))
	if !strings.Contains(r.errOut, "Preflight:") {
		t.Errorf("findings missing from stderr:\n%s", r.errOut)
	}
}

func TestConfigFileAndEnvGiveTheSamePlanAsFlags(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "install.yaml")
	os.WriteFile(cfg, []byte("dir: /srv/appsmith-test\nversion: 1.9.2\nedition: ce\nlink_dir: ''\n"), 0o644)
	fromFile := run(t, fakeDeps(emptyEngine(t)), nil, "--dry-run", "--config", cfg, "--progress", "plain")
	fromEnv := run(t, fakeDeps(emptyEngine(t)), map[string]string{
		"APPSMITH_INSTALL_DIR": "/srv/appsmith-test", "APPSMITH_INSTALL_VERSION": "v1.9.2", "APPSMITH_INSTALL_EDITION": "ce",
		"APPSMITH_INSTALL_VERSION_X": "ignored"}, "--dry-run", "--link-dir", "", "--progress", "plain")
	for _, r := range []result{fromFile, fromEnv} {
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.errOut)
		}
	}
	golden(t, "dry-run-plan.golden", []byte(fromFile.out))
	golden(t, "dry-run-plan.golden", []byte(fromEnv.out))
}

func TestPrecedenceFlagsOverEnvOverFile(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "install.yaml")
	os.WriteFile(cfg, []byte("http_port: 8080\nhttps_port: 8443\n"), 0o644)
	r := run(t, fakeDeps(emptyEngine(t)), map[string]string{"APPSMITH_INSTALL_HTTP_PORT": "9090"},
		"--dry-run", "--config", cfg, "--https-port", "9443", "--dir", "/srv/x", "--link-dir", "", "--progress", "plain")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if !strings.Contains(r.out, ":9090/api/v1/health") {
		t.Errorf("env did not beat the file for http-port:\n%s", r.out)
	}
	if !strings.Contains(r.errOut, "ports 9090 and 9443") {
		t.Errorf("flag did not beat the file for https-port:\n%s", r.errOut)
	}
}

func TestBadInputIsUsageErrorNamingTheSource(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "install.yaml")
	os.WriteFile(cfg, []byte("http_port: 70000\n"), 0o644)
	typo := filepath.Join(t.TempDir(), "typo.yaml")
	os.WriteFile(typo, []byte("htp_port: 80\n"), 0o644)
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--version", "1.x"}, nil, `invalid --version "1.x"`},
		{[]string{"--http-port", "70000"}, nil, `invalid --http-port "70000"`},
		{[]string{"--db-url", "ftp://x"}, nil, `invalid --db-url "ftp://x"`},
		{[]string{"--db-url", "mongodb://user:s3cret@"}, nil, `no host`},
		{[]string{"--http-port", "80", "--https-port", "80"}, nil, `must differ`},
		{[]string{"--bind-address", "example.com"}, nil, `invalid --bind-address`},
		{[]string{"--config", cfg}, nil, "invalid http_port in " + cfg},
		{[]string{"--config", typo}, nil, `unknown key "htp_port"`},
		{nil, map[string]string{"APPSMITH_INSTALL_TIMEOUT": "soon"}, `invalid APPSMITH_INSTALL_TIMEOUT "soon"`},
		{[]string{"--progress", "loud"}, nil, `--progress`},
		{[]string{"--no-such-flag"}, nil, `unknown flag`},
	}
	for _, c := range cases {
		dir := filepath.Join(t.TempDir(), "inst")
		r := run(t, fakeDeps(emptyEngine(t)), c.env, append([]string{"--yes", "--dir", dir}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, r.code, r.errOut, c.want)
		}
		if strings.Contains(r.errOut, "s3cret") {
			t.Errorf("%v: a password was printed: %s", c.args, r.errOut)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v: %s was created", c.args, dir)
		}
	}
}

func TestNoTerminalNeedsYes(t *testing.T) {
	r := run(t, fakeDeps(emptyEngine(t)), nil, "--dir", t.TempDir())
	if r.code != 2 || !strings.Contains(r.errOut, "--yes") {
		t.Fatalf("exit %d, stderr %q; want exit 2 naming --yes", r.code, r.errOut)
	}
}

func TestPreflightFailureExits3WithAllFindings(t *testing.T) {
	deps := fakeDeps(emptyEngine(t))
	deps.Host.PortFree = func(ip string, port int) error {
		return fmt.Errorf("listen tcp %s:%d: bind: address already in use", ip, port)
	}
	deps.Host.DiskFree = func(string) (uint64, error) { return 100 << 20, nil }
	dir := filepath.Join(t.TempDir(), "inst")
	r := run(t, deps, nil, "--yes", "--dir", dir, "--progress", "plain")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3: %s", r.code, r.errOut)
	}
	for _, want := range []string{"port 80 on 0.0.0.0 is in use", "port 443", "--http-port", "0.1 GiB free"} {
		if !strings.Contains(r.errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.errOut)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s was created", dir)
	}
}

// healthyServer answers like a ready Appsmith.
func healthyServer(t *testing.T, version string) (*httptest.Server, int) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/health":
			w.Write([]byte(`{"responseMeta":{"status":200,"success":true}}`))
		case "/info":
			fmt.Fprintf(w, `{"version":%q,"commitSha":"abc","imageBuiltAt":"2026-01-01"}`, version)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	return srv, port
}

func TestStatusJSONGolden(t *testing.T) {
	_, port := healthyServer(t, "v1.9.2")
	dir := t.TempDir()
	st := &state.State{InstallerVersion: "v0.1.0", InstalledAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Dir: dir,
		Container: "appsmith", ContainerID: "c0ffee", Edition: "ce", Tag: "v1.9.2", Image: "appsmith/appsmith-ce:v1.9.2",
		ImageID: "sha256:1111", ImageDigest: "appsmith/appsmith-ce@sha256:2222", Version: "v1.9.2",
		HTTPPort: port, HTTPSPort: 8443, BindAddress: "127.0.0.1", Database: "embedded-mongodb", Redis: "embedded"}
	if err := state.Save(dir, st); err != nil {
		t.Fatal(err)
	}
	eng := &dockerfake.Engine{T: t, ContainerInspectFunc: func(_ context.Context, id string) (docker.Container, error) {
		if id != "c0ffee" {
			return docker.Container{}, docker.ErrNotFound
		}
		return docker.Container{ID: "c0ffee", Name: "appsmith", Image: "appsmith/appsmith-ce:v1.9.2", ImageID: "sha256:1111",
			State: "running", Running: true, StartedAt: time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC),
			Labels: map[string]string{state.LabelManaged: "true", state.LabelDir: dir},
			Ports:  []docker.PortBinding{{HostIP: "127.0.0.1", HostPort: port, ContainerPort: 80}, {HostIP: "127.0.0.1", HostPort: 8443, ContainerPort: 443}}}, nil
	}}
	r := run(t, fakeDeps(eng), nil, "--dir", dir, "status", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	out := strings.ReplaceAll(r.out, dir, "<DIR>")
	out = strings.ReplaceAll(out, strconv.Itoa(port), "<PORT>")
	golden(t, "status.json.golden", []byte(out))
}

func TestStatusNotInstalledExits5(t *testing.T) {
	eng := &dockerfake.Engine{T: t, ContainerListFunc: func(context.Context, map[string]string) ([]docker.Container, error) { return nil, nil }}
	r := run(t, fakeDeps(eng), nil, "--dir", t.TempDir(), "status")
	if r.code != 5 || !strings.Contains(r.errOut, "no Appsmith installed") {
		t.Fatalf("exit %d, stderr %q; want 5", r.code, r.errOut)
	}
}

func TestUninstallPurgeNeedsYesWithoutTerminal(t *testing.T) {
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith", ContainerID: "gone"})
	eng := &dockerfake.Engine{
		T:                    t,
		ContainerInspectFunc: func(context.Context, string) (docker.Container, error) { return docker.Container{}, docker.ErrNotFound },
		ContainerListFunc:    func(context.Context, map[string]string) ([]docker.Container, error) { return nil, nil },
	}
	r := run(t, fakeDeps(eng), nil, "--dir", dir, "uninstall", "--purge")
	if r.code != 2 || !strings.Contains(r.errOut, "--yes") {
		t.Fatalf("exit %d, stderr %q; want 2 naming --yes", r.code, r.errOut)
	}
	if _, err := os.Stat(state.Path(dir)); err != nil {
		t.Fatalf("purge without --yes touched the dir: %v", err)
	}
}

func TestVersionNamesTheInstalledAppsmith(t *testing.T) {
	dir := t.TempDir()
	r := run(t, fakeDeps(dockerfake.New(t)), nil, "--dir", dir, "version")
	if r.code != 0 || !strings.HasPrefix(r.out, "appsmith-install ") || strings.Contains(r.out, "Appsmith v") {
		t.Fatalf("without an install: exit %d %q", r.code, r.out)
	}
	state.Save(dir, &state.State{Dir: dir, Version: "v1.9.2", Image: "appsmith/appsmith-ce:v1.9.2"})
	r = run(t, fakeDeps(dockerfake.New(t)), nil, "--dir", dir, "version")
	if r.code != 0 || !strings.Contains(r.out, "Appsmith v1.9.2 in "+dir) {
		t.Fatalf("with an install: exit %d %q", r.code, r.out)
	}
}
