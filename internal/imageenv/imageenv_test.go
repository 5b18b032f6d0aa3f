package imageenv

import (
	"os"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	root := t.TempDir()
	im := Image{Provider: AWS, Edition: "ce", Version: "v1.9.38", Reference: "127.0.0.1:5000/appsmith/appsmith-ce@sha256:" + strings.Repeat("a", 64)}
	if err := Write(root, im); err != nil {
		t.Fatal(err)
	}
	got, err := Read(root)
	if err != nil || got != im {
		t.Fatalf("Read = %+v, %v; want %+v", got, err, im)
	}
	fi, err := os.Stat(File(root))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
}

func TestCheckNamesTheKey(t *testing.T) {
	for key, im := range map[string]Image{
		"APPSMITH_PROVIDER": {Provider: "gcp", Edition: "ce", Version: "v1", Reference: "r@sha256:" + strings.Repeat("a", 64)},
		"APPSMITH_EDITION":  {Provider: AWS, Edition: "xx", Version: "v1", Reference: "r@sha256:" + strings.Repeat("a", 64)},
		"APPSMITH_VERSION":  {Provider: AWS, Edition: "ee", Reference: "r@sha256:" + strings.Repeat("a", 64)},
		"APPSMITH_IMAGE":    {Provider: AWS, Edition: "ee", Version: "v1", Reference: "r:v1"},
	} {
		if err := Write(t.TempDir(), im); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: err = %v", key, err)
		}
	}
}
