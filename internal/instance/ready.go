package instance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// ReadyDocker is what readiness needs of the engine: the container's state,
// its log and a command inside it (supervisorctl).
type ReadyDocker interface {
	ContainerInspect(ctx context.Context, nameOrID string) (docker.Container, error)
	ContainerLogs(ctx context.Context, id string, opts docker.LogsOptions, stdout, stderr io.Writer) error
	Exec(ctx context.Context, id string, cmd []string, env []string, stdin io.Reader) (docker.ExecResult, error)
}

var _ ReadyDocker = (*docker.Client)(nil)

// ReadyInfo is what a ready instance reports at /info.
type ReadyInfo struct {
	Version      string `json:"version"`
	CommitSHA    string `json:"commitSha"`
	ImageBuiltAt string `json:"imageBuiltAt"`
}

// Probe asks the instance once whether it is ready: health 200, then /info
// with the expected version ("" = any).
func Probe(ctx context.Context, hc *http.Client, base, want string) (ReadyInfo, error) {
	var info ReadyInfo
	if err := get(ctx, hc, base+"/api/v1/health", nil); err != nil {
		return info, err
	}
	if err := get(ctx, hc, base+"/info", &info); err != nil {
		return info, err
	}
	if info.Version == "" {
		return info, fmt.Errorf("/info reports no version")
	}
	if want != "" && info.Version != want {
		return info, &wrongVersion{got: info.Version, want: want}
	}
	return info, nil
}

// WaitReady waits until the container id answers ready at base, failing fast
// when it never will: a fatal line of the release want (releases.FatalMarkers)
// in the container log or in a program's log file under the stacks' logs/, a
// program supervisor gave up on, an exit or a crash loop. It deletes nothing
// on failure: the container and its logs stay for `appsmith logs`.
func WaitReady(ctx context.Context, d ReadyDocker, hc *http.Client, id, base, want string, timeout time.Duration, r engine.Reporter) (ReadyInfo, error) {
	v, _ := releases.Parse(want)
	return waiter{docker: d, http: hc, id: id, base: base, want: want, timeout: timeout, r: r, markers: releases.FatalMarkers(v)}.wait(ctx)
}

type wrongVersion struct{ got, want string }

func (e *wrongVersion) Error() string {
	return fmt.Sprintf("the container reports version %s, expected %s", e.got, e.want)
}

func get(ctx context.Context, hc *http.Client, url string, into any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			return fmt.Errorf("GET %s: %w", url, err)
		}
	}
	return nil
}

// waiter waits for one container to become ready.
type waiter struct {
	docker  ReadyDocker
	http    *http.Client
	id      string
	base    string
	want    string
	timeout time.Duration
	r       engine.Reporter
	markers []releases.Marker // log lines that mean it will never be ready
}

const (
	logTailLines = 30
	// supervisorEvery is how often supervisor's own view is asked: an exec
	// costs the engine more than a health probe.
	supervisorEvery = 2 * time.Second
)

