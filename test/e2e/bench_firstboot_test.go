package e2e

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/metadata"
	"github.com/appsmith-install/appsmith-install/internal/metadata/metadatafake"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// BenchmarkFirstboot: `appsmith-install firstboot` to ready on a baked
// image (the image pre-pulled by digest), beside the same first boot when
// the image must first be pulled from the local registry, as Appsmith's own
// marketplace images did at first boot (from Docker Hub, slower still).
// boot-ms is the container's own start to its first 200; the target is
// first boot ≤ boot + 5 s. The user-data sets up a daily backup and an
// auto-update window too, as a real one would. Reported, never asserted.
func BenchmarkFirstboot(b *testing.B) {
	for _, mode := range []string{"prepulled", "pull"} {
		b.Run(mode, func(b *testing.B) {
			e := setup(b)
			root := filepath.Dir(e.dir)
			e.reg.Push(b, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
			ref := e.reg.PullByDigest(b, e.cli, "appsmith/appsmith-ce", "v1.9.38")
			testenv.RemoveContainersOnCleanup(b, e.cli, e.name)
			if err := imageenv.Write(root, imageenv.Image{Provider: imageenv.AWS, Edition: "ce", Version: "v1.9.38", Reference: ref}); err != nil {
				b.Fatal(err)
			}
			imds := metadatafake.IMDSv2(map[string]string{"instance-id": "i-bench", "local-ipv4": "10.0.0.9"}, e.userData())
			defer imds.Close()
			fb := []string{metadata.EndpointEnv + "=" + imds.URL}
			var wall, boot, engineStart time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				if mode == "pull" {
					if _, err := e.cli.ImageRemove(context.Background(), ref, client.ImageRemoveOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				up := probe(b, "http://127.0.0.1:"+strconv.Itoa(e.http)+"/api/v1/health")
				b.StartTimer()
				start := time.Now()
				r := e.run(fb, "firstboot", "--root", root, "--progress", "json")
				took := time.Since(start)
				b.StopTimer()
				e.mustSucceed(r, "firstboot")
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
			b.ReportMetric(float64((wall / n).Milliseconds()), "firstboot-ms")
			b.ReportMetric(float64((boot / n).Milliseconds()), "boot-ms")
			b.ReportMetric(float64(((wall - boot) / n).Milliseconds()), "firstboot-over-boot-ms")
			// The engine's own ContainerStart, which any tool pays (seconds
			// on a loaded machine), and what is left: metadata, plan, pull.
			b.ReportMetric(float64((engineStart / n).Milliseconds()), "engine-start-ms")
			b.ReportMetric(float64(((wall - boot - engineStart) / n).Milliseconds()), "ours-ms")
		})
	}
}
