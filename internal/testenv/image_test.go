package testenv

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// These need only the Go toolchain, not Docker.

func TestBuildImageContents(t *testing.T) {
	img := BuildImage(t, Image{Repo: "appsmith/appsmith-ce", Tag: "v1.99", Fault: spec.FaultNeverHealthy, BootDelay: 250 * time.Millisecond})

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if len(c.Entrypoint) != 1 || c.Entrypoint[0] != "/opt/appsmith/entrypoint.sh" || len(c.Labels) != 0 {
		t.Errorf("entrypoint %v labels %v", c.Entrypoint, c.Labels)
	}
	if _, ok := c.ExposedPorts["80/tcp"]; !ok || len(c.ExposedPorts) != 2 {
		t.Errorf("exposed ports %v", c.ExposedPorts)
	}
	if _, ok := c.Volumes["/appsmith-stacks"]; !ok {
		t.Errorf("volumes %v", c.Volumes)
	}
	h := c.Healthcheck
	if h == nil || h.Interval != 15*time.Second || h.Timeout != 15*time.Second || h.StartPeriod != 45*time.Second || len(h.Test) != 2 || h.Test[1] != "/opt/appsmith/healthcheck" {
		t.Errorf("healthcheck %+v", h)
	}

	files := map[string]*tar.Header{}
	bodies := map[string][]byte{}
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files[strings.TrimSuffix(hdr.Name, "/")] = hdr
		if hdr.Typeflag == tar.TypeReg && hdr.Size < 1<<16 {
			bodies[hdr.Name], _ = io.ReadAll(tr)
		}
	}
	if e := files["opt/appsmith/entrypoint.sh"]; e == nil || e.Mode&0o111 == 0 || e.Size < 1<<20 {
		t.Errorf("entrypoint: %+v", e)
	}
	for _, l := range []string{"usr/bin/supervisorctl", "usr/bin/appsmithctl", "usr/bin/mongodump", "usr/bin/mongorestore", "usr/bin/mongosh", "opt/appsmith/healthcheck"} {
		if h := files[l]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "/opt/appsmith/entrypoint.sh" {
			t.Errorf("%s: %+v", l, h)
		}
	}
	if d := files["tmp"]; d == nil || d.Mode&0o1777 != 0o1777 {
		t.Errorf("tmp: %+v", d)
	}
	if d := files["appsmith-stacks"]; d == nil || d.Typeflag != tar.TypeDir {
		t.Errorf("appsmith-stacks: %+v", d)
	}
	var info spec.Info
	if err := json.Unmarshal(bodies["opt/appsmith/info.json"], &info); err != nil || info.Version != "v1.99" || info.CommitSha == "" || info.ImageBuiltAt == "" {
		t.Errorf("info.json %s: %v", bodies["opt/appsmith/info.json"], err)
	}
	var cfg spec.Config
	if err := json.Unmarshal(bodies["opt/standin/config.json"], &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg != (spec.Config{BootDelay: "250ms", Fault: spec.FaultNeverHealthy, MongoVersion: "6.0"}) {
		t.Errorf("config.json = %+v", cfg)
	}
}

func TestBuildImageIsDeterministic(t *testing.T) {
	a := Image{Repo: "appsmith/appsmith-ce", Tag: "latest", Version: "v2.0.1"}
	d1, _ := BuildImage(t, a).Digest()
	// Forgetting the cached image and building again must give the same bytes.
	images.mu.Lock()
	delete(images.built, a)
	images.mu.Unlock()
	d2, _ := BuildImage(t, a).Digest()
	if d1 != d2 {
		t.Errorf("rebuilding changed the digest: %s → %s", d1, d2)
	}
	// latest and v2.0.1 of one repository are the same image, as in a real registry.
	if d, _ := BuildImage(t, Image{Repo: "appsmith/appsmith-ce", Tag: "v2.0.1"}).Digest(); d != d1 {
		t.Errorf("latest → v2.0.1 is a different image: %s vs %s", d, d1)
	}
	if d, _ := BuildImage(t, Image{Repo: "appsmith/appsmith-ee", Tag: "v2.0.1"}).Digest(); d == d1 {
		t.Errorf("CE and EE images share a digest")
	}
	l1, _ := BuildImage(t, a).Layers()
	l3, _ := BuildImage(t, Image{Repo: "faults/crash", Tag: "v1.9.2", Fault: spec.FaultCrash}).Layers()
	b1, _ := l1[0].Digest()
	b3, _ := l3[0].Digest()
	if b1 != b3 {
		t.Errorf("the program layer differs between images: %s vs %s", b1, b3)
	}
}

func TestImageValidation(t *testing.T) {
	for _, img := range []Image{
		{Repo: "x", Tag: "latest"},                      // no version
		{Repo: "x", Tag: "v1.9.2", Fault: "explode"},    // unknown fault
		{Repo: "x", Tag: "v1.9.2", MongoVersion: "new"}, // bad MongoDB version
	} {
		if _, err := buildImage(StandinBinary(t), img); err == nil {
			t.Errorf("%+v accepted", img)
		}
	}
}

