package cli

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Every usage error exits 2, in this tool's words, naming what is wrong,
// and changes nothing. Cobra's own errors exited 1 in the parser's words.
func TestEveryUsageErrorExits2(t *testing.T) {
	tmp := t.TempDir()
	seq := filepath.Join(tmp, "seq.yaml")
	os.WriteFile(seq, []byte("- http_port: 8080\n"), 0o644)
	scalar := filepath.Join(tmp, "scalar.yaml")
	os.WriteFile(scalar, []byte("http_port\n"), 0o644)
	file := filepath.Join(tmp, "afile")
	os.WriteFile(file, nil, 0o644)
	dir := filepath.Join(tmp, "inst")
	cases := []struct {
		name  string
		args  []string
		env   map[string]string
		wants []string
	}{
		{"unknown command", []string{"instal"}, nil, []string{`unknown command "instal"`, `did you mean "install"`}},
		{"extra argument", []string{"status", "now"}, nil, []string{`status takes no arguments`, `"now"`}},
		{"too many arguments", []string{"restart", "backend", "rts"}, nil, []string{"restart accepts at most 1", "[PROGRAM]"}},
		{"unknown tls command", []string{"tls", "foo"}, nil, []string{`unknown command "foo" for appsmith-install tls`}},
		{"bad int flag", []string{"--yes", "--http-port", "abc"}, nil, []string{`invalid --http-port "abc": want a whole number`}},
		{"bad duration flag", []string{"--yes", "--timeout", "soon"}, nil, []string{`invalid --timeout "soon": want a duration`}},
		{"bad bool flag", []string{"--yes", "--telemetry=maybe"}, nil, []string{`invalid --telemetry "maybe": want true or false`}},
		{"bad duration of a day-two command", []string{"start", "--timeout", "x"}, nil, []string{`invalid --timeout "x"`}},
		{"YAML list", []string{"--yes", "--config", seq}, nil, []string{seq, "want option keys with values", "found a list"}},
		{"YAML scalar", []string{"--yes", "--config", scalar}, nil, []string{scalar, "want option keys with values"}},
		{"unknown flag", []string{"--no-such-flag"}, nil, []string{"unknown flag: --no-such-flag"}},
		{"help on a missing command", []string{"frobnicate", "--help"}, nil, []string{`unknown command "frobnicate"`}},
		{"help command on a missing command", []string{"help", "frobnicate"}, nil, []string{`unknown command "frobnicate"`}},
		{"--version without a value", []string{"--version"}, nil, []string{"--version needs the Appsmith version", "`appsmith-install version`"}},
		{"--dir is a file (install)", []string{"--yes", "--dir", file}, nil, []string{"--dir " + file + " is a file"}},
		{"--dir is a file (status)", []string{"status", "--dir", file}, nil, []string{"--dir " + file + " is a file"}},
		{"APPSMITH_DIR is a file", []string{"status"}, map[string]string{"APPSMITH_DIR": file}, []string{"APPSMITH_DIR " + file + " is a file"}},
		{"APPSMITH_DIR is a file (install)", []string{"--yes"}, map[string]string{"APPSMITH_DIR": file}, []string{"APPSMITH_DIR " + file + " is a file"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.env == nil && !strings.Contains(strings.Join(args, " "), "--dir") {
				args = append([]string{"--dir", dir}, args...)
			}
			r := run(t, fakeDeps(emptyEngine(t)), c.env, args...)
			if r.code != 2 {
				t.Fatalf("%v: exit %d, want 2\nstdout: %s\nstderr: %s", args, r.code, r.out, r.errOut)
			}
			for _, w := range c.wants {
				if !strings.Contains(r.errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
				}
			}
			for _, raw := range []string{"strconv.", "!!seq", "!!str", "time: invalid", "arg(s)", "Usage:"} {
				if strings.Contains(r.errOut+r.out, raw) {
					t.Errorf("output has the parser's %q:\n%s%s", raw, r.out, r.errOut)
				}
			}
			if r.out != "" {
				t.Errorf("stdout is not empty: %s", r.out)
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s was created", dir)
			}
		})
	}
}

