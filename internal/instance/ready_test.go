package instance

import (
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"

	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// fakeDocker is the shared fake with what readiness calls scripted the
// way these tests read best: a log follower that sees no line unless logs
// is set, and calls the test did not script failing it.
type fakeDocker struct {
	t       *testing.T
	inspect func(id string) (docker.Container, error)
	logs    func(id string, o docker.LogsOptions, stdout, stderr io.Writer) error
	exec    func(id string, cmd []string) (docker.ExecResult, error)
}

func (f *fakeDocker) engine() *dockerfake.Engine {
	e := &dockerfake.Engine{T: f.t}
	if f.inspect != nil {
		e.ContainerInspectFunc = func(_ context.Context, id string) (docker.Container, error) { return f.inspect(id) }
	}
	e.ContainerLogsFunc = func(ctx context.Context, id string, o docker.LogsOptions, stdout, stderr io.Writer) error {
		if f.logs == nil {
			if o.Follow {
				<-ctx.Done() // a follower that never sees a line
				return ctx.Err()
			}
			return nil
		}
		return f.logs(id, o, stdout, stderr)
	}
	if f.exec != nil {
		e.ExecFunc = func(_ context.Context, id string, cmd, _ []string, _ io.Reader) (docker.ExecResult, error) {
			return f.exec(id, cmd)
		}
	}
	return e
}

var _ ReadyDocker = (*dockerfake.Engine)(nil)

type nopReporter struct{}

func (nopReporter) Progress(string, string, int64, int64) {}
func (nopReporter) Log(string)                            {}
func (nopReporter) Warn(string)                           {}
func (nopReporter) Output(string, string)                 {}

const cid = "0123456789abcdef0123456789abcdef"

// booting is an instance whose health never answers 200 (Caddy up, backend
// down), as while Appsmith starts.
func booting(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// running is a container that stays up, with its stacks at stacks.
func running(stacks string) func(string) (docker.Container, error) {
	started := time.Now()
	return func(string) (docker.Container, error) {
		return docker.Container{ID: cid, State: "running", Running: true, StartedAt: started,
			Mounts: []docker.Mount{{Source: stacks, Destination: StacksPath}}}, nil
	}
}

func allRunning(string, []string) (docker.ExecResult, error) {
	return docker.ExecResult{Stdout: []byte("backend                          RUNNING   pid 21, uptime 0:00:03\neditor                           RUNNING   pid 22, uptime 0:00:03\n")}, nil
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, f *fakeDocker, base string) error {
	t.Helper()
	d := f.engine()
	v, _ := releases.Parse("v2.0.1")
	w := waiter{docker: d, http: http.DefaultClient, id: cid, base: base, want: "v2.0.1", timeout: 2 * time.Minute,
		r: nopReporter{}, markers: releases.FatalMarkers(v)}
	_, err := w.wait(context.Background())
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Code != engine.ExitNotReady {
		t.Fatalf("want an exit-%d error, got %v", engine.ExitNotReady, err)
	}
	if strings.Contains(err.Error(), "not ready after") {
		t.Fatalf("a fatal start waited out the timeout:\n%v", err)
	}
	return err
}

func TestLogWatchSplitsLinesAndFindsMarkers(t *testing.T) {
	l := newLogWatch(releases.FatalMarkers(nil))
	l.Write([]byte("booting\nAPPSMITH BACKEND START "))
	if len(l.take()) != 1 || l.fatal() != "" {
		t.Fatal("partial line handled as a whole one")
	}
	l.Write([]byte("ABORTED — CHECKPOINT MISSED\r\nmore\n"))
	if got := l.fatal(); got != "APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED" {
		t.Fatalf("marker %q", got)
	}
	for i := 0; i < 100; i++ {
		l.Write([]byte("x\n"))
	}
	if len(l.tail()) != logTailLines {
		t.Fatalf("tail has %d lines", len(l.tail()))
	}
}

// Images raise the featureCompatibilityVersion after start and say so at
// INFO level: that is a success, not a fatal marker. mongod's refusal is.
func TestLogWatchFCVLinesByMeaning(t *testing.T) {
	v, _ := releases.Parse("v2.0.1")
	for line, fatal := range map[string]bool{
		`backend stdout | INFO Raising MongoDB featureCompatibilityVersion from 5.0 to 6.0`:                                                                               false,
		`mongodb stdout | {"t":{"$date":"2026-01-01"},"s":"I","c":"NETWORK","msg":"Waiting for connections","attr":{"featureCompatibilityVersion":"6.0"}}`:                false,
		`mongodb stdout | {"s":"F","c":"CONTROL","msg":"Wrong mongod version","attr":{"error":"UPGRADE PROBLEM: Found an invalid featureCompatibilityVersion document"}}`: true,
		`mongodb stderr | Illegal instruction (core dumped)`:                                                                                                              true,
	} {
		l := newLogWatch(releases.FatalMarkers(v))
		l.Write([]byte(line + "\n"))
		if got := l.fatal() != ""; got != fatal {
			t.Errorf("fatal=%v for %s", got, line)
		}
	}
}

// The file watch follows only this container's program logs, and only what
// they gain after the wait began: a restarted container appends to the
// files of its earlier starts, and other containers' files sit beside them.
func TestFileWatchFollowsThisContainersNewLines(t *testing.T) {
	stacks := t.TempDir()
	host := cid[:12]
	own := filepath.Join(stacks, "logs", "backend", "backend-"+host+".log")
	appendFile(t, own, "APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED (an earlier start)\n")
	other := filepath.Join(stacks, "logs", "backend", "backend-feedfacecafe.log")
	init := filepath.Join(stacks, "logs", "backend", "starting_page_init.log")
	c, _ := running(stacks)("")
	fw := newFileWatch(c, releases.FatalMarkers(nil))
	appendFile(t, other, "APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED\n")
	appendFile(t, init, "Illegal instruction\n")
	fw.poll()
	if f := fw.fatal(); f != nil {
		t.Fatalf("a line of another container, an old start or a non-program file counted: %+v", f)
	}
	mongo := filepath.Join(stacks, "logs", "mongodb", host+"-stderr.log")
	appendFile(t, mongo, "Illegal instr")
	fw.poll()
	if fw.fatal() != nil {
		t.Fatal("a partial line matched")
	}
	appendFile(t, mongo, "uction (core dumped)\n")
	fw.poll()
	f := fw.fatal()
	if f == nil || f.program != "mongodb" || f.path != mongo || f.line != "Illegal instruction (core dumped)" {
		t.Fatalf("found %+v", f)
	}
}

// A rotated log starts again from its beginning.
func TestFileWatchFollowsARotatedFile(t *testing.T) {
	stacks := t.TempDir()
	own := filepath.Join(stacks, "logs", "backend", "backend-"+cid[:12]+".log")
	appendFile(t, own, strings.Repeat("INFO booting\n", 100))
	c, _ := running(stacks)("")
	fw := newFileWatch(c, releases.FatalMarkers(nil))
	if err := os.Rename(own, own+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, own, "CHECKPOINT MISSED\n")
	fw.poll()
	if f := fw.fatal(); f == nil || f.line != "CHECKPOINT MISSED" {
		t.Fatalf("found %+v", f)
	}
}

// Supervisor's forwarder is what puts program output in `docker logs`: when
// it is absent, a backend that aborts on a missed checkpoint still fails the
// wait on that line, from its log file, not at the timeout.
func TestWaitFailsOnAMarkerOnlyInTheLogFile(t *testing.T) {
	stacks := t.TempDir()
	log := filepath.Join(stacks, "logs", "backend", "backend-"+cid[:12]+".log")
	var execs atomic.Int32
	d := &fakeDocker{t: t, inspect: running(stacks), exec: func(string, []string) (docker.ExecResult, error) {
		if execs.Add(1) == 1 {
			appendFile(t, log, "2026-01-01 00:00:00.000 INFO Starting ServerApplication v2.0.1\n"+
				"2026-01-01 00:00:00.100 ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED\n")
		}
		return allRunning("", nil)
	}}
	err := waitFor(t, d, booting(t))
	if !strings.Contains(err.(*engine.Error).Hint, "appsmith logs backend") {
		t.Errorf("the hint does not name the program's log: %s", err.(*engine.Error).Hint)
	}
	for _, want := range []string{"the backend log shows a fatal error", log, "fatal: 2026-01-01 00:00:00.100 ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED", "Starting ServerApplication"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}

// A program supervisor gave up on fails the wait, naming the program and
// the last lines of its log file, even when no line matched a marker.
func TestWaitFailsOnAFatalProgram(t *testing.T) {
	stacks := t.TempDir()
	log := filepath.Join(stacks, "logs", "rts", "rts-"+cid[:12]+".log")
	d := &fakeDocker{t: t, inspect: running(stacks), exec: func(_ string, cmd []string) (docker.ExecResult, error) {
		if strings.Join(cmd, " ") != "supervisorctl status" {
			t.Errorf("ran %q", cmd)
		}
		appendFile(t, log, "Error: Cannot find module '/opt/appsmith/rts/bundle/server.js'\n")
		return docker.ExecResult{ExitCode: 3, Stdout: []byte(
			"backend                          STARTING\n" +
				"rts                              FATAL     Exited too quickly (process log may have details)\n")}, nil
	}}
	err := waitFor(t, d, booting(t))
	for _, want := range []string{"supervisor gave up on rts: FATAL (Exited too quickly", "last lines of " + log, "Cannot find module"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}

func TestParseSupervisorStatus(t *testing.T) {
	got := parseSupervisorStatus("unix:///tmp/supervisor.sock no such file\n" +
		"backend                          BACKOFF   Exited too quickly (process log may have details)\n" +
		"editor:caddy                     RUNNING   pid 22, uptime 0:01:02\n" +
		"foo: ERROR (no such process)\n")
	want := []programState{{"backend", "BACKOFF", "Exited too quickly (process log may have details)"}, {"caddy", "RUNNING", "pid 22, uptime 0:01:02"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// A program that keeps restarting without ever staying up fails the wait
// once it has done so for long; one that reaches RUNNING starts over.
func TestSupervisorWatchBackoffForLong(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	state := "BACKOFF"
	d := &fakeDocker{t: t, exec: func(string, []string) (docker.ExecResult, error) {
		return docker.ExecResult{Stdout: []byte("backend  " + state + "  Exited too quickly\n")}, nil
	}}
	s := newSupervisorWatch(d.engine(), cid, func(m string) { t.Errorf("warned: %s", m) })
	s.now = func() time.Time { return now }
	step := func(d time.Duration) (programState, bool) { now = now.Add(d); return s.check(context.Background()) }
	if _, ok := step(0); !ok {
		t.Fatal("a first BACKOFF failed the wait")
	}
	if _, ok := step(backoffTooLong / 2); !ok {
		t.Fatal("failed early")
	}
	state = "RUNNING"
	step(supervisorEvery)
	state = "BACKOFF"
	if _, ok := step(supervisorEvery); !ok {
		t.Fatal("a program that reached RUNNING kept its old BACKOFF time")
	}
	if _, ok := step(backoffTooLong - supervisorEvery); !ok {
		t.Fatal("failed early after RUNNING")
	}
	p, ok := step(supervisorEvery)
	if ok || p.name != "backend" || !strings.Contains(p.desc, "restarting for") {
		t.Fatalf("%+v %v", p, ok)
	}
}

// An image without supervisorctl is asked once; the other channels remain.
func TestSupervisorWatchWithoutSupervisorctl(t *testing.T) {
	var n int
	d := &fakeDocker{t: t, exec: func(string, []string) (docker.ExecResult, error) {
		n++
		return docker.ExecResult{ExitCode: 127}, nil
	}}
	s := newSupervisorWatch(d.engine(), cid, func(m string) { t.Errorf("warned: %s", m) })
	now := time.Now()
	s.now = func() time.Time { now = now.Add(supervisorEvery); return now }
	for i := 0; i < 3; i++ {
		if _, ok := s.check(context.Background()); !ok {
			t.Fatal("failed without a status")
		}
	}
	if n != 1 {
		t.Fatalf("asked %d times", n)
	}
}

// A program Appsmith can serve without is reported once, not fatal.
func TestSupervisorWatchOptionalProgramFatal(t *testing.T) {
	d := &fakeDocker{t: t, exec: func(string, []string) (docker.ExecResult, error) {
		return docker.ExecResult{ExitCode: 3, Stdout: []byte("backend  STARTING\nkeycloak  FATAL  Exited too quickly\n")}, nil
	}}
	var warnings []string
	s := newSupervisorWatch(d.engine(), cid, func(m string) { warnings = append(warnings, m) })
	now := time.Now()
	s.now = func() time.Time { now = now.Add(supervisorEvery); return now }
	for i := 0; i < 3; i++ {
		if p, ok := s.check(context.Background()); !ok {
			t.Fatalf("an optional program failed the wait: %+v", p)
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "keycloak") {
		t.Fatalf("warnings %q", warnings)
	}
}

// A container that stops at once is reported with the last lines of its
// log and the fatal marker in them, even when the log follower has not
// seen a line yet (a loaded machine): the engine's tail is read then.
func TestWaitOnAStoppedContainerReadsTheLogTail(t *testing.T) {
	d := &fakeDocker{t: t, inspect: func(string) (docker.Container, error) {
		return docker.Container{ID: cid, State: "exited", ExitCode: 132}, nil
	}, logs: func(_ string, o docker.LogsOptions, stdout, _ io.Writer) error {
		if o.Follow {
			return nil // the follower ends without a line
		}
		_, err := io.WriteString(stdout, "mongodb stderr | Illegal instruction (core dumped)\n")
		return err
	}, exec: func(string, []string) (docker.ExecResult, error) {
		return docker.ExecResult{}, errors.New("not running")
	}}
	err := waitFor(t, d, booting(t))
	for _, want := range []string{"the container stopped (state exited, exit code 132)", "fatal: mongodb stderr | Illegal instruction", "last log lines"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error lacks %q:\n%v", want, err)
		}
	}
}
