package state

import (
	"errors"
	"os"
	"testing"
	"time"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); !errors.Is(err, ErrNoState) {
		t.Fatalf("Load of empty dir: got %v, want ErrNoState", err)
	}
	in := &State{InstallerVersion: "1.0.0", InstalledAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Dir: dir, Container: "appsmith", Image: "appsmith/appsmith-ee:v1.9.2", Version: "v1.9.2",
		HTTPPort: 80, HTTPSPort: 443, BindAddress: "0.0.0.0", Database: "embedded", Redis: "embedded"}
	if err := Save(dir, in); err != nil {
		t.Fatal(err)
	}
	out, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if *out != *in {
		t.Fatalf("round trip: got %+v, want %+v", out, in)
	}
}

func TestLoadRejectsUnknownKeys(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(Path(dir), []byte("container: x\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir); err == nil {
		t.Fatal("Load accepted an unknown key")
	}
}
