//go:build unix

package fsutil

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data.bin")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	read := func() string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// Streamed in pieces; until Commit readers see the old file, and the
	// only other entry is a temp file IsAtomicTemp recognises (what a crash
	// here would leave).
	a, err := CreateAtomic(path, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(a, strings.NewReader(strings.Repeat("x", 1<<20))); err != nil {
		t.Fatal(err)
	}
	if read() != "old" {
		t.Fatal("target changed before Commit")
	}
	names := entries(t, dir)
	if len(names) != 2 {
		t.Fatalf("entries before commit: %q", names)
	}
	for _, n := range names {
		if n != "data.bin" && !IsAtomicTemp(n) {
			t.Errorf("temp file %q not recognisable", n)
		}
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	a.Abort() // after Commit: nothing
	if got := read(); len(got) != 1<<20 {
		t.Errorf("committed %d bytes", len(got))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode())
	}
	if n := entries(t, dir); len(n) != 1 {
		t.Errorf("left behind: %q", n)
	}

	// Abort and Close without Commit keep the old file and leave nothing.
	for _, drop := range []func(*AtomicFile){
		func(a *AtomicFile) { a.Abort() },
		func(a *AtomicFile) {
			if a.Close() == nil {
				t.Error("Close without Commit reported success")
			}
		},
	} {
		before := read()
		a, err := CreateAtomic(path, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		a.Write([]byte("dropped"))
		drop(a)
		if read() != before {
			t.Error("dropped write replaced the file")
		}
		if n := entries(t, dir); len(n) != 1 {
			t.Errorf("left behind: %q", n)
		}
		if a.Commit() == nil {
			t.Error("Commit after Abort succeeded")
		}
	}
}

func TestIsAtomicTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".docker.env.tmp-123456":             true,
		".appsmith-install.state.json.tmp-9": true,
		"docker.env":                         false,
		".hidden":                            false,
		"file.tmp-1":                         false,
	} {
		if IsAtomicTemp(name) != want {
			t.Errorf("IsAtomicTemp(%q) != %v", name, want)
		}
	}
}
