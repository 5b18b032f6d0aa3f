package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
	"github.com/appsmith-install/appsmith-install/test/stacksgen"
)

// BenchmarkComposeDowntime is BenchmarkUpgradeDowntime's yardstick:
// Appsmith's documented upgrade, `docker-compose pull && docker-compose up
// -d` after the image line of a docker-compose.yml laid out as the docs
// say was changed from v1.9.2 to v1.9.38, measured the same way (a prober
// every 50 ms, the longest outage beside the new container's boot, 100 MB
// and 2 GB of stacks). It takes no copy of the data. Real Docker Compose
// (Debian's docker-compose 1.29.2: scripts/compose-tool.sh installs it).
func BenchmarkComposeDowntime(b *testing.B) {
	compose, err := exec.LookPath("docker-compose")
	if err != nil {
		b.Fatalf("docker-compose is not installed (bash scripts/compose-tool.sh installs it): %v", err)
	}
	for _, size := range []string{"100M", "2G"} {
		b.Run(size, func(b *testing.B) {
			n, err := stacksgen.ParseSize(size)
			if err != nil {
				b.Fatal(err)
			}
			var down, boot, upd time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e := setup(b)
				e.reg.Push(b, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
				e.reg.Push(b, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
				p := newComposeProject(b, compose, e)
				p.write("v1.9.2")
				p.run("up", "-d")
				url := "http://127.0.0.1:" + strconv.Itoa(e.http) + "/api/v1/health"
				waitHealthy(b, url, 2*time.Minute)
				if _, err := stacksgen.Generate(filepath.Join(p.dir, "stacks", "git-storage", "bench"), stacksgen.Options{Size: n}); err != nil {
					b.Fatal(err)
				}
				time.Sleep(3 * time.Second) // as the upgrade's benchmark does
				p.write("v1.9.38")
				probe := outageProbe(url)
				b.StartTimer()
				began := time.Now()
				p.run("pull")
				p.run("up", "-d")
				waitHealthy(b, url, 2*time.Minute)
				upd += time.Since(began)
				b.StopTimer()
				longest, back := probe.stop()
				c, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{})
				if err != nil {
					b.Fatal(err)
				}
				if !strings.HasSuffix(c.Container.Config.Image, ":v1.9.38") {
					b.Fatalf("compose left %s running", c.Container.Config.Image)
				}
				started, _ := time.Parse(time.RFC3339Nano, c.Container.State.StartedAt)
				down += longest
				boot += back.Sub(started)
			}
			k := time.Duration(b.N)
			b.ReportMetric(float64((down / k).Milliseconds()), "downtime-ms")
			b.ReportMetric(float64((boot / k).Milliseconds()), "boot-ms")
			b.ReportMetric(float64(((down - boot) / k).Milliseconds()), "downtime-over-boot-ms")
			b.ReportMetric(float64((upd / k).Milliseconds()), "pull-up-ready-ms")
		})
	}
}

// composeProject is one docker-compose.yml in its own directory, with the
// stacks beside it as Appsmith's docs lay it out.
type composeProject struct {
	b              testing.TB
	e              *env
	bin, dir, name string
}

func newComposeProject(b testing.TB, bin string, e *env) *composeProject {
	p := &composeProject{b: b, e: e, bin: bin, dir: filepath.Join(b.TempDir(), "appsmith"),
		name: regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(e.name), "")}
	if err := os.MkdirAll(filepath.Join(p.dir, "stacks"), 0o755); err != nil {
		b.Fatal(err)
	}
	// Registered after setup's: runs before the stacks are removed, and
	// takes the project's network too.
	b.Cleanup(func() {
		cmd := exec.Command(p.bin, "-p", p.name, "down")
		cmd.Dir = p.dir
		_ = cmd.Run()
	})
	return p
}

// write is the docs' docker-compose.yml on tag (ports on 127.0.0.1, as
// every test here publishes them).
func (p *composeProject) write(tag string) {
	yml := fmt.Sprintf(`version: "3"
services:
  appsmith:
    image: %s
    container_name: %s
    ports:
      - "127.0.0.1:%d:80"
      - "127.0.0.1:%d:443"
    volumes:
      - ./stacks:/appsmith-stacks
    restart: unless-stopped
`, p.e.reg.Ref("appsmith/appsmith-ce", tag), p.e.name, p.e.http, p.e.https)
	if err := os.WriteFile(filepath.Join(p.dir, "docker-compose.yml"), []byte(yml), 0o644); err != nil {
		p.b.Fatal(err)
	}
}

func (p *composeProject) run(args ...string) {
	p.b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, append([]string{"-p", p.name, "--ansi", "never"}, args...)...)
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		p.b.Fatalf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// waitHealthy polls url until it answers 200.
func waitHealthy(b testing.TB, url string, timeout time.Duration) {
	b.Helper()
	hc := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if resp, err := hc.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatalf("%s not healthy after %s", url, timeout)
}
