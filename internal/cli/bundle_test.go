package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
)

// saveEngine answers bundle create: images present, a tiny save archive.
func saveEngine(t *testing.T) *dockerfake.Engine {
	e := emptyEngine(t)
	e.ImagePullFunc = func(context.Context, string, func(docker.PullEvent)) error { return nil }
	e.ImageInspectFunc = func(_ context.Context, ref string) (docker.Image, error) {
		return docker.Image{ID: "sha256:" + ref[strings.LastIndex(ref, ":")+1:], Size: 10}, nil
	}
	e.ImageSaveFunc = func(context.Context, []string) (io.ReadCloser, error) {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		body := strings.Repeat("layer", 100)
		tw.WriteHeader(&tar.Header{Name: "l/layer.tar", Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))})
		tw.Write([]byte(body))
		tw.Close()
		return io.NopCloser(&buf), nil
	}
	return e
}

func bundleDeps(e *dockerfake.Engine) Deps {
	d := fakeDeps(e)
	d.Tags = func(context.Context, string) ([]string, error) {
		return []string{"v2.0.1", "v1.99", "v1.98", "v1.9.2", "v1.8.15"}, nil
	}
	d.Now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }
	return d
}

func TestBundleCommands(t *testing.T) {
	dir := t.TempDir()
	key, out := filepath.Join(dir, "k"), filepath.Join(dir, "b.tar")
	if r := run(t, bundleDeps(saveEngine(t)), nil, "bundle", "keygen", "-o", key); r.code != 0 || strings.Contains(r.out+r.errOut, readKeyLine(t, key)) {
		t.Fatalf("keygen: exit %d (or it printed the private key)\n%s%s", r.code, r.out, r.errOut)
	}
	r := run(t, bundleDeps(saveEngine(t)), nil, "bundle", "create", "--from", "1.8.15", "--to", "v2.0.1", "--plan")
	if r.code != 0 || !strings.Contains(r.out, "hop v1.8.15 → v1.9.2") || !strings.Contains(r.out, "image appsmith/appsmith-ee:v1.99") {
		t.Fatalf("create --plan: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// --for-instance pulls from the instance's repository: a --registry
	// beside it would be ignored, so it is refused before anything is looked at.
	r = run(t, bundleDeps(emptyEngine(t)), nil, "bundle", "create", "--for-instance", dir, "--registry", "mirror.example:5000", "--to", "v2.0.1", "--plan")
	if r.code != 2 || !strings.Contains(r.errOut, "--registry and --for-instance") {
		t.Errorf("create --for-instance --registry: exit %d, want 2\n%s", r.code, r.errOut)
	}
	e := saveEngine(t)
	r = run(t, bundleDeps(e), nil, "bundle", "create", "--from", "v1.8.15", "--to", "v2.0.1", "--sign-key", key, "-o", out, "--progress", "plain")
	if r.code != 0 || !strings.Contains(r.out, "4 image(s)") || !strings.Contains(r.errOut, "Writing images:") {
		t.Fatalf("create: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = run(t, bundleDeps(emptyEngine(t)), nil, "bundle", "verify", out, "--trusted-key", key+".pub", "--progress", "plain")
	if r.code != 0 || !strings.Contains(r.out, "a good bundle v1.8.15 → v2.0.1") || strings.Contains(r.errOut, "warning:") {
		t.Fatalf("verify: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = run(t, bundleDeps(emptyEngine(t)), nil, "bundle", "verify", out)
	if r.code != 0 || !strings.Contains(r.errOut, "not checked against a trusted key") {
		t.Errorf("verify without --trusted-key says nothing of it: exit %d\n%s", r.code, r.errOut)
	}
	b, _ := os.ReadFile(out)
	i := bytes.Index(b, []byte("layerlayer"))
	b[i] = 'L'
	bad := filepath.Join(dir, "bad.tar")
	os.WriteFile(bad, b, 0o644)
	eng := emptyEngine(t)
	r = run(t, bundleDeps(eng), nil, "bundle", "load", bad)
	if r.code != 3 || !strings.Contains(r.errOut, "images/l/layer.tar does not match its checksum") {
		t.Errorf("load of a tampered bundle: exit %d, want 3\n%s", r.code, r.errOut)
	}
	for _, m := range eng.Methods() {
		if m == "ImageLoad" {
			t.Error("a tampered bundle reached the engine's load")
		}
	}
	if r := run(t, bundleDeps(emptyEngine(t)), nil, "bundle", "load", filepath.Join(dir, "none.tar")); r.code != 2 {
		t.Errorf("a missing bundle: exit %d, want 2", r.code)
	}
	// An install from the bundle plans a load, not a pull.
	r = run(t, bundleDeps(emptyEngine(t)), nil, "--dry-run", "--dir", "/srv/appsmith-test", "--bundle", out, "--version", "v1.8.15", "--link-dir", "")
	if r.code != 0 || !strings.Contains(r.out, "Load appsmith/appsmith-ee:v1.8.15 from bundle "+out) || strings.Contains(r.out, "Pull ") {
		t.Errorf("install --bundle --dry-run: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = run(t, bundleDeps(emptyEngine(t)), nil, "--dry-run", "--dir", "/srv/appsmith-test", "--bundle", out, "--version", "v1.9.1", "--link-dir", "")
	if r.code != 2 || !strings.Contains(r.errOut, "the bundle has no image of it") {
		t.Errorf("install --bundle of a version it lacks: exit %d, want 2\n%s", r.code, r.errOut)
	}
}

func readKeyLine(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}
