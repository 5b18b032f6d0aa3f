package kube

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/kube/kubetest"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// An oci:// chart is pulled with Helm's registry client: the newest
// version when the reference names none (--plan shows it, and writes
// nothing), the one named otherwise. The install keeps the .tgz in the
// install dir and records where it came from, digest included, so a later
// upgrade runs the very chart the install did, whatever the registry has
// since (here a newer version). A reference with no chart behind it is
// refused (exit 3) naming --chart, with nothing written.
func TestInstallFromOCIChart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	charts := testenv.StartRegistry(t)
	repo := kubetest.PushChart(t, charts.Host(), e.chart, "3.8.1")
	kubetest.PushChart(t, charts.Host(), e.chart, "3.8.2")

	e.chart = repo
	r := e.must(e.run(e.installArgs("v1.99", "--plan", "--json")...), "install --plan from the OCI chart")
	var p struct {
		ChartVersion string   `json:"chart_version"`
		ChartSource  string   `json:"chart_source"`
		Objects      []string `json:"objects"`
	}
	if err := json.Unmarshal([]byte(r.out), &p); err != nil {
		t.Fatal(err)
	}
	if p.ChartVersion != "3.8.2" || !strings.HasPrefix(p.ChartSource, repo+":3.8.2@sha256:") || len(p.Objects) == 0 {
		t.Errorf("plan from %s: %+v", repo, p)
	}
	if _, err := os.Stat(e.dir); !os.IsNotExist(err) {
		t.Errorf("--plan made %s (%v)", e.dir, err)
	}
	e.chart = "oci://" + charts.Host() + "/charts/nothing"
	r = e.run(e.installArgs("v1.99", "--yes")...)
	if r.code != 3 || !strings.Contains(r.errOut, "--chart "+e.chart) {
		t.Errorf("a reference with no chart: want exit 3 naming --chart:\n%s", r)
	}
	if _, err := os.Stat(e.dir); !os.IsNotExist(err) {
		t.Errorf("the refused install made %s (%v)", e.dir, err)
	}

	e.chart = repo + ":3.8.1"
	e.install("v1.99")
	s, err := state.Load(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	kept := filepath.Join(e.dir, "charts", "appsmith-3.8.1.tgz")
	if s.Kubernetes.Chart != kept || !strings.HasPrefix(s.Kubernetes.ChartSource, repo+":3.8.1@sha256:") {
		t.Errorf("recorded chart %q from %q, want %s from %s:3.8.1@sha256:…", s.Kubernetes.Chart, s.Kubernetes.ChartSource, kept, repo)
	}
	if v := e.last().Chart.Metadata.Version; v != "3.8.1" {
		t.Errorf("the release runs chart %s, want 3.8.1", v)
	}
	e.must(e.run("upgrade", "v2.0.1", "--yes", "--timeout", "2m", "--no-snapshot", "--no-db-check"), "upgrade v2.0.1")
	if rel := e.last(); rel.Chart.Metadata.Version != "3.8.1" || tagOf(rel.Config) != "v2.0.1" {
		t.Errorf("after the upgrade: chart %s on %s, want the kept 3.8.1 on v2.0.1", rel.Chart.Metadata.Version, tagOf(rel.Config))
	}
}
