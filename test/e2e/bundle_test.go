package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// bundleEnv is an env whose registry the test can stop: the air gap.
func bundleEnv(t *testing.T) (*env, func()) {
	t.Parallel()
	e := &env{t: t, cli: testenv.RequireEngine(t)}
	var stop func()
	e.reg, stop = testenv.StartStoppableRegistry(t)
	e.reg.RemoveFromEngineOnCleanup(t, e.cli)
	e.name = testenv.UniqueName(t, "e2e-bundle")
	root := t.TempDir()
	testenv.RemoveContainersOnCleanup(t, e.cli, e.name)
	e.dir, e.linkDir = filepath.Join(root, "appsmith"), filepath.Join(root, "bin")
	os.MkdirAll(e.linkDir, 0o755)
	e.http, e.https = testenv.FreePort(t), testenv.FreePort(t)
	return e, stop
}

type loadView struct {
	Bundle struct {
		Signed  bool `json:"signed"`
		Trusted bool `json:"trusted"`
	} `json:"bundle"`
	Images []struct {
		Version, Ref, ID, Digest, Pushed string
	} `json:"images"`
}

// TestBundleAirGap: a signed bundle v1.8.15 → v2.0.1 made from the
// registry; the registry stopped and the images removed; verify, a
// tampered copy refused with nothing loaded, load, then a push of
// everything to a second registry and an install from it on a clean dir.
func TestBundleAirGap(t *testing.T) {
	e, stopRegistry := bundleEnv(t)
	for _, tag := range []string{"v1.8.15", "v1.9.1", "v1.9.2", "v1.98", "v1.99", "v2.0.1"} {
		e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: tag})
	}
	work := t.TempDir()
	key, out := filepath.Join(work, "signing.key"), filepath.Join(work, "path.tar")
	e.mustSucceed(e.run(nil, "bundle", "keygen", "-o", key), "keygen")
	r := e.run(nil, "bundle", "create", "--registry", e.reg.Host(), "--edition", "ce", "--from", "v1.8.15", "--to", "v2.0.1",
		"--sign-key", key, "-o", out, "--progress", "plain")
	e.mustSucceed(r, "bundle create")
	contains(t, "create's progress", r.errOut, "Writing")
	contains(t, "create's report", r.out, "v1.8.15 → v2.0.1, 4 image(s)", "signed by key")
	short := filepath.Join(work, "short.tar") // lacks the v1.9.2 checkpoint a v1.8.15 instance needs
	e.mustSucceed(e.run(nil, "bundle", "create", "--registry", e.reg.Host(), "--edition", "ce", "--from", "v1.99", "--to", "v2.0.1", "-o", short), "bundle create v1.99")

	// The air gap: no registry, no images.
	stopRegistry()
	refs := []string{}
	for _, v := range []string{"v1.8.15", "v1.9.2", "v1.99", "v2.0.1"} {
		refs = append(refs, e.reg.Ref("appsmith/appsmith-ce", v))
	}
	removeImages(t, e.cli, refs)

	r = e.run(nil, "bundle", "verify", out, "--trusted-key", key+".pub")
	e.mustSucceed(r, "verify")
	contains(t, "verify", r.out, "a good bundle v1.8.15 → v2.0.1")

	// A flipped byte in the middle (image data): refused, nothing loaded.
	bad := filepath.Join(work, "tampered.tar")
	b, _ := os.ReadFile(out)
	b[len(b)/2] ^= 0xff
	os.WriteFile(bad, b, 0o644)
	if r := e.run(nil, "bundle", "load", bad, "--trusted-key", key+".pub"); r.code != 3 {
		t.Errorf("load of a tampered bundle: exit %d, want 3\n%s", r.code, r.errOut)
	}
	os.WriteFile(bad, b[:len(b)/3], 0o644)
	if r := e.run(nil, "bundle", "verify", bad); r.code != 3 {
		t.Errorf("verify of a truncated bundle: exit %d, want 3\n%s", r.code, r.errOut)
	}
	for _, ref := range refs {
		if _, err := e.cli.ImageInspect(context.Background(), ref); err == nil {
			t.Fatalf("%s is in the engine after refused loads", ref)
		}
	}

	// Install from the bundle and upgrade along it, with no registry at all.
	args := e.installArgs("v1.8.15", "--bundle", out, "--trusted-key", key+".pub", "--db", "embedded-mongodb")
	args = append(args[:1], args[3:]...) // no --registry: the bundle names the image
	r = e.run(nil, args...)
	e.mustSucceed(r, "install --bundle")
	contains(t, "install --bundle", r.errOut, "from bundle")
	if s, code := e.status(); code != 0 || s.Version != "v1.8.15" {
		t.Fatalf("status after the install from the bundle: exit %d %+v", code, s)
	}
	r = e.run(nil, "upgrade", "v2.0.1", "--bundle", short)
	if r.code != 3 || !strings.Contains(r.errOut, "v1.9.2") {
		t.Errorf("upgrade with a bundle that lacks the v1.9.2 hop: exit %d, want 3 naming v1.9.2\n%s", r.code, r.errOut)
	}
	r = e.run(nil, "upgrade", "v2.0.1", "--bundle", out, "--plan")
	e.mustSucceed(r, "upgrade --plan --bundle")
	contains(t, "upgrade plan", r.out, "v1.8.15 → v1.9.2", "v1.9.2 → v1.99", "v1.99 → v2.0.1", "from bundle")
	r = e.run(nil, "upgrade", "v2.0.1", "--bundle", out, "--trusted-key", key+".pub", "--yes", "--progress", "plain", "--timeout", "90s")
	e.mustSucceed(r, "upgrade --bundle")
	if s, code := e.status(); code != 0 || s.Version != "v2.0.1" {
		t.Fatalf("status after the upgrade from the bundle: exit %d %+v", code, s)
	}

	r = e.run(nil, "bundle", "load", out, "--trusted-key", key+".pub", "--json")
	e.mustSucceed(r, "load")
	var lv loadView
	if err := json.Unmarshal([]byte(r.out), &lv); err != nil {
		t.Fatalf("load --json: %v\n%s", err, r.out)
	}
	if !lv.Bundle.Signed || !lv.Bundle.Trusted || len(lv.Images) != 4 {
		t.Errorf("load --json: %+v", lv)
	}
	for _, img := range lv.Images {
		got, err := e.cli.ImageInspect(context.Background(), img.Ref)
		if err != nil || got.ID != img.ID {
			t.Errorf("%s after the load: %v (ID %s, want %s)", img.Ref, err, got.ID, img.ID)
		}
		if img.Digest == "" {
			t.Errorf("%s: the bundle recorded no registry digest", img.Ref)
		}
	}

	// Another host's way in: push to a private registry, install from it.
	mirror := testenv.StartRegistry(t)
	mirror.RemoveFromEngineOnCleanup(t, e.cli)
	r = e.run(nil, "bundle", "load", out, "--push-to", mirror.Host(), "--json")
	e.mustSucceed(r, "load --push-to")
	removeImages(t, e.cli, []string{mirror.Ref("appsmith/appsmith-ce", "v1.8.15")})
	other := *e // a clean dir, another container and ports
	other.name = testenv.UniqueName(t, "e2e-mirror")
	testenv.RemoveContainersOnCleanup(t, e.cli, other.name)
	other.dir = filepath.Join(t.TempDir(), "appsmith")
	other.http, other.https = testenv.FreePort(t), testenv.FreePort(t)
	args = other.installArgs("v1.8.15")
	args[2] = mirror.Host() // --registry
	other.mustSucceed(other.run(nil, args...), "install from the mirror")
	if s, code := other.status(); code != 0 || s.Version != "v1.8.15" {
		t.Fatalf("status after the install from the mirror: exit %d %+v", code, s)
	}
}

func removeImages(t testing.TB, cli *client.Client, refs []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, ref := range refs {
		if _, err := cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true}); err != nil {
			t.Fatalf("removing %s: %v", ref, err)
		}
	}
}

// TestBundleForInstance: the path starts at what the instance runs, from
// its image's repository.
func TestBundleForInstance(t *testing.T) {
	e := newEnv(t)
	for _, tag := range []string{"v1.9.2", "v1.98", "v1.99", "v2.0.1"} {
		e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: tag})
	}
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	r := e.run(nil, "bundle", "create", "--for-instance", e.dir, "--to", "v2.0.1", "--plan")
	e.mustSucceed(r, "create --for-instance --plan")
	contains(t, "plan", r.out, "Bundle v1.9.2 → v2.0.1 of "+e.reg.Host()+"/appsmith/appsmith-ce", "hop v1.9.2 → v1.99", "hop v1.99 → v2.0.1",
		"image "+e.reg.Ref("appsmith/appsmith-ce", "v1.9.2"))
}
