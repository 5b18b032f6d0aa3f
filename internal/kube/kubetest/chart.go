// Package kubetest holds test helpers that need Helm's libraries, kept
// out of internal/testenv so the host's tests do not build Helm.
package kubetest

import (
	"bytes"
	"os"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/registry"
)

// PushChart packages the chart directory at version and pushes it to the
// registry at host (plain HTTP: a test's registry on 127.0.0.1) as `helm
// push` does; it returns the chart's oci:// repository.
func PushChart(tb testing.TB, host, dir, version string) string {
	tb.Helper()
	ch, err := loader.Load(dir)
	if err != nil {
		tb.Fatal(err)
	}
	ch.Metadata.Version = version
	tgz, err := chartutil.Save(ch, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	data, err := os.ReadFile(tgz)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := registry.NewClient(registry.ClientOptPlainHTTP(), registry.ClientOptWriter(&bytes.Buffer{}))
	if err != nil {
		tb.Fatal(err)
	}
	repo := host + "/charts/" + ch.Metadata.Name
	if _, err := c.Push(data, repo+":"+version); err != nil {
		tb.Fatal(err)
	}
	return "oci://" + repo
}
