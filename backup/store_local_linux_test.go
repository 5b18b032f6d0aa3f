package backup

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLocalStoreDiskFull fills a real small file system: the partial archive
// is removed and the error says where, how much was written and how much is
// free.
func TestLocalStoreDiskFull(t *testing.T) {
	dir := smallFS(t)
	ctx := context.Background()
	s, _ := OpenStore(ctx, dir, S3Options{})
	name := archiveName(t0)
	up, err := s.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Abort()
	chunk := bytes.Repeat([]byte{0xa5}, 64<<10)
	var werr error
	for i := 0; i < 200 && werr == nil; i++ { // 12.5 MiB into 2 MiB
		_, werr = up.Write(chunk)
	}
	if werr == nil {
		werr = up.Commit()
	}
	var ns *NoSpaceError
	if !errors.Is(werr, ErrNoSpace) || !errors.As(werr, &ns) {
		t.Fatalf("writing past a full disk: %v, want a NoSpaceError", werr)
	}
	msg := werr.Error()
	t.Log(msg)
	for _, want := range []string{filepath.Join(dir, name), "free in " + dir, "needs more than"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if ns.Written <= 0 || ns.Free == 0 {
		t.Errorf("NoSpaceError{Written: %d, Free: %d}: want both measured", ns.Written, ns.Free)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("after a full disk dir holds %q, want the partial file removed", got)
	}
	if _, err := up.Write(chunk); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("Write after the failure: %v, want the same error", err)
	}
	if err := up.Commit(); !errors.Is(err, ErrNoSpace) {
		t.Fatalf("Commit after the failure: %v, want the same error", err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("dir holds %q", got)
	}
}

// smallFS mounts a 2 MiB tmpfs, which needs root; without it the test is
// skipped (TestLocalStoreFileTooLarge covers the same path unprivileged).
func smallFS(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=2m,mode=0700"); err != nil {
		t.Skipf("cannot mount a small tmpfs (%v): run as root", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			out, _ := exec.Command("umount", "-l", dir).CombinedOutput()
			t.Logf("unmount %s: %v %s", dir, err, out)
		}
	})
	return dir
}
