package state

import (
	"errors"
	"os"
	"reflect"
	"strings"
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
	in.Schema = SchemaVersion
	if !reflect.DeepEqual(out, in) {
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

func TestSchemaAndHistory(t *testing.T) {
	dir := t.TempDir()
	in := &State{Dir: dir, Version: "v1.9.38", History: []Revision{{At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Operation: "upgrade v1.9.2 → v1.9.38", Version: "v1.9.2", Image: "appsmith/appsmith-ce:v1.9.2", ImageID: "sha256:1",
		Container: "appsmith-previous", RollbackPoint: dir + "/backups/pre-upgrade"}}}
	if err := Save(dir, in); err != nil {
		t.Fatal(err)
	}
	out, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if out.Schema != SchemaVersion || len(out.History) != 1 || out.History[0] != in.History[0] {
		t.Fatalf("round trip: %+v", out)
	}
	// A file of a newer installer is refused by name, even with fields this
	// build does not know.
	os.WriteFile(Path(dir), []byte("schema: 9\nversion: v3.0\nsomething_new: {a: 1}\n"), 0o644)
	_, err = Load(dir)
	var newer *NewerSchemaError
	if !errors.As(err, &newer) || newer.Schema != 9 || !strings.Contains(err.Error(), "newer appsmith-install") {
		t.Fatalf("newer file: %v", err)
	}
	// Files from before schemas existed read as they always did.
	os.WriteFile(Path(dir), []byte("version: v1.9.2\ncontainer: appsmith\n"), 0o644)
	if s, err := Load(dir); err != nil || s.Version != "v1.9.2" {
		t.Fatalf("old file: %+v %v", s, err)
	}
}
