package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// runBare runs the binary without --dir and without APPSMITH_DIR: as an
// operator types a day-two command.
func (e *env) runBare(extraEnv []string, args ...string) result {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "APPSMITH_DIR=") && !strings.HasPrefix(kv, "APPSMITH_INSTALL_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "AWS_EC2_METADATA_DISABLED=true", "NO_COLOR=1")
	cmd.Env = append(cmd.Env, extraEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{out: out.String(), errOut: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running %v: %v", args, err)
	}
	return r
}

// An install outside the default dir is found by `appsmith status` without
// --dir, and every hint names its dir. Other tests' installs share this
// engine, so "the only install" is checked as: found when it is the only
// one, else listed among those the user must choose from (exit 2).
func TestDayTwoCommandsFindTheInstallWithoutDir(t *testing.T) {
	e := newEnv(t)
	if _, err := os.Stat("/opt/appsmith/appsmith.yaml"); err == nil {
		t.Fatal("/opt/appsmith holds an install on this machine: this test needs the default dir empty")
	}
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	r := e.run(nil, e.installArgs("v1.9.2")...)
	e.mustSucceed(r, "install")
	contains(t, "install summary", r.errOut, "`appsmith status --dir "+e.dir+"`")

	r = e.runBare(nil, "status", "--json")
	var s status
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		t.Fatalf("status --json without --dir: %v\nstdout:\n%s\nstderr:\n%s", err, r.out, r.errOut)
	}
	t.Logf("status without --dir: exit %d", r.code)
	switch r.code {
	case 0:
		if s.Dir != e.dir || !s.Healthy {
			t.Fatalf("status without --dir found %+v, want the install in %s", s, e.dir)
		}
		contains(t, "stderr", r.errOut, "Using the install in "+e.dir)
	case 2:
		contains(t, "stderr", r.errOut, "Appsmith installs on this Docker engine", "\n  "+e.dir+"\n", "--dir")
	default:
		t.Fatalf("status without --dir: exit %d\n%s", r.code, r.errOut)
	}

	r = e.run(nil, "restart", "nosuch")
	if r.code != 2 {
		t.Fatalf("restart nosuch: exit %d, want 2\n%s", r.code, r.errOut)
	}
	contains(t, "restart stderr", r.errOut, `unknown program "nosuch"`, "backend")

	e.mustSucceed(e.run(nil, "stop"), "stop")
	if s, code := e.status(); code != 4 || s.State != "stopped" {
		t.Fatalf("status of a stopped install: exit %d %+v", code, s)
	}
	r = e.run(nil, "status")
	contains(t, "status of a stopped install", r.out, "`appsmith start --dir "+e.dir+"`")
}

func TestStatusJSONWithTheEngineDown(t *testing.T) {
	e := newEnv(t)
	r := e.run([]string{"DOCKER_HOST=unix:///nonexistent"}, "status", "--json")
	var s map[string]any
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%s\nstderr:\n%s", err, r.out, r.errOut)
	}
	if r.code != 1 || s["state"] != "unknown" || !strings.Contains(s["problem"].(string), "nonexistent") {
		t.Fatalf("exit %d %v", r.code, s)
	}
}

// The real binary: usage errors exit 2 and print no help on stdout.
func TestUsageErrorsExit2(t *testing.T) {
	e := newEnv(t)
	for _, args := range [][]string{{"instal"}, {"status", "now"}, {"restart", "backend", "rts"}, {"frobnicate", "--help"},
		{"--yes", "--http-port", "abc"}, {"--version"}} {
		r := e.runBare(nil, args...)
		if r.code != 2 || r.out != "" || strings.Contains(r.errOut, "strconv") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 2 and nothing on stdout", args, r.code, r.out, r.errOut)
		}
	}
	e.noDir()
}
