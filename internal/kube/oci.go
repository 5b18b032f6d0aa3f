package kube

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
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
	pull := name // a digest names the manifest exactly: pulled as it is
	repo, _, _ := strings.Cut(name, "@")
	if !strings.Contains(name, "@") {
		tag := ""
		if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
			repo, tag = name[:i], name[i+1:]
		}
		if tag == "" {
			if tag, err = newestRelease(c, repo); err != nil {
				return nil, err
			}
		}
		pull = repo + ":" + tag
	} else if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	res, err := c.Pull(pull, registry.PullOptWithChart(true))
	if err != nil {
		return nil, err
	}
	if res.Chart == nil || res.Chart.Meta == nil || len(res.Chart.Data) == 0 {
		return nil, fmt.Errorf("%s holds no chart", pull)
	}
	meta := res.Chart.Meta
	if !safeName.MatchString(meta.Name) || !safeName.MatchString(meta.Version) {
		return nil, fmt.Errorf("%s: the chart calls itself %q version %q, which cannot name a file", pull, meta.Name, meta.Version)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.tgz", meta.Name, meta.Version))
	if err := fsutil.WriteFileAtomic(path, res.Chart.Data, 0o644); err != nil {
		return nil, err
	}
	return &OCIChart{Path: path, Ref: "oci://" + repo + ":" + meta.Version + "@" + res.Manifest.Digest, Version: meta.Version}, nil
}

// safeName is what a chart's name and version may be to name the file
// the chart is kept in (what the registry sends is not trusted to).
var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// newestRelease is the newest version tag of the chart repository that is
// not a prerelease, as `helm pull` without --devel takes.
func newestRelease(c *registry.Client, repo string) (string, error) {
	tags, err := c.Tags(repo)
	if err != nil {
		return "", fmt.Errorf("listing the chart's versions: %w", err)
	}
	for _, t := range tags { // newest first
		if v, err := semver.StrictNewVersion(strings.ReplaceAll(t, "_", "+")); err == nil && v.Prerelease() == "" {
			return t, nil
		}
	}
	return "", fmt.Errorf("%s has no released chart version (name one: oci://%s:VERSION)", repo, repo)
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
