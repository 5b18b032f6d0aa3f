package testenv

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/moby/client"
)

// StartStoppableRegistry is StartRegistry whose server the test can stop
// before it ends: a machine image boots with no registry to reach, and a
// test proves that nothing needed one. stop is idempotent; the server also
// stops when tb ends.
func StartStoppableRegistry(tb testing.TB) (*Registry, func()) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testenv: registry listener: %v", err)
	}
	srv := &http.Server{Handler: registry.New(registry.Logger(log.New(io.Discard, "", 0))), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() { _ = srv.Close() }
	tb.Cleanup(stop)
	return &Registry{host: ln.Addr().String()}, stop
}

// PullByDigest pulls repo:tag from r into the engine by its digest, as
// `image prepare` does, and returns "HOST/repo@sha256:…"; the engine keeps
// no tag for it, so the image is removed by that reference when tb ends.
func (r *Registry) PullByDigest(tb testing.TB, cli *client.Client, repo, tag string) string {
	tb.Helper()
	ref, err := name.NewTag(r.Ref(repo, tag), name.Insecure)
	if err != nil {
		tb.Fatal(err)
	}
	desc, err := remote.Head(ref)
	if err != nil {
		tb.Fatalf("testenv: digest of %s: %v", ref, err)
	}
	byDigest := r.host + "/" + repo + "@" + desc.Digest.String()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	resp, err := cli.ImagePull(ctx, byDigest, client.ImagePullOptions{})
	if err == nil {
		err = resp.Wait(ctx)
	}
	if err != nil {
		tb.Fatalf("testenv: pull %s: %v", byDigest, err)
	}
	RemoveImagesOnCleanup(tb, cli, byDigest)
	return byDigest
}