func managed(id, dir string, running bool) docker.Container {
	st := "exited"
	if running {
		st = "running"
	}
	return docker.Container{ID: id, Name: "appsmith-" + id, Image: "appsmith/appsmith-ce:v1.9.2", State: st, Running: running,
		Labels: map[string]string{state.LabelManaged: "true", state.LabelDir: dir}}
}

func requireNoDefaultInstall(t *testing.T) {
	t.Helper()
	if holdsInstall(hint.DefaultDir) {
		t.Fatalf("%s holds an install on this machine: these tests need it empty", hint.DefaultDir)
	}
}

func TestDayTwoCommandFindsTheOnlyInstall(t *testing.T) {
	requireNoDefaultInstall(t)
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2"})
	r := run(t, fakeDeps(dockerfake.New(t).Serve(managed("a", dir, false))), nil, "status", "--json")
	var st Status
	if err := json.Unmarshal([]byte(r.out), &st); err != nil {
		t.Fatalf("exit %d: %v\n%s%s", r.code, err, r.out, r.errOut)
	}
	if r.code != 4 || st.Dir != dir || st.State != "stopped" {
		t.Fatalf("exit %d, %+v; want the install in %s, stopped", r.code, st, dir)
	}
	if !strings.Contains(r.errOut, "Using the install in "+dir) {
		t.Errorf("stderr does not say which install: %s", r.errOut)
	}
	// The problem's hint reaches this install, not the default dir.
	if !strings.Contains(st.Problem, "`appsmith start --dir "+dir+"`") {
		t.Errorf("problem %q lacks the --dir hint", st.Problem)
	}
}

func TestDayTwoCommandWithSeveralInstallsAsksForDir(t *testing.T) {
	requireNoDefaultInstall(t)
	a, b := t.TempDir(), t.TempDir()
	eng := dockerfake.New(t).Serve(managed("a", a, true), managed("b", b, true))
	eng.ContainerStopFunc = func(context.Context, string, time.Duration) error { t.Fatal("stopped a container"); return nil }
	for _, args := range [][]string{{"status"}, {"stop"}, {"logs"}} {
		r := run(t, fakeDeps(eng), nil, args...)
		if r.code != 2 {
			t.Fatalf("%v: exit %d, want 2: %s", args, r.code, r.errOut)
		}
		contains(t, r.errOut, "2 Appsmith installs", a, b, "--dir")
	}
	r := run(t, fakeDeps(eng), nil, "status", "--json")
	var st Status
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 2 || st.Problem == "" {
		t.Fatalf("status --json: exit %d %v %q", r.code, err, r.out)
	}
}

func TestStatusJSONIsAnObjectWhenTheEngineIsDown(t *testing.T) {
	deps := fakeDeps(nil)
	deps.Docker = func(context.Context) (Engine, error) {
		return nil, errors.New("docker engine unreachable at unix:///nonexistent")
	}
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith", ContainerID: "c", Version: "v1.9.2", HTTPPort: 8080, BindAddress: "127.0.0.1"})
	r := run(t, deps, nil, "status", "--json", "--dir", dir)
	var st map[string]any
	if err := json.Unmarshal([]byte(r.out), &st); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.out)
	}
	if r.code != 1 || st["state"] != "unknown" || !strings.Contains(st["problem"].(string), "unreachable") || st["version"] != "v1.9.2" {
		t.Fatalf("exit %d %v", r.code, st)
	}
	if !strings.Contains(r.errOut, "unreachable") {
		t.Errorf("stderr lacks the error: %s", r.errOut)
	}

	// Nothing installed: an object too, and exit 5.
	r = run(t, fakeDeps(dockerfake.New(t).Serve()), nil, "status", "--json", "--dir", t.TempDir())
	if err := json.Unmarshal([]byte(r.out), &st); err != nil || r.code != 5 || st["state"] != "not-installed" || st["problem"] == nil {
		t.Fatalf("not installed: exit %d %v %q", r.code, err, r.out)
	}
}

