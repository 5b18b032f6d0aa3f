package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
	"github.com/appsmith-install/appsmith-install/test/stacksgen"
)

// BenchmarkUpgradeDowntime: an HTTP prober hits the instance every 50 ms
// during `appsmith upgrade v1.9.2 → v1.9.38`; downtime is the longest run
// of failed probes, reported beside the new container's own boot time (its
// start to the first 200), with 100 MB and 2 GB of stacks data. Target:
// downtime ≤ boot + 1 s, a consistent copy of the stacks taken. Reported,
// never asserted.
func BenchmarkUpgradeDowntime(b *testing.B) {
	for _, size := range []string{"100M", "2G"} {
		b.Run(size, func(b *testing.B) {
			n, err := stacksgen.ParseSize(size)
			if err != nil {
				b.Fatal(err)
			}
			var down, boot time.Duration
			stopped := map[string]time.Duration{} // the steps while Appsmith is down
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e := setup(b)
				e.reg.Push(b, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
				e.reg.Push(b, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
				e.mustSucceed(e.run(nil, e.installArgs("v1.9.2", "--db", "embedded-mongodb")...), "install")
				if _, err := stacksgen.Generate(filepath.Join(e.dir, "stacks", "git-storage", "bench"), stacksgen.Options{Size: n}); err != nil {
					b.Fatal(err)
				}
				// File stamps come from a coarse clock, so the delta pass
				// copies again what was written in the 2 s before the copy
				// began (fsutil's stampSlack): data written just now would
				// measure that, not an upgrade of data that was there.
				time.Sleep(3 * time.Second)
				// Pulled before, as an operator's registry is near: the
				// downtime is the upgrade's, not the network's.
				e.mustSucceed(e.run(nil, "upgrade", "v1.9.38", "--plan"), "plan")
				p := outageProbe("http://127.0.0.1:" + strconv.Itoa(e.http) + "/api/v1/health")
				b.StartTimer()
				r := e.run(nil, "upgrade", "v1.9.38", "--yes", "--progress", "json")
				b.StopTimer()
				e.mustSucceed(r, "upgrade")
				longest, back := p.stop()
				for _, st := range []string{"stop", "snapshot-delta", "create", "start", "ready"} {
					stopped[st] += stepElapsed(b, r.errOut, st)
				}
				c, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{})
				if err != nil {
					b.Fatal(err)
				}
				started, _ := time.Parse(time.RFC3339Nano, c.Container.State.StartedAt)
				down += longest
				boot += back.Sub(started)
			}
			k := time.Duration(b.N)
			b.ReportMetric(float64((down / k).Milliseconds()), "downtime-ms")
			b.ReportMetric(float64((boot / k).Milliseconds()), "boot-ms")
			b.ReportMetric(float64(((down - boot) / k).Milliseconds()), "downtime-over-boot-ms")
			for st, d := range stopped {
				b.ReportMetric(float64((d / k).Milliseconds()), st+"-ms")
			}
		})
	}
}

type outage struct {
	mu      sync.Mutex
	longest time.Duration
	back    time.Time // the first 200 after the longest outage
	cancel  context.CancelFunc
	done    chan struct{}
}

// outageProbe polls url every 50 ms and keeps the longest run of failures.
func outageProbe(url string) *outage {
	ctx, cancel := context.WithCancel(context.Background())
	o := &outage{cancel: cancel, done: make(chan struct{})}
	hc := &http.Client{Timeout: 500 * time.Millisecond}
	go func() {
		defer close(o.done)
		var failedSince time.Time
		for ctx.Err() == nil {
			ok := false
			if resp, err := hc.Get(url); err == nil {
				resp.Body.Close()
				ok = resp.StatusCode == 200
			}
			now := time.Now()
			switch {
			case !ok && failedSince.IsZero():
				failedSince = now
			case ok && !failedSince.IsZero():
				o.mu.Lock()
				if d := now.Sub(failedSince); d > o.longest {
					o.longest, o.back = d, now
				}
				o.mu.Unlock()
				failedSince = time.Time{}
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	return o
}

func (o *outage) stop() (time.Duration, time.Time) {
	// The upgrade returned once ready: one more probe round sees it up.
	time.Sleep(120 * time.Millisecond)
	o.cancel()
	<-o.done
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.longest, o.back
}
