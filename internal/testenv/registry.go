package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/moby/client"
)

// Registry is an in-memory OCI registry on 127.0.0.1. The Docker engine
// treats registries on 127.0.0.0/8 as plain HTTP, so it pulls from it with
// no configuration.
type Registry struct {
	host string
}

// StartRegistry serves a fresh registry until tb ends.
func StartRegistry(tb testing.TB) *Registry {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testenv: registry listener: %v", err)
	}
	srv := &http.Server{Handler: registry.New(registry.Logger(log.New(io.Discard, "", 0))), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return &Registry{host: ln.Addr().String()}
}

// Host is "127.0.0.1:PORT".
func (r *Registry) Host() string { return r.host }

// Ref is the full reference of repo:tag in this registry.
func (r *Registry) Ref(repo, tag string) string { return r.host + "/" + repo + ":" + tag }

// Push builds img and pushes it; it returns "127.0.0.1:PORT/<repo>:<tag>".
func (r *Registry) Push(tb testing.TB, img Image) string {
	tb.Helper()
	if img.RealPostgres {
		RequirePGRootfs(tb)
	}
	ref, err := r.push(StandinBinary(tb), img)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	return ref
}

func (r *Registry) push(binary string, img Image) (string, error) {
	i, err := buildImage(binary, img)
	if err != nil {
		return "", err
	}
	// Each registry serves its own copy, one label apart. Built alike,
	// the images of every test's registry would share one image ID in the
	// engine, and one test's RemoveFromEngineOnCleanup (untagging its last
	// tag with PruneChildren) could delete the image right after another
	// test's pull had tagged the same ID: "No such image" in that test.
	if i, err = withLabel(i, RegistryLabel, r.host); err != nil {
		return "", err
	}
	ref := r.Ref(img.Repo, img.Tag)
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		return "", err
	}
	if err := remote.Write(tag, i); err != nil {
		return "", fmt.Errorf("pushing %s: %w", ref, err)
	}
	return ref, nil
}

// RemoveFromEngineOnCleanup untags, when tb ends, every image the engine
// holds from this registry, however it got there (a test's pull or the
// product's). Register it right after StartRegistry so it runs after the
// containers using those images are gone.
func (r *Registry) RemoveFromEngineOnCleanup(tb testing.TB, cli *client.Client) {
	tb.Helper()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		list, err := cli.ImageList(ctx, client.ImageListOptions{All: true})
		if err != nil {
			tb.Errorf("testenv: listing images: %v", err)
			return
		}
		for _, im := range list.Items {
			for _, t := range im.RepoTags {
				if !strings.HasPrefix(t, r.host+"/") {
					continue
				}
				// A container whose forced removal the engine still has in
				// progress holds the image for a moment: wait for it.
				var err error
				for try := 0; try < 25; try++ {
					_, err = cli.ImageRemove(ctx, t, client.ImageRemoveOptions{PruneChildren: true})
					if err == nil || isNotFound(err) || !strings.Contains(err.Error(), "is using its referenced image") {
						break
					}
					time.Sleep(400 * time.Millisecond)
				}
				if err != nil && !isNotFound(err) {
					tb.Errorf("testenv: removing image %s: %v", t, err)
				}
			}
		}
	})
}

// StandardSet is the standard set of images: appsmith/appsmith-ce and
// appsmith/appsmith-ee at each of StandardVersions plus "latest", and the
// fault images under faults/. A faulty release in the same repository as
// good ones (an upgrade that changes only the tag) is one more Push:
// Image{Repo: "appsmith/appsmith-ce", Tag: "v2.2.1", Fault: spec.FaultCorruptOnStart}.
func StandardSet() []Image {
	var set []Image
	for _, repo := range []string{"appsmith/appsmith-ce", "appsmith/appsmith-ee"} {
		for _, v := range StandardVersions {
			set = append(set, Image{Repo: repo, Tag: v})
		}
		set = append(set, Image{Repo: repo, Tag: "latest", Version: LatestVersion})
	}
	for _, f := range []string{"never-healthy", "crash", "illegal-instruction", "corrupt-on-start"} {
		set = append(set, Image{Repo: "faults/" + f, Tag: "v1.9.2", Fault: f})
	}
	return set
}

// StandardVersions are the releases of the standard set, oldest first: the
// last pre-MongoDB-5 image, an ordinary MongoDB 5 release before the
// checkpoint, the first checkpoint, the FCV-raising fix, the last 1.x
// checkpoint, the first 2.x (MongoDB 7 at FCV 6.0) and the release that
// lifts the FCV to 7.0.
var StandardVersions = []string{"v1.8.15", "v1.9.1", "v1.9.2", "v1.9.38", "v1.99", "v2.0.1", "v2.2.0"}

// LatestVersion is what the standard "latest" tag points at.
const LatestVersion = "v2.0.1"

// StandardImages pushes StandardSet to reg and returns the full references
// keyed by "repo:tag", e.g. refs["appsmith/appsmith-ce:v1.9.2"].
func StandardImages(tb testing.TB, reg *Registry) map[string]string {
	tb.Helper()
	binary := StandinBinary(tb)
	set := StandardSet()
	refs := make(map[string]string, len(set))
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(set))
	for i, img := range set {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ref, err := reg.push(binary, img)
			if err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			refs[img.Repo+":"+img.Tag] = ref
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatalf("testenv: pushing the standard images: %v", err)
	}
	return refs
}