// wait polls health and /info and watches every channel a failure shows on:
// program output reaches `docker logs` only through supervisor's forwarder,
// so the program log files and supervisor's state are watched too, and the
// container itself for exits and crash loops.
func (w waiter) wait(ctx context.Context) (ReadyInfo, error) {
	c0, err := w.docker.ContainerInspect(ctx, w.id)
	if err != nil {
		return ReadyInfo{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	logs := newLogWatch(w.markers)
	go func() {
		_ = w.docker.ContainerLogs(ctx, w.id, docker.LogsOptions{Follow: true, Since: c0.StartedAt.Add(-time.Second)}, logs, logs)
	}()
	files := newFileWatch(c0, w.markers)
	sup := newSupervisorWatch(w.docker, w.id, w.r.Warn)
	// Poll fast at first: the time between "ready" and noticing it is pure
	// installer overhead. A real boot takes minutes; then slow down.
	start := time.Now()
	// Supervisor cannot have given up on a program this early, and an exec
	// is engine and CPU work the boot we wait for competes with.
	sup.last = start
	interval := func() time.Duration {
		if time.Since(start) < 15*time.Second {
			return 100 * time.Millisecond
		}
		return 500 * time.Millisecond
	}
	var last error
	lastInspect := time.Time{}
	for {
		for _, line := range logs.take() {
			w.r.Log(line)
		}
		if m := logs.fatal(); m != "" {
			return ReadyInfo{}, w.notReady("the container log shows a fatal error", logs, m)
		}
		files.poll()
		if f := files.fatal(); f != nil {
			return ReadyInfo{}, w.fileFatal(logs, files, f)
		}
		info, err := Probe(ctx, w.http, w.base, w.want)
		if err == nil {
			return info, nil
		}
		if wv, ok := err.(*wrongVersion); ok {
			return info, w.notReady(wv.Error(), logs, "")
		}
		last = err
		if time.Since(lastInspect) >= time.Second {
			lastInspect = time.Now()
			c, err := w.docker.ContainerInspect(ctx, w.id)
			if err == nil && (!c.Running && c.State != "restarting" || c.Restarts > c0.Restarts) {
				// The follower may lag behind a fast exit (a loaded machine):
				// the engine's own tail of the log is what to show and scan.
				final := newLogWatch(w.markers)
				if err := w.docker.ContainerLogs(ctx, w.id, docker.LogsOptions{Tail: strconv.Itoa(logTailLines), Since: c0.StartedAt.Add(-time.Second)}, final, final); err == nil && len(final.tail()) > 0 {
					logs = final
				}
				files.poll()
				marker := logs.fatal()
				if f := files.fatal(); marker == "" && f != nil {
					marker = f.line
				}
				return ReadyInfo{}, w.notReady(fmt.Sprintf("the container stopped (state %s, exit code %d)", c.State, c.ExitCode), logs, marker)
			}
		}
		if p, ok := sup.check(ctx); !ok {
			return ReadyInfo{}, w.programFailed(logs, files, p)
		}
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return ReadyInfo{}, w.notReady(fmt.Sprintf("not ready after %s (last check: %v)", w.timeout, last), logs, "")
			}
			return ReadyInfo{}, ctx.Err()
		case <-time.After(interval()):
		}
	}
}

// fileFatal: a program's log file shows a fatal line that `docker logs` did
// not (yet) carry.
func (w waiter) fileFatal(logs *logWatch, files *fileWatch, f *fileLine) error {
	why := fmt.Sprintf("the %s log shows a fatal error (%s)", f.program, f.path)
	return withProgramHint(w.notReady(why, logs, f.line, files.tailSection(f.path)), f.program)
}

// programFailed: supervisor gave up on a program; its log file says why.
func (w waiter) programFailed(logs *logWatch, files *fileWatch, p programState) error {
	why := fmt.Sprintf("supervisor gave up on %s: %s", p.name, p.state)
	if p.desc != "" {
		why += " (" + p.desc + ")"
	}
	var sections []string
	marker := logs.fatal()
	for _, path := range files.programFiles(p.name) {
		tail := lastLines(path, logTailLines/2)
		if marker == "" {
			for _, l := range tail {
				if _, ok := releases.Match(w.markers, l); ok {
					marker = l
				}
			}
		}
		sections = append(sections, section("last lines of "+path, tail))
	}
	return withProgramHint(w.notReady(why, logs, marker, sections...), p.name)
}

// withProgramHint points at the failed program's own log, which the
// container log may not carry.
func withProgramHint(err error, program string) error {
	if e, ok := err.(*engine.Error); ok {
		e.Hint = "the container and its data were kept: see `appsmith logs " + program + "` and `appsmith status`; re-run the install to wait again"
	}
	return err
}

func (w waiter) notReady(why string, logs *logWatch, marker string, extra ...string) error {
	var b strings.Builder
	b.WriteString(why)
	if marker != "" {
		fmt.Fprintf(&b, "\n  fatal: %s", marker)
	}
	for _, s := range extra {
		b.WriteString(s)
	}
	b.WriteString(section("last log lines", logs.tail()))
	return &engine.Error{Code: engine.ExitNotReady, Err: fmt.Errorf("%s", b.String()),
		Hint: "the container and its data were kept: see `appsmith logs -f` and `appsmith status`; re-run the install to wait again"}
}

func section(title string, lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n  " + title + ":")
	for _, l := range lines {
		b.WriteString("\n  | " + l)
	}
	return b.String()
}