func TestRegistryPushAndStandardSet(t *testing.T) {
	reg := StartRegistry(t)
	refs := StandardImages(t, reg)
	if len(refs) != 20 {
		t.Errorf("%d standard images, want 20: %v", len(refs), refs)
	}
	for _, want := range []string{"appsmith/appsmith-ce:v1.8.15", "appsmith/appsmith-ee:latest", "faults/illegal-instruction:v1.9.2"} {
		if refs[want] != reg.Host()+"/"+want {
			t.Errorf("ref for %s = %q", want, refs[want])
		}
	}
	ref, err := name.ParseReference(refs["appsmith/appsmith-ee:latest"], name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	// The registry serves the built image with its own label and the same layers.
	built := BuildImage(t, Image{Repo: "appsmith/appsmith-ee", Tag: "latest", Version: LatestVersion})
	if got, want := layerDigests(t, pulled), layerDigests(t, built); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("registry serves layers %v, built %v", got, want)
	}
	cf, err := pulled.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if l := cf.Config.Labels; len(l) != 1 || l[RegistryLabel] != reg.Host() {
		t.Errorf("served labels %v, want only %s=%s", l, RegistryLabel, reg.Host())
	}
	wantCf, _ := built.ConfigFile()
	cf.Config.Labels = nil
	if !reflect.DeepEqual(cf, wantCf) {
		t.Errorf("served config %+v differs from the built %+v beyond the label", cf, wantCf)
	}

	// Another registry's copy is another image, so the engine keeps the
	// two apart and one test's cleanup cannot remove another test's image.
	other := StartRegistry(t)
	oref, err := name.ParseReference(other.Push(t, Image{Repo: "appsmith/appsmith-ee", Tag: "latest", Version: LatestVersion}), name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	opulled, err := remote.Image(oref)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := pulled.ConfigName()
	d2, _ := opulled.ConfigName()
	if d1 == d2 {
		t.Errorf("two registries serve the same image ID %s", d1)
	}
}

func layerDigests(t *testing.T, img v1.Image) []string {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var ds []string
	for _, l := range ls {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d.String())
	}
	return ds
}

func TestStandinBinaryIsCached(t *testing.T) {
	p1 := StandinBinary(t)
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := sourceHash(root)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := cacheDir()
	if p2, err := buildStandin(); err != nil || p2 != p1 || p1 != filepath.Join(dir, "standin-"+sum+"-linux-"+runtime.GOARCH) {
		t.Errorf("second build: %q %v; first %q", p2, err, p1)
	}
}

// Every standard release bakes in the MongoDB its real image ships.
func TestStandardVersions(t *testing.T) {
	want := map[string]string{"v1.8.15": "4.4", "v1.9.1": "5.0", "v1.9.2": "5.0", "v1.9.38": "5.0", "v1.99": "6.0", "v2.0.1": "7.0", "v2.2.0": "7.0"}
	if len(StandardVersions) != len(want) {
		t.Errorf("StandardVersions = %v", StandardVersions)
	}
	for _, v := range StandardVersions {
		cfg, err := Image{Repo: "appsmith/appsmith-ce", Tag: v}.standinConfig()
		if err != nil || cfg.MongoVersion != want[v] {
			t.Errorf("%s: MongoDB %q (%v), want %s", v, cfg.MongoVersion, err, want[v])
		}
	}
}

// A faulty tag lives beside the good ones in one repository, so a test can
// upgrade by changing only the tag.
func TestFaultTagInTheSameRepository(t *testing.T) {
	reg := StartRegistry(t)
	good := reg.Push(t, Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	bad := reg.Push(t, Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38", Fault: spec.FaultCorruptOnStart})
	if strings.TrimSuffix(good, ":v1.9.2") != strings.TrimSuffix(bad, ":v1.9.38") {
		t.Fatalf("different repositories: %s, %s", good, bad)
	}
	repo, err := name.NewRepository(reg.Host()+"/appsmith/appsmith-ce", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(repo)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tags, ",") != "v1.9.2,v1.9.38" {
		t.Errorf("tags %v", tags)
	}
	for ref, fault := range map[string]string{good: "", bad: spec.FaultCorruptOnStart} {
		r, err := name.ParseReference(ref, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		img, err := remote.Image(r)
		if err != nil {
			t.Fatal(err)
		}
		var cfg spec.Config
		readImageFile(t, img, "opt/standin/config.json", &cfg)
		if cfg.Fault != fault {
			t.Errorf("%s: fault %q, want %q", ref, cfg.Fault, fault)
		}
	}
}

func readImageFile(t *testing.T, img v1.Image, path string, v any) {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatalf("%s not in the image", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == path {
			if err := json.NewDecoder(tr).Decode(v); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
}
