package instance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func copyFixture(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", "compose", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Only the image reference of the service changes: comments, the other
// service's image, anchors and spacing stay byte for byte; the original is
// kept beside it; the mode is kept.
func TestSetComposeImageKeepsTheRest(t *testing.T) {
	dir := copyFixture(t, "docker-compose.yml")
	file := filepath.Join(dir, "docker-compose.yml")
	orig, _ := os.ReadFile(file)
	ci, err := FindComposeImage(file, "appsmith")
	if err != nil {
		t.Fatal(err)
	}
	if ci.Image != "index.docker.io/appsmith/appsmith-ee:v1.9.2" || ci.Line != 10 || ci.File != file {
		t.Fatalf("%+v", ci)
	}
	at := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	bak, err := ci.SetImage("index.docker.io/appsmith/appsmith-ee:v1.9.38", at)
	if err != nil {
		t.Fatal(err)
	}
	if bak != file+".appsmith-bak-20261201T030000Z" {
		t.Errorf("backup %s", bak)
	}
	if b, _ := os.ReadFile(bak); string(b) != string(orig) {
		t.Error("the backup is not the original")
	}
	got, _ := os.ReadFile(file)
	ol, gl := strings.Split(string(orig), "\n"), strings.Split(string(got), "\n")
	if len(ol) != len(gl) {
		t.Fatalf("line count %d → %d", len(ol), len(gl))
	}
	for i := range ol {
		if i == 9 {
			if gl[i] != "    image: index.docker.io/appsmith/appsmith-ee:v1.9.38   # pinned on purpose" {
				t.Errorf("the image line: %q", gl[i])
			}
			continue
		}
		if ol[i] != gl[i] {
			t.Errorf("line %d changed: %q → %q", i+1, ol[i], gl[i])
		}
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode())
	}
	if ci, err := FindComposeImage(file, "appsmith"); err != nil || ci.Image != "index.docker.io/appsmith/appsmith-ee:v1.9.38" {
		t.Errorf("read back: %+v %v", ci, err)
	}
}

// With an override file, the later file's line is the one compose uses:
// that one is changed, quotes kept; a variable or a missing service is
// refused by name, and nothing is written.
func TestComposeImageOverrideAndRefusals(t *testing.T) {
	dir := copyFixture(t, "docker-compose.yml", "docker-compose.override.yml")
	base, over := filepath.Join(dir, "docker-compose.yml"), filepath.Join(dir, "docker-compose.override.yml")
	ci, err := FindComposeImage(base+","+over, "appsmith")
	if err != nil || ci.File != over {
		t.Fatalf("%+v %v", ci, err)
	}
	if _, err := ci.SetImage("registry.example.com/appsmith/appsmith-ee:v1.9.38", time.Now()); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(over); string(b) != "services:\n  appsmith:\n    image: 'registry.example.com/appsmith/appsmith-ee:v1.9.38'\n" {
		t.Errorf("override now %q", b)
	}

	if _, err := FindComposeImage(base, "nope"); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("missing service: %v", err)
	}
	vars := filepath.Join(dir, "vars.yml")
	os.WriteFile(vars, []byte("services:\n  appsmith:\n    image: appsmith/appsmith-ee:${TAG}\n"), 0o644)
	if _, err := FindComposeImage(vars, "appsmith"); err == nil || !strings.Contains(err.Error(), "variable") || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("a variable: %v", err)
	}
	if _, err := FindComposeImage(filepath.Join(dir, "missing.yml"), "appsmith"); err == nil {
		t.Error("a missing file has an image")
	}
}
