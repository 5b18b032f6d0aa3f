package kube

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/kube/kubetest"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// A chart in an OCI registry is pulled into the directory given, named
// by its version: the newest when the reference names none, the one named
// otherwise; the reference recorded pins the manifest's digest. A
// repository with no chart is an error naming it, and writes nothing.
func TestPullChart(t *testing.T) {
	reg := testenv.StartRegistry(t)
	repo := kubetest.PushChart(t, reg.Host(), "../../test/charts/appsmith", "3.8.1")
	kubetest.PushChart(t, reg.Host(), "../../test/charts/appsmith", "3.8.2")
	dir := t.TempDir()
	got, err := PullChart(repo, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != "3.8.2" || got.Path != filepath.Join(dir, "appsmith-3.8.2.tgz") || !strings.HasPrefix(got.Ref, repo+":3.8.2@sha256:") {
		t.Errorf("newest: %+v", got)
	}
	got, err = PullChart(repo+":3.8.1", dir)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := LoadChart(got.Path)
	if err != nil || ch.Metadata.Version != "3.8.1" || got.Version != "3.8.1" {
		t.Errorf("3.8.1: %+v, loaded %v (%v)", got, ch, err)
	}
	// A prerelease is newer, but only a release is taken unless named;
	// a digest pulls that very manifest.
	kubetest.PushChart(t, reg.Host(), "../../test/charts/appsmith", "3.9.0-rc.1")
	got, err = PullChart(repo, dir)
	if err != nil || got.Version != "3.8.2" {
		t.Errorf("newest with a prerelease about: %+v %v", got, err)
	}
	digest := got.Ref[strings.LastIndex(got.Ref, "@"):]
	got, err = PullChart(repo+digest, t.TempDir())
	if err != nil || got.Version != "3.8.2" || !strings.HasSuffix(got.Ref, digest) {
		t.Errorf("by digest %s: %+v %v", digest, got, err)
	}
	empty := t.TempDir()
	if _, err := PullChart("oci://"+reg.Host()+"/charts/nothing", empty); err == nil {
		t.Error("a repository with no chart was pulled")
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("a failed pull wrote %d files", len(entries))
	}
	for host, want := range map[string]bool{"127.0.0.1:5000": true, "localhost": true, "[::1]:443": true, "registry.example": false, "10.0.0.1:5000": false} {
		if loopback(host) != want {
			t.Errorf("loopback(%q) = %v", host, !want)
		}
	}
}
