//go:build linux

package fsutil

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// entry is everything CopyTree promises to keep about one path.
type entry struct {
	typ    fs.FileMode
	mode   uint32 // permission bits with setuid, setgid, sticky
	uid    uint32
	gid    uint32
	size   int64
	mtime  int64
	target string // symlink target
	sum    [32]byte
}

func (e entry) String() string {
	return fmt.Sprintf("type=%v mode=%#o owner=%d:%d size=%d mtime=%d target=%q sum=%x", e.typ, e.mode, e.uid, e.gid, e.size, e.mtime, e.target, e.sum[:4])
}

// scan walks root without following links and records every entry (the root
// itself as ".").
func scan(t testing.TB, root string, withLinkTimes bool) map[string]entry {
	t.Helper()
	m := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		e := entry{typ: fi.Mode().Type(), mode: st.Mode & 0o7777, uid: st.Uid, gid: st.Gid, mtime: fi.ModTime().UnixNano()}
		switch {
		case fi.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.size, e.sum = int64(len(data)), sha256.Sum256(data)
		case fi.Mode().Type() == fs.ModeSymlink:
			e.target, _ = os.Readlink(p)
			e.mode = 0 // a link's own mode means nothing on Linux
			if !withLinkTimes {
				e.mtime = 0
			}
		}
		m[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameTree fails the test with the differences between two scans.
func sameTree(t testing.TB, want, got map[string]entry) {
	t.Helper()
	var diffs []string
	for p, w := range want {
		g, ok := got[p]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("missing %q", p))
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%q:\n  want %v\n  got  %v", p, w, g))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("extra %q", p))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		if len(diffs) > 10 {
			diffs = append(diffs[:10], fmt.Sprintf("... and %d more", len(diffs)-10))
		}
		t.Fatalf("trees differ:\n%s", strings.Join(diffs, "\n"))
	}
}

var oddNames = []string{"with space", "new\nline", "ünïcödé-日本", "-leading-dash", ".hidden", "tab\there", "quote'\"", "back\\slash"}

// makeTree builds a tree of about n files in nested directories, with every
// kind of entry and oddity CopyTree has to keep.
// treeSize is n (thousands of files) in the full suite; `make unit`
// (-short) takes a tenth: the same kinds of entries, less disk time.
func treeSize(n int) int {
	if testing.Short() {
		return max(n/10, 100)
	}
	return n
}

func makeTree(t testing.TB, root string, n int) {
	t.Helper()
	r := rand.New(rand.NewSource(42))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(root, 0o755))
	openOnCleanup(t, root)
	base := time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)
	var dirs []string
	for i := range 30 {
		d := filepath.Join(root, fmt.Sprintf("d%02d", i%10), fmt.Sprintf("sub%d", i))
		must(os.MkdirAll(d, 0o755))
		dirs = append(dirs, d)
	}
	buf := make([]byte, 8192)
	for i := range n {
		d := dirs[i%len(dirs)]
		name := fmt.Sprintf("f%05d", i)
		if i%50 == 0 {
			name = oddNames[(i/50)%len(oddNames)] + fmt.Sprint(i)
		}
		size := r.Intn(len(buf))
		if i%20 == 0 {
			size = 0
		}
		r.Read(buf[:size])
		p := filepath.Join(d, name)
		must(os.WriteFile(p, buf[:size], 0o644))
		mt := base.Add(time.Duration(r.Int63n(int64(1000 * time.Hour))))
		must(os.Chtimes(p, mt, mt))
	}
	big := make([]byte, 5<<20)
	r.Read(big)
	must(os.WriteFile(filepath.Join(root, "big.bin"), big, 0o640))
	must(os.WriteFile(filepath.Join(root, "empty"), nil, 0o644))

	// Odd modes.
	must(os.WriteFile(filepath.Join(root, "readonly"), []byte("ro"), 0o400))
	must(os.WriteFile(filepath.Join(root, "setuid"), []byte("#!/bin/true"), 0o755))
	must(os.Chmod(filepath.Join(root, "setuid"), 0o4755))
	must(os.Mkdir(filepath.Join(root, "setgid-dir"), 0o755))
	must(os.Chmod(filepath.Join(root, "setgid-dir"), 0o2775))
	must(os.WriteFile(filepath.Join(root, "setgid-dir", "f"), []byte("g"), 0o664))
	must(os.Mkdir(filepath.Join(root, "sticky"), 0o755))
	must(os.Chmod(filepath.Join(root, "sticky"), 0o1777))
	must(os.Mkdir(filepath.Join(root, "readonly-dir"), 0o755))
	must(os.WriteFile(filepath.Join(root, "readonly-dir", "inside"), []byte("x"), 0o644))
	must(os.Chmod(filepath.Join(root, "readonly-dir"), 0o555))
	if os.Geteuid() == 0 {
		must(os.Mkdir(filepath.Join(root, "closed-dir"), 0o755))
		must(os.WriteFile(filepath.Join(root, "closed-dir", "secret"), []byte("s"), 0o600))
		must(os.Chmod(filepath.Join(root, "closed-dir"), 0))
		must(os.WriteFile(filepath.Join(root, "owned"), []byte("o"), 0o640))
		must(os.Chown(filepath.Join(root, "owned"), 1234, 5678))
		must(os.Mkdir(filepath.Join(root, "owned-dir"), 0o750))
		must(os.Chown(filepath.Join(root, "owned-dir"), 999, 999))
		must(os.Symlink("owned", filepath.Join(root, "owned-link")))
		must(os.Lchown(filepath.Join(root, "owned-link"), 1234, 1234))
	}

	// Symlinks of every kind; none is followed.
	must(os.Symlink("d00/sub0/f00000", filepath.Join(root, "rel-link")))
	must(os.Symlink("/etc/passwd", filepath.Join(root, "abs-link")))
	must(os.Symlink("does/not/exist", filepath.Join(root, "dangling")))
	must(os.Symlink("d01", filepath.Join(root, "dir-link")))
	must(os.Symlink("../../big.bin", filepath.Join(root, "d02", "sub2", "up-link")))
	must(os.Symlink("/", filepath.Join(root, "root-link")))

	// Directory times last: creating children changed them.
	for i, d := range append(dirs, filepath.Join(root, "sticky")) {
		mt := base.Add(time.Duration(i) * time.Minute)
		must(os.Chtimes(d, mt, mt))
	}
}

// settle waits until the files just made are older than ChangedSince's slack,
// as a real tree is when its first pass starts; otherwise every file counts
// as touched during the pass and is copied again.
func settle() { time.Sleep(stampSlack + 50*time.Millisecond) }

// openOnCleanup lets t.TempDir's cleanup remove the read-only directories a
// test made under root when it does not run as root.
func openOnCleanup(t testing.TB, root string) {
	t.Cleanup(func() {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o700)
			}
			return nil
		})
	})
}
