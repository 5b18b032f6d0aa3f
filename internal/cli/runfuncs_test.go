package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/lock"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// testIO is an IO of buffers with an empty environment.
func testIO() (IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: func(string) string { return "" }}, &out, &errOut
}

// The run functions take their options and nothing of cobra: a test sets
// the fields a flag would.
func TestStopRunWithoutCobra(t *testing.T) {
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2"})
	eng := dockerfake.New(t).Serve(managed("a", dir, true))
	var stopped []string
	eng.ContainerStopFunc = func(_ context.Context, id string, timeout time.Duration) error {
		if timeout != stopTimeout {
			t.Errorf("stop timeout %s, want %s", timeout, stopTimeout)
		}
		stopped = append(stopped, id)
		return nil
	}
	stdio, out, errOut := testIO()
	err := stopRun(context.Background(), &StopOptions{IO: stdio, Deps: fakeDeps(eng), Root: &rootOpts{dir: dir, progress: "plain"}})
	if err != nil {
		t.Fatalf("stopRun: %v\n%s", err, errOut)
	}
	if len(stopped) != 1 || stopped[0] != "a" {
		t.Errorf("stopped %v, want [a]", stopped)
	}
	if out.Len() != 0 {
		t.Errorf("stdout is for data: %q", out)
	}
	contains(t, errOut.String(), "Stop appsmith-a")
	// The lock is released when the run returns.
	l, err := lock.Acquire(dir)
	if err != nil {
		t.Fatalf("lock still held after stopRun: %v", err)
	}
	l.Release()

	// Already stopped: said, nothing called.
	eng = dockerfake.New(t).Serve(managed("a", dir, false))
	stdio, _, errOut = testIO()
	if err := stopRun(context.Background(), &StopOptions{IO: stdio, Deps: fakeDeps(eng), Root: &rootOpts{dir: dir, progress: "plain"}}); err != nil {
		t.Fatal(err)
	}
	contains(t, errOut.String(), "appsmith-a is already stopped")
}

func TestRestartRunRefusesAProgramInAStoppedContainer(t *testing.T) {
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2"})
	stdio, _, _ := testIO()
	err := restartRun(context.Background(), &RestartOptions{IO: stdio, Deps: fakeDeps(dockerfake.New(t).Serve(managed("a", dir, false))),
		Root: &rootOpts{dir: dir, progress: "plain"}, Program: "backend", Timeout: time.Second})
	if err == nil || engine.ExitCode(err) != engine.ExitFailure || !strings.Contains(err.Error(), "appsmith-a is not running: cannot restart backend") {
		t.Fatalf("got %v (exit %d)", err, engine.ExitCode(err))
	}
	if h := engine.HintOf(err); !strings.Contains(h, "start") || !strings.Contains(h, dir) {
		t.Errorf("hint %q does not name `start --dir %s`", h, dir)
	}
}