func TestDamagedStateFileDoesNotBlockStatus(t *testing.T) {
	_, port := healthyServer(t, "v1.9.2")
	dir := t.TempDir()
	os.WriteFile(state.Path(dir), []byte("container: [unclosed\n"), 0o644)
	c := managed("a", dir, true)
	c.Ports = []docker.PortBinding{{HostIP: "127.0.0.1", HostPort: port, ContainerPort: 80}}
	r := run(t, fakeDeps(dockerfake.New(t).Serve(c)), nil, "status", "--dir", dir)
	if r.code != 0 || !strings.Contains(r.out, "running, healthy") {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	contains(t, r.errOut, "warning: ", state.Path(dir)+" is damaged (not the YAML this tool writes, at line ", "container's labels")
	if strings.Contains(r.errOut, "yaml:") || strings.Contains(r.errOut, "!!") {
		t.Errorf("the YAML decoder's words reached the user: %s", r.errOut)
	}

	// A state file of the wrong shape is damaged too.
	os.WriteFile(state.Path(dir), []byte("- a\n- b\n"), 0o644)
	r = run(t, fakeDeps(dockerfake.New(t).Serve(c)), nil, "status", "--dir", dir)
	if r.code != 0 || strings.Contains(r.errOut, "!!seq") {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

func TestHintsNameTheDir(t *testing.T) {
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith", ContainerID: "gone"})
	eng := dockerfake.New(t).Serve()
	for _, args := range [][]string{{"start"}, {"restart", "backend"}, {"logs"}} {
		r := run(t, fakeDeps(eng), nil, append(args, "--dir", dir)...)
		if r.code != 5 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.errOut)
		}
		contains(t, r.errOut, "hint: re-run `appsmith-install --yes --dir "+dir+"`")
	}
	// A hint written without the dir (by the core) gets it at the edge.
	c := managed("a", dir, false)
	r := run(t, fakeDeps(dockerfake.New(t).Serve(c)), nil, "restart", "backend", "--dir", dir)
	contains(t, r.errOut, "`appsmith start --dir "+dir+"`")
}

func TestRestartRefusesAProgramTheSupervisorDoesNotRun(t *testing.T) {
	dir := t.TempDir()
	c := managed("a", dir, true)
	eng := dockerfake.New(t).Serve(c)
	var ran [][]string
	eng.ExecFunc = func(_ context.Context, _ string, cmd, _ []string, _ io.Reader) (docker.ExecResult, error) {
		ran = append(ran, cmd)
		if cmd[1] == "status" {
			return docker.ExecResult{ExitCode: 3, Stdout: []byte(
				"backend                          RUNNING   pid 10, uptime 0:01:00\n" +
					"editor                           RUNNING   pid 11, uptime 0:01:00\n" +
					"rts                              STOPPED   Not started\n")}, nil
		}
		return docker.ExecResult{Stdout: []byte(cmd[2] + ": stopped\n" + cmd[2] + ": started\n")}, nil
	}
	r := run(t, fakeDeps(eng), nil, "restart", "backedn", "--dir", dir)
	if r.code != 2 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	contains(t, r.errOut, `unknown program "backedn"`, "backend, editor, rts")
	for _, cmd := range ran {
		if cmd[1] == "restart" {
			t.Fatalf("ran %v for an unknown program", cmd)
		}
	}
}

func contains(t *testing.T, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("lacks %q:\n%s", w, s)
		}
	}
}

// A bad install dir set through APPSMITH_DIR is named by it: the variable may
// have been set long ago and forgotten.
func TestDirFindingNamesAPPSMITH_DIR(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "inst")
	deps := fakeDeps(emptyEngine(t))
	deps.Host.Writable = func(string) error { return os.ErrPermission }
	r := run(t, deps, map[string]string{"APPSMITH_DIR": dir}, "--yes", "--progress", "plain")
	if r.code != 3 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	contains(t, r.errOut, "cannot write "+dir, "(the install dir comes from APPSMITH_DIR)")
}

func TestPurgeNeedsTheDirNamedWhenNotDefault(t *testing.T) {
	requireNoDefaultInstall(t)
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a"})
	eng := dockerfake.New(t).Serve(managed("a", dir, false))
	eng.ContainerRemoveFunc = func(context.Context, string) error { t.Fatal("removed a container"); return nil }
	r := run(t, fakeDeps(eng), nil, "uninstall", "--purge", "--yes")
	if r.code != 2 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	contains(t, r.errOut, "--purge", "--dir")
	if _, err := os.Stat(state.Path(dir)); err != nil {
		t.Fatalf("the install was touched: %v", err)
	}
}
