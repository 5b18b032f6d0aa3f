package cli

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/imagecheck"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// imageRegistry serves appsmith/appsmith-ce:v1.9.38 from an in-process
// registry on 127.0.0.1 and returns its host and the tag's digest.
func imageRegistry(t *testing.T) (host, digest string) {
	t.Helper()
	srv := httptest.NewServer(ggcrregistry.New())
	t.Cleanup(srv.Close)
	host = strings.TrimPrefix(srv.URL, "http://")
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(host+"/appsmith/appsmith-ce:v1.9.38", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return host, d.String()
}

func runImage(t *testing.T, args ...string) (code int, out, errOut string) {
	t.Helper()
	stdio, o, e := testIO()
	code = Main(context.Background(), append([]string{"appsmith-install"}, args...), stdio, Deps{})
	return code, o.String(), e.String()
}

func TestImagePrepareThenCheckOnDebian(t *testing.T) {
	dir := testenv.DebianTree(t)
	host, digest := imageRegistry(t)
	// Before: the raw tree fails (host keys, no hook), exit 1, report on stdout.
	code, out, _ := runImage(t, "image", "check", "--root", dir)
	if code != engine.ExitFailure || !strings.Contains(out, "FAIL  host-keys") || !strings.Contains(out, "/etc/ssh/ssh_host_ed25519_key") {
		t.Fatalf("raw tree: exit %d\n%s", code, out)
	}
	code, out, errOut := runImage(t, "image", "prepare", "--provider", "digitalocean", "--edition", "ce", "--version", "1.9.38",
		"--registry", host, "--root", dir, "--json")
	if code != 0 {
		t.Fatalf("prepare: exit %d\n%s", code, errOut)
	}
	var res struct {
		Image   map[string]string `json:"image"`
		Changes []struct{ Action, Path string }
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("prepare --json: %v\n%s", err, out)
	}
	wantRef := host + "/appsmith/appsmith-ce@" + digest
	if res.Image["reference"] != wantRef || res.Image["version"] != "v1.9.38" {
		t.Errorf("image %v, want %s at v1.9.38", res.Image, wantRef)
	}
	if im, err := imageenv.Read(dir); err != nil || im.Reference != wantRef || im.Provider != imageenv.DigitalOcean {
		t.Errorf("image.env %+v, %v", im, err)
	}
	if !strings.Contains(errOut, "would") || !strings.Contains(errOut, "pull "+wantRef) {
		t.Errorf("prepare --root does not say what it left to a real run:\n%s", errOut)
	}
	// The binary that ran is the one installed, linked as appsmith.
	if fi, err := os.Stat(filepath.Join(dir, imagecheck.Binary)); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("%s: %v, %v", imagecheck.Binary, fi, err)
	}
	code, out, errOut = runImage(t, "image", "check", "--root", dir, "--json")
	if code != 0 {
		t.Fatalf("check after prepare: exit %d\n%s\n%s", code, out, errOut)
	}
	var rep imagecheck.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Fail != 0 || rep.Provider != imageenv.DigitalOcean || len(rep.Results) != len(imagecheck.IDs())-1 /* imdsv2 is AWS's */ {
		t.Errorf("report: %+v", rep)
	}
	if r, _ := rep.Get("image-present"); r.Status != imagecheck.Warn || !strings.Contains(r.Detail, "cannot check offline") {
		t.Errorf("image-present on a tree without a Docker store: %+v", r)
	}
	// Judged for the other cloud: image.env says digitalocean.
	if code, out, _ := runImage(t, "image", "check", "--root", dir, "--provider", "aws"); code != engine.ExitFailure || !strings.Contains(out, "FAIL  image-env") {
		t.Errorf("check --provider aws on a digitalocean image: exit %d\n%s", code, out)
	}
}

func TestImageUsageErrorsChangeNothing(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"image", "prepare", "--root", dir}, "--provider is required"},
		{[]string{"image", "prepare", "--provider", "gcp", "--root", dir}, `--provider "gcp"`},
		{[]string{"image", "prepare", "--provider", "aws", "--edition", "xe", "--root", dir}, `--edition "xe"`},
		{[]string{"image", "prepare", "--provider", "aws", "--version", "latest", "--root", dir}, `--version "latest"`},
		{[]string{"image", "prepare", "--provider", "aws", "--version", "v1.9.38", "--root", filepath.Join(dir, "missing")}, "--root"},
		{[]string{"image", "check"}, "--root is required"},
		{[]string{"image", "check", "--root", dir, "--provider", "azure"}, `--provider "azure"`},
	} {
		code, out, errOut := runImage(t, tc.args...)
		if code != engine.ExitUsage || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 2 naming %s", tc.args, code, errOut, out, tc.want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a refused command wrote %d entries", len(ents))
	}
}