// The constructors parse flags and arguments into the options struct; a
// test's runF sees them without anything being run.
func TestNewCmdParsesFlagsIntoOptions(t *testing.T) {
	stdio, _, _ := testIO()
	f := &Factory{IO: stdio, Deps: fakeDeps(dockerfake.New(t)), root: &rootOpts{}}
	var got *RestartOptions
	cmd := NewCmdRestart(f, func(o *RestartOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"backend", "--timeout", "90s"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Program != "backend" || got.Timeout != 90*time.Second || got.Root != f.root {
		t.Fatalf("restart options %+v", got)
	}

	var start *StartOptions
	cmd = NewCmdStart(f, func(o *StartOptions) error { start = o; return nil })
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if start == nil || start.Timeout != install.Defaults().Timeout {
		t.Fatalf("start options %+v: want the install's default --timeout", start)
	}
}

func TestStatusRunWithoutCobra(t *testing.T) {
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2", HTTPPort: 80, HTTPSPort: 443, BindAddress: "0.0.0.0"})
	stdio, out, _ := testIO()
	err := statusRun(context.Background(), &StatusOptions{IO: stdio, Deps: fakeDeps(dockerfake.New(t).Serve(managed("a", dir, false))),
		Root: &rootOpts{dir: dir}, JSON: true})
	if engine.ExitCode(err) != engine.ExitNotReady {
		t.Fatalf("a stopped container: got %v (exit %d), want exit %d", err, engine.ExitCode(err), engine.ExitNotReady)
	}
	var st Status
	if err := json.Unmarshal(out.Bytes(), &st); err != nil {
		t.Fatalf("stdout is not the status object: %v\n%s", err, out)
	}
	if st.State != "stopped" || st.Healthy || st.Dir != dir || st.Version != "v1.9.2" || !strings.Contains(st.Problem, "start --dir "+dir) {
		t.Errorf("status %+v", st)
	}

	// Nothing installed: exit 5, and --json still gives an object.
	empty := t.TempDir()
	stdio, out, _ = testIO()
	err = statusRun(context.Background(), &StatusOptions{IO: stdio, Deps: fakeDeps(emptyEngine(t)), Root: &rootOpts{dir: empty}, JSON: true})
	if engine.ExitCode(err) != engine.ExitNotFound || !strings.Contains(out.String(), `"not-installed"`) {
		t.Errorf("empty dir: %v (exit %d)\n%s", err, engine.ExitCode(err), out)
	}
}

// The question of --purge goes through the prompter of Deps: a test
// answers it, and sees the question asked before anything is deleted.
func TestUninstallRunAsksThePrompter(t *testing.T) {
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2"})
	os.MkdirAll(filepath.Join(dir, "stacks", "configuration"), 0o700)
	eng := dockerfake.New(t).Serve(managed("a", dir, false))
	removed := false
	eng.ContainerRemoveFunc = func(_ context.Context, id string) error { removed = id == "a"; return nil }
	stdio, _, errOut := testIO()
	stdio.IsTTY = true
	deps := fakeDeps(eng)
	var asked []string
	deps.Confirm = func(_ IO, q string) (bool, error) {
		asked = append(asked, q)
		if removed {
			t.Error("asked after the container was removed")
		}
		return true, nil
	}
	err := uninstallRun(context.Background(), &UninstallOptions{IO: stdio, Deps: deps, Root: &rootOpts{dir: dir, progress: "plain"}, Purge: true})
	if err != nil {
		t.Fatalf("uninstallRun: %v\n%s", err, errOut)
	}
	if len(asked) != 1 || asked[0] != "Delete them for good?" {
		t.Errorf("asked %q", asked)
	}
	if !removed {
		t.Error("the container was not removed")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s holds only what the install created: purged with it, got %v", dir, err)
	}
}

func TestTLSRecoverRunWithoutCobra(t *testing.T) {
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2", TLS: "none"})
	opts := func(eng *dockerfake.Engine) (*TLSOptions, *bytes.Buffer) {
		stdio, _, errOut := testIO()
		return &TLSOptions{IO: stdio, Deps: fakeDeps(eng), Root: &rootOpts{dir: dir, progress: "plain"}, Timeout: time.Second}, errOut
	}

	// Nothing interrupted: said, and the container is left alone (the fake
	// fails the test on any call beyond finding it).
	o, errOut := opts(dockerfake.New(t).Serve(managed("a", dir, true)))
	if err := tlsRecoverRun(context.Background(), o); err != nil {
		t.Fatalf("tlsRecoverRun: %v\n%s", err, errOut)
	}
	contains(t, errOut.String(), "No interrupted TLS change: nothing to do.")

	// Another operation left unfinished is not the TLS commands' to undo:
	// refused, naming it and the command that finishes it.
	j, err := engine.Create(filepath.Join(dir, "journal"), "upgrade", engine.Plan{Name: "upgrade"}, map[string]string{"recover": "upgrade --resume"})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	o, _ = opts(dockerfake.New(t).Serve(managed("a", dir, true)))
	err = tlsRecoverRun(context.Background(), o)
	if engine.ExitCode(err) != engine.ExitPreflight || !strings.Contains(err.Error(), "upgrade (begun") || !strings.Contains(engine.HintOf(err), "upgrade --resume --dir "+dir) {
		t.Fatalf("got %v (exit %d, hint %q)", err, engine.ExitCode(err), engine.HintOf(err))
	}
}

// A tls command built on its own (no `tls` parent for --timeout) still has
// the default timeout; under `tls` it gets the parent's flag.
func TestNewCmdTLSParsesIntoOptions(t *testing.T) {
	stdio, _, _ := testIO()
	f := &Factory{IO: stdio, Deps: fakeDeps(dockerfake.New(t)), root: &rootOpts{}}
	var got *TLSUseCertOptions
	cmd := NewCmdTLSUseCert(f, func(o *TLSUseCertOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--cert", "c.pem", "--key", "k.pem", "--domain", "a.example.com"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.Cert != "c.pem" || got.Key != "k.pem" || got.Domain != "a.example.com" || got.Timeout != install.Defaults().Timeout {
		t.Fatalf("use-cert options %+v", got)
	}

	tls := NewCmdTLS(f)
	var ca *TLSCAOptions
	for _, c := range tls.Commands() {
		if c.Name() == "add-ca" {
			tls.RemoveCommand(c)
		}
	}
	tls.AddCommand(NewCmdTLSAddCA(f, func(o *TLSCAOptions) error { ca = o; return nil }))
	tls.SetArgs([]string{"add-ca", "--timeout", "3m", "a.pem", "b.der"})
	if err := tls.Execute(); err != nil {
		t.Fatal(err)
	}
	if ca == nil || ca.Timeout != 3*time.Minute || strings.Join(ca.Args, " ") != "a.pem b.der" {
		t.Fatalf("add-ca options %+v", ca)
	}
}

// installRun without cobra: the options layers but flags, the same plan as
// the command line gives.
func TestInstallRunWithoutCobra(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "install.yaml")
	os.WriteFile(cfg, []byte("dir: /srv/appsmith-test\nversion: 1.9.2\nedition: ce\nlink_dir: ''\n"), 0o644)
	stdio, out, errOut := testIO()
	err := installRun(context.Background(), &InstallOptions{IO: stdio, Deps: fakeDeps(emptyEngine(t)), Root: &rootOpts{progress: "plain"},
		Config: cfg, DryRun: true})
	if err != nil {
		t.Fatalf("installRun: %v\n%s", err, errOut)
	}
	golden(t, "dry-run-plan.golden", out.Bytes())
}

func TestNewCmdInstallParsesIntoOptions(t *testing.T) {
	stdio, _, _ := testIO()
	f := &Factory{IO: stdio, Deps: fakeDeps(dockerfake.New(t)), root: &rootOpts{}}
	var got *InstallOptions
	cmd := NewCmdInstall(f, func(o *InstallOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-y", "--plan", "--config", "c.yaml", "--http-port", "8080"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got == nil || !got.Yes || !got.DryRun || got.Config != "c.yaml" {
		t.Fatalf("install options %+v", got)
	}
	if fl := got.Flags.Lookup("http-port"); fl == nil || !fl.Changed || fl.Value.String() != "8080" {
		t.Errorf("--http-port not among the flags set: %+v", fl)
	}
}

// The clock is the factory's: every NDJSON event of a failing install (the
// preflight findings, the refusal, the error) carries its time.
func TestNDJSONEventsTakeTheFactorysClock(t *testing.T) {
	at := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	deps := fakeDeps(emptyEngine(t))
	deps.Now = func() time.Time { return at }
	deps.Host.PortFree = func(string, int) error { return errors.New("in use by nginx") }
	r := run(t, deps, nil, "--yes", "--dir", filepath.Join(t.TempDir(), "inst"), "--version", "1.9.2", "--link-dir", "", "--progress", "json")
	if r.code != engine.ExitPreflight {
		t.Fatalf("exit %d, want %d\n%s", r.code, engine.ExitPreflight, r.errOut)
	}
	kinds := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(r.errOut), "\n") {
		var ev struct {
			Kind string    `json:"kind"`
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not NDJSON: %q", line)
		}
		kinds[ev.Kind] = true
		if (ev.Kind == "preflight" || ev.Kind == "error" || ev.Kind == "outcome") && !ev.Time.Equal(at) {
			t.Errorf("%s event at %s, want the factory's clock %s", ev.Kind, ev.Time, at)
		}
	}
	if !kinds["preflight"] || !kinds["error"] || !kinds["outcome"] {
		t.Errorf("events %v: want preflight, error and outcome\n%s", kinds, r.errOut)
	}
}
