package install

import (
	"strings"
	"testing"
)

func TestNormalizeVersion(t *testing.T) {
	for in, want := range map[string]string{"1.9.2": "v1.9.2", "v1.9.2": "v1.9.2", "V2.0": "v2.0", "latest": "latest", "Release": "release", " v1.99 ": "v1.99"} {
		if got, err := NormalizeVersion(in); err != nil || got != want {
			t.Errorf("NormalizeVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"1.x", "", "v", "1.9.2-beta", "1..2", "v1.9.2.1", "latest2"} {
		if _, err := NormalizeVersion(bad); err == nil {
			t.Errorf("NormalizeVersion(%q) accepted", bad)
		}
	}
}

func TestImageRefAndExpectedVersion(t *testing.T) {
	o := Defaults()
	o.Edition, o.Version = "ce", "v1.9.2"
	if o.ImageRef() != "appsmith/appsmith-ce:v1.9.2" || o.ExpectedVersion() != "v1.9.2" {
		t.Fatalf("%s %s", o.ImageRef(), o.ExpectedVersion())
	}
	o.Registry = "127.0.0.1:5000/mirror"
	if o.ImageRef() != "127.0.0.1:5000/mirror/appsmith/appsmith-ce:v1.9.2" {
		t.Fatal(o.ImageRef())
	}
	o.Version = "latest"
	if o.ExpectedVersion() != "" {
		t.Fatal("a floating tag must accept any version")
	}
	o.Image = "registry.local:5000/appsmith/appsmith-ee:v2.0.1"
	if o.ImageRef() != o.Image || o.ExpectedVersion() != "v2.0.1" {
		t.Fatalf("%s %s", o.ImageRef(), o.ExpectedVersion())
	}
	o.Image = "registry.local:5000/appsmith/appsmith-ee@sha256:" + strings.Repeat("a", 64)
	if o.ExpectedVersion() != "" {
		t.Fatal("a digest has no version to expect")
	}
}

func TestRedactURL(t *testing.T) {
	got := redactURL("mongodb://appsmith:s3cret@db:27017/appsmith")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "db:27017") {
		t.Fatal(got)
	}
}
