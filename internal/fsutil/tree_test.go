//go:build linux

package fsutil

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestCopyTreeIsExact(t *testing.T) {
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	openOnCleanup(t, dst)
	n := treeSize(3000)
	makeTree(t, src, n)
	want := scan(t, src, true)
	st, err := CopyTree(context.Background(), src, dst, TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, want, scan(t, dst, true))
	if st.CopiedFiles != st.Files+st.Symlinks || st.CopiedBytes != st.Bytes || st.Files < int64(n) || st.Removed != 0 {
		t.Errorf("stats of a first copy: %+v", st)
	}
	// The source is left as it was (nothing followed, nothing touched).
	sameTree(t, want, scan(t, src, true))
}

func TestCopyTreeDeltaPass(t *testing.T) {
	ctx := context.Background()
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	openOnCleanup(t, dst)
	makeTree(t, src, treeSize(2000))
	settle()
	first, err := CopyTree(ctx, src, dst, TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// Nothing changed: nothing moves, nothing is even touched.
	st, err := CopyTree(ctx, src, dst, TreeOptions{ChangedSince: first.Started})
	if err != nil {
		t.Fatal(err)
	}
	if st.CopiedFiles != 0 || st.CopiedBytes != 0 || st.Updated != 0 || st.Removed != 0 {
		t.Errorf("delta over an unchanged tree moved something: %+v", st)
	}

	// Every kind of change.
	p := func(rel string) string { return filepath.Join(src, rel) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(p("d00/sub0/f00000"), []byte("new content"), 0o644)) // content
	must(os.WriteFile(p("added"), []byte("a new file"), 0o600))            // added
	must(os.MkdirAll(p("new-dir/deep"), 0o700))                            // added dir
	must(os.WriteFile(p("new-dir/deep/x"), []byte("x"), 0o644))
	must(os.Remove(p("d01/sub1/f00001")))                    // removed file
	must(os.RemoveAll(p("d03")))                             // removed dir
	must(os.Remove(p("d04/sub4/f00004")))                    // file -> symlink
	must(os.Symlink("../../big.bin", p("d04/sub4/f00004")))  //
	must(os.RemoveAll(p("d05")))                             // dir -> file
	must(os.WriteFile(p("d05"), []byte("was a dir"), 0o644)) //
	must(os.Remove(p("dangling")))                           // symlink -> dir
	must(os.Mkdir(p("dangling"), 0o711))                     //
	must(os.Remove(p("rel-link")))                           // link target
	must(os.Symlink("d00/sub0/f00030", p("rel-link")))       //
	must(os.Chmod(p("d06/sub6/f00006"), 0o600))              // mode only
	mt := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)        //
	must(os.Chtimes(p("d07/sub7/f00007"), mt, mt))           // mtime only
	if os.Geteuid() == 0 {
		must(os.Chown(p("d08/sub8/f00008"), 4321, 4321)) // owner only
	}
	want := scan(t, src, true)

	st, err = CopyTree(ctx, src, dst, TreeOptions{ChangedSince: first.Started})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, want, scan(t, dst, true))
	// Copied: the changed file, added (2), mtime-only (quick check cannot
	// tell), the new symlink(s), the new d05 file; nothing else.
	if st.CopiedFiles > 10 || st.CopiedBytes > 1<<16 {
		t.Errorf("delta copied too much: %+v", st)
	}
	if st.Removed < 4 {
		t.Errorf("delta removed %d entries, want at least 4: %+v", st.Removed, st)
	}
	t.Logf("delta: %+v", st)
}

// The quick check trusts size and mtime, as rsync does; ChangedSince (the
// ctime) and Checksum close the gap.
func TestCopyTreeSameSizeSameMtime(t *testing.T) {
	ctx := context.Background()
	src, dst := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "dst")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Mkdir(src, 0o755))
	f := filepath.Join(src, "f")
	must(os.WriteFile(f, []byte("aaaa"), 0o644))
	mt := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	must(os.Chtimes(f, mt, mt))
	first, err := CopyTree(ctx, src, dst, TreeOptions{})
	must(err)
	rewrite := func(s string) {
		must(os.WriteFile(f, []byte(s), 0o644))
		must(os.Chtimes(f, mt, mt)) // the mtime set back
	}
	content := func() string {
		b, err := os.ReadFile(filepath.Join(dst, "f"))
		must(err)
		return string(b)
	}

	rewrite("bbbb")
	_, err = CopyTree(ctx, src, dst, TreeOptions{})
	must(err)
	if content() != "aaaa" {
		t.Fatalf("quick check alone saw the change: the documented limit is wrong")
	}
	_, err = CopyTree(ctx, src, dst, TreeOptions{ChangedSince: first.Started})
	must(err)
	if content() != "bbbb" {
		t.Errorf("ChangedSince missed a rewrite under the same size and mtime")
	}
	rewrite("cccc")
	_, err = CopyTree(ctx, src, dst, TreeOptions{Checksum: true})
	must(err)
	if content() != "cccc" {
		t.Errorf("Checksum missed a rewrite under the same size and mtime")
	}
}

