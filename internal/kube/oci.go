package kube

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/registry"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
)

// OCIChart is a chart pulled from an OCI registry (`--chart
// oci://host/path/appsmith[:version]`).
type OCIChart struct {
	Path    string // the .tgz written
	Ref     string // oci://host/path/name:version@sha256:... (what was pulled, exactly)
	Version string
}

// IsOCI reports an oci:// chart reference.
func IsOCI(ref string) bool { return strings.HasPrefix(ref, "oci://") }

// PullChart pulls the chart ref names into dir as <name>-<version>.tgz
// with Helm's registry client (its credentials file, as `helm registry
// login` writes it): the newest semver tag when ref names none. The
// install dir keeps the .tgz, so later upgrades use the very chart the
// install did, without the registry. A loopback registry is spoken to
// over plain HTTP, as the Docker engine treats it; any other over HTTPS.
func PullChart(ref, dir string) (*OCIChart, error) {
	name := strings.TrimPrefix(ref, "oci://")
	host, _, _ := strings.Cut(name, "/")
	opts := []registry.ClientOption{registry.ClientOptWriter(io.Discard)}
	if loopback(host) {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	c, err := registry.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	repo, tag := name, ""
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		repo, tag = name[:i], name[i+1:]
	}
	if tag == "" {
		tags, err := c.Tags(repo)
		if err != nil {
			return nil, fmt.Errorf("listing the chart's versions: %w", err)
		}
		if len(tags) == 0 {
			return nil, fmt.Errorf("%s has no chart version", repo)
		}
		tag = tags[0]
	}
	res, err := c.Pull(repo+":"+tag, registry.PullOptWithChart(true))
	if err != nil {
		return nil, err
	}
	if res.Chart == nil || res.Chart.Meta == nil || len(res.Chart.Data) == 0 {
		return nil, fmt.Errorf("%s:%s holds no chart", repo, tag)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.tgz", res.Chart.Meta.Name, res.Chart.Meta.Version))
	if err := fsutil.WriteFileAtomic(path, res.Chart.Data, 0o644); err != nil {
		return nil, err
	}
	return &OCIChart{Path: path, Ref: "oci://" + repo + ":" + tag + "@" + res.Manifest.Digest, Version: res.Chart.Meta.Version}, nil
}

func loopback(host string) bool {
	h := host
	if sh, _, err := net.SplitHostPort(host); err == nil {
		h = sh
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}
