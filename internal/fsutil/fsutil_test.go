//go:build unix

package fsutil

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// entries lists dir so tests can prove no temporary file was left behind.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	// A umask that would strip nothing and one that would strip everything:
	// the result must be exactly perm either way.
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)

	tests := []struct {
		name     string
		existing []byte // nil: no file before
		oldPerm  os.FileMode
		perm     os.FileMode
		data     []byte
	}{
		{"new secret file", nil, 0, 0o600, []byte("APPSMITH_ENCRYPTION_PASSWORD=x\n")},
		{"replace world-readable file", []byte("old"), 0o644, 0o600, []byte("new")},
		{"replace private with public", []byte("old"), 0o600, 0o644, []byte("pub")},
		{"empty data", []byte("old"), 0o600, 0o600, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "docker.env")
			if tt.existing != nil {
				if err := os.WriteFile(path, tt.existing, tt.oldPerm); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFileAtomic(path, tt.data, tt.perm); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(tt.data) {
				t.Errorf("content = %q, want %q", got, tt.data)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tt.perm {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), tt.perm)
			}
			if names := entries(t, dir); len(names) != 1 || names[0] != "docker.env" {
				t.Errorf("directory holds %q, want only docker.env", names)
			}
		})
	}
}

func TestWriteFileAtomicFailureLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	// Renaming a file over a directory fails after the temp file was written.
	target := filepath.Join(dir, "docker.env")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(target, []byte("secret"), 0o600); err == nil {
		t.Fatal("want an error when the target is a directory")
	}
	if names := entries(t, dir); len(names) != 1 || names[0] != "docker.env" {
		t.Errorf("directory holds %q, want only the untouched target", names)
	}
	if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
		t.Errorf("target directory damaged: %v %v", fi, err)
	}
}

func TestWriteFileAtomicMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "docker.env")
	if err := WriteFileAtomic(path, []byte("x"), 0o600); err == nil {
		t.Fatal("want an error when the directory does not exist")
	}
}

func TestEnsureDir(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)

	root := t.TempDir()
	existing := filepath.Join(root, "existing")
	if err := os.Mkdir(existing, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(existing, 0o750); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		path     string
		perm     os.FileMode
		wantPerm os.FileMode
		wantErr  bool
	}{
		{"new private", filepath.Join(root, "conf"), 0o700, 0o700, false},
		{"new public despite umask", filepath.Join(root, "pub"), 0o755, 0o755, false},
		{"nested with missing parents", filepath.Join(root, "a", "b", "c"), 0o700, 0o700, false},
		{"existing keeps its mode", existing, 0o700, 0o750, false},
		{"a file is refused", file, 0o755, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := EnsureDir(tt.path, tt.perm)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if !fi.IsDir() || fi.Mode().Perm() != tt.wantPerm {
				t.Errorf("got %v, want directory with %v", fi.Mode(), tt.wantPerm)
			}
		})
	}
	// Missing parents get 0755, not the leaf's perm.
	if fi, err := os.Stat(filepath.Join(root, "a")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("parent mode = %v (%v), want 0755", fi.Mode().Perm(), err)
	}
}
