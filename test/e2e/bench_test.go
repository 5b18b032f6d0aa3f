package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// BenchmarkInstallOverhead measures `appsmith-install --yes` with the image
// already present, minus the container's own time to healthy (from its
// start to the first 200 of an independent 5 ms prober). Target ≤ 0.5 s;
// reported, never asserted.
func BenchmarkInstallOverhead(b *testing.B) {
	e := setup(b)
	e.reg.Push(b, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "warm-up install (pulls the image)")
	e.mustSucceed(e.run(nil, "uninstall", "--purge", "--yes", "--progress", "quiet"), "warm-up purge")
	var wall, boot, engineStart time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		up := probe(b, "http://127.0.0.1:"+strconv.Itoa(e.http)+"/api/v1/health")
		b.StartTimer()
		start := time.Now()
		r := e.run(nil, e.installArgs("v1.9.2", "--progress", "json")...)
		took := time.Since(start)
		b.StopTimer()
		e.mustSucceed(r, "install")
		engineStart += stepElapsed(b, r.errOut, "start")
		c, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{})
		if err != nil {
			b.Fatal(err)
		}
		started, _ := time.Parse(time.RFC3339Nano, c.Container.State.StartedAt)
		wall += took
		boot += time.Unix(0, up.Load()).Sub(started)
		e.mustSucceed(e.run(nil, "uninstall", "--purge", "--yes", "--progress", "quiet"), "purge")
		b.StartTimer()
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64((wall / n).Milliseconds()), "wall-ms")
	b.ReportMetric(float64((boot / n).Milliseconds()), "boot-ms")
	b.ReportMetric(float64(((wall - boot) / n).Milliseconds()), "overhead-ms")
	b.ReportMetric(float64((engineStart / n).Milliseconds()), "engine-start-ms")
	b.ReportMetric(float64(((wall - boot - engineStart) / n).Milliseconds()), "ours-ms")
}

// stepElapsed reads a step's duration from the NDJSON progress events: the
// engine's own ContainerStart time is not the installer's overhead, but any
// tool pays it, so it is reported beside it.
func stepElapsed(b *testing.B, ndjson, step string) time.Duration {
	for _, line := range strings.Split(ndjson, "\n") {
		var ev struct {
			Kind      string `json:"kind"`
			Step      string `json:"step"`
			ElapsedMS int64  `json:"elapsed_ms"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Kind == "step_done" && ev.Step == step {
			return time.Duration(ev.ElapsedMS) * time.Millisecond
		}
	}
	b.Fatalf("no step_done for %q in:\n%s", step, ndjson)
	return 0
}

// probe polls url every 5 ms in the background and records the first 200.
func probe(b *testing.B, url string) *atomic.Int64 {
	var first atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	hc := &http.Client{Timeout: time.Second}
	go func() {
		for ctx.Err() == nil {
			if resp, err := hc.Get(url); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					first.Store(time.Now().UnixNano())
					cancel()
					return
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	return &first
}

// BenchmarkStatusJSON: `appsmith status --json` on a healthy install, whole
// process included. Target ≤ 100 ms.
func BenchmarkStatusJSON(b *testing.B) {
	e := setup(b)
	e.reg.Push(b, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, code := e.status(); code != 0 {
			b.Fatalf("status exit %d", code)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/status")
}
