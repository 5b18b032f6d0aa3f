//go:build linux

package fsutil

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// wideDeepTree has many directories at several depths, some read-only and
// each with its own mtime: what the walkers share out between them, and
// what a parent must get only after all of its children.
func wideDeepTree(t *testing.T, root string) {
	t.Helper()
	old := time.Date(2021, 5, 6, 7, 8, 9, 0, time.UTC)
	var dirs []string
	for a := range 6 {
		for b := range 6 {
			for c := range 4 {
				d := filepath.Join(root, fmt.Sprintf("a%d", a), fmt.Sprintf("b%d", b), fmt.Sprintf("c%d", c))
				if err := os.MkdirAll(d, 0o755); err != nil {
					t.Fatal(err)
				}
				for f := range 3 {
					if err := os.WriteFile(filepath.Join(d, fmt.Sprint("f", f)), []byte(d+fmt.Sprint(f)), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				dirs = append(dirs, d, filepath.Dir(d), filepath.Dir(filepath.Dir(d)))
			}
		}
	}
	// Deepest first, so setting a child's times does not move its parent's.
	for i := len(dirs) - 1; i >= 0; i-- {
		mode := os.FileMode(0o755)
		if i%7 == 0 {
			mode = 0o555
		}
		if err := os.Chmod(dirs[i], mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range dirs {
		mt := old.Add(time.Duration(len(d)) * time.Minute)
		if err := os.Chtimes(d, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
}

// Walked by several goroutines, a copy and a delta pass are as exact as a
// walk by one: every directory's mode and mtime set after its children.
func TestCopyTreeWalkersKeepEveryDirectory(t *testing.T) {
	ctx := context.Background()
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	openOnCleanup(t, src)
	openOnCleanup(t, dst)
	wideDeepTree(t, src)
	settle()
	first, err := CopyTree(ctx, src, dst, TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, scan(t, src, true), scan(t, dst, true))
	if first.Dirs != 1+6+36+144 || first.Files != 432 {
		t.Errorf("first pass saw %d dirs, %d files: %+v", first.Dirs, first.Files, first)
	}

	// Changes spread over the tree, in read-only directories too.
	for a := range 6 {
		d := filepath.Join(src, fmt.Sprintf("a%d", a), "b3", "c1")
		os.Chmod(d, 0o755)
		if err := os.WriteFile(filepath.Join(d, "f1"), []byte("changed"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "new"), []byte("new"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(src, "a2"), 0o755)
	if err := os.RemoveAll(filepath.Join(src, "a2", "b5")); err != nil {
		t.Fatal(err)
	}
	st, err := CopyTree(ctx, src, dst, TreeOptions{ChangedSince: first.Started})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, scan(t, src, true), scan(t, dst, true))
	if st.CopiedFiles != 12 || st.Removed != 1 {
		t.Errorf("delta copied %d files and removed %d entries, want 12 and 1: %+v", st.CopiedFiles, st.Removed, st)
	}
}