func TestRestoreTree(t *testing.T) {
	ctx := context.Background()
	target, snap := filepath.Join(t.TempDir(), "stacks"), filepath.Join(t.TempDir(), "snap")
	openOnCleanup(t, snap)
	makeTree(t, target, treeSize(2000))
	settle()
	want := scan(t, target, true)
	st, err := CopyTree(ctx, target, snap, TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// What an upgrade may do: rewrite (same size, same mtime), add, remove,
	// retype, chmod.
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p := func(rel string) string { return filepath.Join(target, rel) }
	fi, _ := os.Stat(p("big.bin"))
	fh, err := os.OpenFile(p("big.bin"), os.O_WRONLY, 0)
	must(err)
	_, err = fh.WriteAt([]byte("CORRUPT"), 1000)
	must(err)
	must(fh.Close())
	must(os.Chtimes(p("big.bin"), fi.ModTime(), fi.ModTime()))
	must(os.WriteFile(p("d00/new"), []byte("added by the upgrade"), 0o644))
	must(os.RemoveAll(p("d09")))
	must(os.Remove(p("dir-link")))
	must(os.Mkdir(p("dir-link"), 0o755))
	must(os.Chmod(p("sticky"), 0o755))

	// A restore killed part way (here: cancelled after a few files) leaves a
	// mix; running it again converges.
	cctx, cancel := context.WithCancel(ctx)
	_, err = RestoreTree(cctx, snap, target, TreeOptions{DstChangedSince: st.Finished, Workers: 1,
		Progress: func(Progress) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled restore: %v", err)
	}
	rs, err := RestoreTree(ctx, snap, target, TreeOptions{DstChangedSince: st.Finished})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, want, scan(t, target, true))
	if rs.CopiedBytes > 6<<20 || rs.CopiedFiles > 1000 {
		t.Errorf("restore moved more than the change: %+v", rs)
	}
	t.Logf("restore: %+v", rs)
}

func TestCopyTreeRefusesOverlap(t *testing.T) {
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o644)
	for _, dst := range []string{src, filepath.Join(src, "inside"), filepath.Dir(src)} {
		if _, err := CopyTree(context.Background(), src, dst, TreeOptions{}); err == nil {
			t.Errorf("copy %s into %s: no error", src, dst)
		}
	}
	if _, err := os.Stat(filepath.Join(src, "inside")); err == nil {
		t.Errorf("a refused copy created its destination")
	}
}

func TestCopyTreeSkipsSpecialFiles(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "dst")
	if err := syscall.Mkfifo(filepath.Join(src, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "f"), []byte("x"), 0o644)
	st, err := CopyTree(context.Background(), src, dst, TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != 1 {
		t.Errorf("skipped %d, want 1", st.Skipped)
	}
	if _, err := os.Lstat(filepath.Join(dst, "fifo")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("fifo copied: %v", err)
	}
	// A file where the source now has a fifo is removed.
	os.Remove(filepath.Join(src, "fifo"))
	os.WriteFile(filepath.Join(dst, "fifo"), []byte("stale"), 0o644)
	syscall.Mkfifo(filepath.Join(src, "fifo"), 0o644)
	if _, err := CopyTree(context.Background(), src, dst, TreeOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dst, "fifo")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale entry kept where the source has a fifo: %v", err)
	}
}

// A file the walk saw, replaced by a symlink (or a fifo) before its copy
// starts: the copy neither follows the link out of the tree nor blocks.
func TestCopyFileReplacedDuringWalk(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("not part of the tree"), 0o600)
	for _, replace := range []func(p string) error{
		func(p string) error { return os.Symlink(outside, p) },
		func(p string) error { return syscall.Mkfifo(p, 0o644) },
	} {
		p := filepath.Join(src, "f")
		os.RemoveAll(p)
		os.WriteFile(p, []byte("x"), 0o644)
		fi, _ := os.Lstat(p)
		os.Remove(p)
		if err := replace(p); err != nil {
			t.Fatal(err)
		}
		root, err := os.OpenRoot(src)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		c := &treeCopy{src: src, dst: dst, srcRoot: root, syncs: map[string]bool{}}
		for _, compare := range []bool{false, true} {
			if err := c.copyFile(fileJob{rel: "f", fi: fi, compare: compare}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Lstat(filepath.Join(dst, "f")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("copied something: %v", err)
		}
	}
}
