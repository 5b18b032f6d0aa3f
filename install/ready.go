package install

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// ReadyInfo is what a ready instance reports at /info.
type ReadyInfo struct {
	Version      string `json:"version"`
	CommitSHA    string `json:"commitSha"`
	ImageBuiltAt string `json:"imageBuiltAt"`
}

// Probe asks the instance once whether it is ready: health 200, then /info
// with the expected version ("" = any).
func Probe(ctx context.Context, hc *http.Client, base, want string) (ReadyInfo, error) {
	return probeReady(ctx, hc, base, want)
}

// WaitReady waits until the container id answers ready at base, failing fast
// on a fatal log line, an exit or a crash loop; see waiter.wait.
func WaitReady(ctx context.Context, d Docker, hc *http.Client, id, base, want string, timeout time.Duration, r engine.Reporter) (ReadyInfo, error) {
	v, _ := releases.Parse(want)
	return waiter{docker: d, http: hc, id: id, base: base, want: want, timeout: timeout, r: r, markers: releases.FatalMarkers(v)}.wait(ctx)
}

// probeReady asks the instance once: health 200, then /info with the
// expected version ("" = any).
func probeReady(ctx context.Context, hc *http.Client, base, want string) (ReadyInfo, error) {
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
	docker  Docker
	http    *http.Client
	id      string
	base    string
	want    string
	timeout time.Duration
	r       engine.Reporter
	markers []releases.Marker // log lines that mean it will never be ready
}

const logTailLines = 30

// wait polls health and /info, follows the container log for fatal markers
// and watches the container itself for exits and crash loops. It deletes
// nothing on failure: the container and its log stay for `appsmith logs`.
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
	// Poll fast at first: the time between "ready" and noticing it is pure
	// installer overhead. A real boot takes minutes; then slow down.
	start := time.Now()
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
		info, err := probeReady(ctx, w.http, w.base, w.want)
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
				time.Sleep(300 * time.Millisecond) // let the last log lines arrive
				return ReadyInfo{}, w.notReady(fmt.Sprintf("the container stopped (state %s, exit code %d)", c.State, c.ExitCode), logs, logs.fatal())
			}
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

func (w waiter) notReady(why string, logs *logWatch, marker string) error {
	var b strings.Builder
	b.WriteString(why)
	if marker != "" {
		fmt.Fprintf(&b, "\n  fatal: %s", marker)
	}
	if tail := logs.tail(); len(tail) > 0 {
		b.WriteString("\n  last log lines:")
		for _, l := range tail {
			b.WriteString("\n  | " + l)
		}
	}
	return &engine.Error{Code: engine.ExitNotReady, Err: fmt.Errorf("%s", b.String()),
		Hint: "the container and its data were kept: see `appsmith logs -f` and `appsmith status`; re-run the install to wait again"}
}

// logWatch collects container log lines written by the log follower.
type logWatch struct {
	mu      sync.Mutex
	partial string
	pending []string
	ring    []string
	markers []releases.Marker
	marker  string
}

func newLogWatch(markers []releases.Marker) *logWatch { return &logWatch{markers: markers} }

func (l *logWatch) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial += string(p)
	for {
		i := strings.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.add(strings.TrimRight(l.partial[:i], "\r"))
		l.partial = l.partial[i+1:]
	}
	return len(p), nil
}

func (l *logWatch) add(line string) {
	l.pending = append(l.pending, line)
	l.ring = append(l.ring, line)
	if len(l.ring) > logTailLines {
		l.ring = l.ring[len(l.ring)-logTailLines:]
	}
	if _, ok := releases.Match(l.markers, line); ok && l.marker == "" {
		l.marker = line
	}
}

func (l *logWatch) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.pending
	l.pending = nil
	return out
}

func (l *logWatch) fatal() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.marker
}

func (l *logWatch) tail() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.ring...)
}
