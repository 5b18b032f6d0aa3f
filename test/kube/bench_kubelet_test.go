package kube

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// BenchmarkKubeletHop, on the real-kubelet tier (skipped without it): the
// install to a Ready pod whose /info answers, then one `appsmith upgrade`
// hop (snapshot through the pod's exec — pg_dump and the claim's files —
// then helm upgrade, Ready, /info), beside a bare Helm upgrade of the same
// release to the next tag with --wait and the values it had (what an
// operator would otherwise run): the difference is what the snapshot and
// the checks cost. Reported, never asserted.
func BenchmarkKubeletHop(b *testing.B) {
	k := testenv.StartKube(b, testenv.WithKubelet())
	var install, hop, bare time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		e := newEnvOn(b, k)
		for _, tag := range []string{"v2.0.1", "v2.2.0", "v2.2.1"} {
			e.reg.Push(b, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: tag, RealPostgres: true})
		}
		values := kubeletValues(b)
		b.StartTimer()
		start := time.Now()
		e.must(e.run(e.installArgs("v2.0.1", "--yes", "--progress", "quiet", "--timeout", "4m", "--values", values,
			"--db-url", "postgresql://appsmith:bench-pw@localhost:5432/appsmith")...), "install")
		install += time.Since(start)
		e.podPSQL(benchRows)

		start = time.Now()
		e.must(e.run("upgrade", "v2.2.0", "--yes", "--progress", "quiet", "--timeout", "4m"), "upgrade")
		hop += time.Since(start)

		cfg, _, err := kube.NewConfig(kube.Options{Kubeconfig: e.k.Kubeconfig, Namespace: e.ns}, nil)
		if err != nil {
			b.Fatal(err)
		}
		ch, err := loader.Load(e.chart)
		if err != nil {
			b.Fatal(err)
		}
		vals := e.last().Config
		vals["image"].(map[string]any)["tag"] = "v2.2.1"
		up := action.NewUpgrade(cfg)
		up.Namespace, up.Wait, up.Timeout = e.ns, true, 4*time.Minute
		start = time.Now()
		if _, err := up.Run(releaseName, ch, vals); err != nil {
			b.Fatalf("helm upgrade --wait: %v", err)
		}
		bare += time.Since(start)
		b.StopTimer()
		e.podReadyOn("v2.2.1")
	}
	n := time.Duration(b.N)
	b.ReportMetric(float64((install / n).Milliseconds()), "install-ms")
	b.ReportMetric(float64((hop / n).Milliseconds()), "hop-ms")
	b.ReportMetric(float64((bare / n).Milliseconds()), "helm-wait-ms")
	b.ReportMetric(float64(((hop - bare) / n).Milliseconds()), "hop-over-helm-ms")
}

// kubeletValues is the user's values file of a release on the kubelet
// tier: the official chart's probes made faster through its probes.*
// values (a startup long enough for initdb), and the Redis subchart's image
// (Bitnami's cannot be pulled here) one the node has, which only runs.
func kubeletValues(tb testing.TB) string {
	f := filepath.Join(tb.TempDir(), "kubelet-values.yaml")
	text := fmt.Sprintf(`probes:
  startupProbe: {periodSeconds: 2, failureThreshold: 90}
  readinessProbe: {periodSeconds: 2, failureThreshold: 3}
  livenessProbe: {periodSeconds: 10, failureThreshold: 6}
redis:
  image: {registry: %q, repository: %q, tag: %q}
`, testenv.PauseRegistry, testenv.PauseRepository, testenv.PauseTag)
	if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return f
}

// benchRows is data for the snapshot to carry: 20,000 rows of ~100 bytes.
const benchRows = `CREATE TABLE appsmith.bench (id bigserial PRIMARY KEY, body text NOT NULL);
INSERT INTO appsmith.bench (body) SELECT md5(g::text) || repeat('x', 64) FROM generate_series(1, 20000) AS g;
ALTER TABLE appsmith.bench OWNER TO appsmith;`
