package instance

import (
	"strings"
	"testing"
)

func TestRepoDigestIsTheRepositoryUsed(t *testing.T) {
	ce := "appsmith/appsmith-ce@sha256:" + strings.Repeat("c", 64)
	ee := "appsmith/appsmith-ee@sha256:" + strings.Repeat("e", 64)
	mirror := "127.0.0.1:5000/appsmith/appsmith-ee@sha256:" + strings.Repeat("f", 64)
	lib := "nginx@sha256:" + strings.Repeat("1", 64)
	for _, c := range []struct {
		ref     string
		digests []string
		want    string
	}{
		{"appsmith/appsmith-ee:v1.9.2", []string{ce, ee}, ee},
		{"docker.io/appsmith/appsmith-ee:latest", []string{ce, mirror, ee}, ee},
		{"127.0.0.1:5000/appsmith/appsmith-ee:v1.9.2", []string{ee, mirror}, mirror},
		{"docker.io/library/nginx:1", []string{lib}, lib},
		{"appsmith/appsmith-ee:v1.9.2", []string{ce}, ""},
	} {
		if got := RepoDigest(c.ref, c.digests); got != c.want {
			t.Errorf("RepoDigest(%s, %v) = %q, want %q", c.ref, c.digests, got, c.want)
		}
	}
}
