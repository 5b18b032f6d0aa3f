// Package registry reads what a registry offers: the version tags of the
// Appsmith image, for the wizard's version list and upgrade checks. It uses
// the registry API directly (go-containerregistry) with the user's Docker
// credentials; the Engine API has no way to list tags.
package registry

import (
	"context"
	"regexp"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/hashicorp/go-version"
)

var stable = regexp.MustCompile(`^v[0-9]+(\.[0-9]+){0,2}$`)

// Tags lists the stable version tags of repo ("appsmith/appsmith-ee",
// "127.0.0.1:5000/appsmith/appsmith-ce"), newest first. Registries on
// loopback are spoken to over plain HTTP, as the Docker engine does.
func Tags(ctx context.Context, repo string) ([]string, error) {
	var opts []name.Option
	if insecure(repo) {
		opts = append(opts, name.Insecure)
	}
	r, err := name.NewRepository(repo, opts...)
	if err != nil {
		return nil, err
	}
	all, err := remote.List(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return nil, err
	}
	return SortVersions(all), nil
}

// SortVersions keeps the stable version tags (v1.9.2, v2.0) and orders them
// newest first.
func SortVersions(tags []string) []string {
	type tv struct {
		tag string
		v   *version.Version
	}
	var vs []tv
	for _, t := range tags {
		if !stable.MatchString(t) {
			continue
		}
		if v, err := version.NewVersion(strings.TrimPrefix(t, "v")); err == nil {
			vs = append(vs, tv{t, v})
		}
	}
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].v.GreaterThan(vs[j].v) })
	out := make([]string, len(vs))
	for i, x := range vs {
		out[i] = x.tag
	}
	return out
}

func insecure(repo string) bool {
	host := strings.SplitN(repo, "/", 2)[0]
	return strings.HasPrefix(host, "127.") || strings.HasPrefix(host, "localhost")
}
