//go:build linux

package fsutil

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tarTree archives root the way a backup would: every entry, root as ".",
// links as links, PAX for nanosecond times and long odd names.
func tarTree(t testing.TB, root string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode().Type() == fs.ModeSymlink {
			link, _ = os.Readlink(p)
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		hdr.Name = filepath.ToSlash(rel)
		if fi.IsDir() && rel != "." {
			hdr.Name += "/"
		}
		hdr.Format = tar.FormatPAX
		hdr.Uname, hdr.Gname = "", ""
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(data)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hdrs builds an archive from headers; a regular file's content is its
// Linkname field (then cleared), so a table can say it in one line.
func hdrs(t testing.TB, hs ...tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hs {
		var body []byte
		if h.Typeflag == tar.TypeReg {
			body = []byte(h.Linkname)
			h.Linkname = ""
			if h.Size == 0 {
				h.Size = int64(len(body))
			}
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if int64(len(body)) == h.Size {
			tw.Write(body)
		}
	}
	tw.Flush()
	return buf.Bytes()
}

func TestExtractTarRoundTrip(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	n := treeSize(1500)
	makeTree(t, src, n)
	want := scan(t, src, false)
	dst := t.TempDir()
	openOnCleanup(t, dst)
	st, err := ExtractTar(context.Background(), bytes.NewReader(tarTree(t, src)), dst,
		ExtractOptions{AllowSetuid: true, KeepOwners: true, AllowAbsoluteSymlinks: true})
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, want, scan(t, dst, false))
	if st.Entries < int64(n) {
		t.Errorf("stats: %+v", st)
	}
}

func TestExtractTarRefuses(t *testing.T) {
	reg := func(name, body string) tar.Header {
		return tar.Header{Typeflag: tar.TypeReg, Name: name, Linkname: body}
	}
	sym := func(name, target string) tar.Header {
		return tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777}
	}
	hard := func(name, target string) tar.Header {
		return tar.Header{Typeflag: tar.TypeLink, Name: name, Linkname: target}
	}
	dir := func(name string) tar.Header { return tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755} }
	many := make([]tar.Header, 11)
	for i := range many {
		many[i] = reg(strings.Repeat("x", i+1), "")
	}
	tests := []struct {
		name    string
		archive []tar.Header
		opt     ExtractOptions
		want    string // part of the error
	}{
		{"zip-slip", []tar.Header{reg("../outside/evil", "x")}, ExtractOptions{}, `".."`},
		{"zip-slip in the middle", []tar.Header{dir("a/"), reg("a/../../outside/evil", "x")}, ExtractOptions{}, `".."`},
		{"absolute name", []tar.Header{reg("/tmp/evil", "x")}, ExtractOptions{}, "absolute"},
		{"absolute symlink", []tar.Header{sym("l", "/etc")}, ExtractOptions{}, "absolute"},
		{"file through an allowed absolute symlink", []tar.Header{sym("l", "/tmp"), reg("l/evil", "x")}, ExtractOptions{AllowAbsoluteSymlinks: true}, "not a directory"},
		{"symlink out", []tar.Header{sym("l", "../outside")}, ExtractOptions{}, "leads out"},
		{"symlink out from below", []tar.Header{dir("a/"), sym("a/l", "../../outside")}, ExtractOptions{}, "leads out"},
		{"file through a symlink out", []tar.Header{sym("l", "../outside"), reg("l/evil", "x")}, ExtractOptions{}, "leads out"},
		{"file through a symlink inside", []tar.Header{dir("d/"), sym("l", "d"), reg("l/evil", "x")}, ExtractOptions{}, "not a directory"},
		{"overwrite through a symlink", []tar.Header{reg("f", "x"), sym("l", "f"), reg("l", "y")}, ExtractOptions{}, "already exists"},
		{"symlink out through another link", []tar.Header{dir("d/"), sym("d/up", ".."), sym("x", "d/up/.."), reg("ok", "1")}, ExtractOptions{}, "leads out"},
		{"hard link out", []tar.Header{hard("h", "../outside/sentinel")}, ExtractOptions{}, `".."`},
		{"hard link absolute", []tar.Header{hard("h", "/etc/passwd")}, ExtractOptions{}, "absolute"},
		{"hard link to a symlink", []tar.Header{sym("l", "."), hard("h", "l")}, ExtractOptions{}, "not a regular file"},
		{"hard link through a symlink", []tar.Header{dir("d/"), reg("d/f", "x"), sym("l", "d"), hard("h", "l/f")}, ExtractOptions{}, "not a directory"},
		{"hard link to nothing", []tar.Header{hard("h", "missing")}, ExtractOptions{}, "not a regular file"},
		{"device", []tar.Header{{Typeflag: tar.TypeChar, Name: "null", Devmajor: 1, Devminor: 3}}, ExtractOptions{}, "special"},
		{"block device", []tar.Header{{Typeflag: tar.TypeBlock, Name: "sda", Devmajor: 8}}, ExtractOptions{}, "special"},
		{"fifo", []tar.Header{{Typeflag: tar.TypeFifo, Name: "p"}}, ExtractOptions{}, "special"},
		{"huge declared size", []tar.Header{{Typeflag: tar.TypeReg, Name: "big", Size: 1 << 40}}, ExtractOptions{MaxFileBytes: 1 << 20}, "per file"},
		{"total over the limit", []tar.Header{reg("a", strings.Repeat("a", 60)), reg("b", strings.Repeat("b", 60))}, ExtractOptions{MaxBytes: 100}, "limit of 100 bytes"},
		{"too many entries", many, ExtractOptions{MaxEntries: 10}, "more than 10 entries"},
		{"duplicate entry", []tar.Header{reg("f", "first"), reg("f", "second")}, ExtractOptions{}, "already exists"},
		{"file over a dir", []tar.Header{dir("d/"), reg("d", "x")}, ExtractOptions{}, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			dst, outside := filepath.Join(base, "dst"), filepath.Join(base, "outside")
			os.Mkdir(dst, 0o755)
			os.Mkdir(outside, 0o755)
			os.WriteFile(filepath.Join(outside, "sentinel"), []byte("keep"), 0o644)
			_, err := ExtractTar(context.Background(), bytes.NewReader(hdrs(t, tt.archive...)), dst, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one saying %q", err, tt.want)
			}
			noEscape(t, base)
		})
	}
}

// noEscape checks that nothing was written next to dst, the sentinel is
// intact, and no symlink left in dst leads out of it.
func noEscape(t testing.TB, base string) {
	t.Helper()
	ents, _ := os.ReadDir(base)
	for _, e := range ents {
		if n := e.Name(); n != "dst" && n != "outside" {
			t.Errorf("written outside dst: %s", n)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(base, "outside")); len(ents) > 1 {
		t.Errorf("written into outside/: %d entries", len(ents))
	}
	if b, err := os.ReadFile(filepath.Join(base, "outside", "sentinel")); err != nil || string(b) != "keep" {
		t.Errorf("sentinel changed: %q %v", b, err)
	}
	root, err := os.OpenRoot(filepath.Join(base, "dst"))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	filepath.WalkDir(filepath.Join(base, "dst"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(filepath.Join(base, "dst"), p)
		switch d.Type() {
		case fs.ModeSymlink:
			if l, _ := os.Readlink(p); strings.HasPrefix(l, "/") {
				// Only with AllowAbsoluteSymlinks; what matters then is
				// that nothing was written through it (checked above).
				return nil
			}
			if _, err := root.Stat(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("symlink %s leads out: %v", rel, err)
			}
		case fs.ModeDevice, fs.ModeCharDevice, fs.ModeNamedPipe, fs.ModeSocket:
			t.Errorf("special file %s", rel)
		}
		return nil
	})
}

func TestExtractTarModes(t *testing.T) {
	dst := t.TempDir()
	openOnCleanup(t, dst)
	mt := time.Date(2023, 5, 6, 7, 8, 9, 0, time.UTC)
	archive := hdrs(t,
		tar.Header{Typeflag: tar.TypeDir, Name: "ro/", Mode: 0o555, ModTime: mt},
		tar.Header{Typeflag: tar.TypeReg, Name: "ro/suid", Mode: 0o4755, Linkname: "x", ModTime: mt},
		tar.Header{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777},
		tar.Header{Typeflag: tar.TypeReg, Name: "implicit/parent/f", Mode: 0o400, Linkname: "y"},
	)
	if _, err := ExtractTar(context.Background(), bytes.NewReader(archive), dst, ExtractOptions{}); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]fs.FileMode{
		"ro":                fs.ModeDir | 0o555,
		"ro/suid":           0o755, // setuid dropped
		"tmp":               fs.ModeDir | fs.ModeSticky | 0o777,
		"implicit/parent":   fs.ModeDir | 0o700,
		"implicit/parent/f": 0o400,
	} {
		fi, err := os.Lstat(filepath.Join(dst, rel))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", rel, fi.Mode(), want)
		}
		if rel == "ro" || rel == "ro/suid" {
			if !fi.ModTime().Equal(mt) {
				t.Errorf("%s: mtime %v, want %v", rel, fi.ModTime(), mt)
			}
		}
	}
	// Nothing already in dst is replaced.
	dst2 := t.TempDir()
	os.WriteFile(filepath.Join(dst2, "f"), []byte("mine"), 0o600)
	if _, err := ExtractTar(context.Background(), bytes.NewReader(hdrs(t, tar.Header{Typeflag: tar.TypeReg, Name: "f", Linkname: "theirs"})), dst2, ExtractOptions{}); err == nil {
		t.Error("an existing file was replaced")
	}
	if b, _ := os.ReadFile(filepath.Join(dst2, "f")); string(b) != "mine" {
		t.Errorf("existing file now %q", b)
	}
}

func FuzzExtractTar(f *testing.F) {
	f.Add(hdrs(f, tar.Header{Typeflag: tar.TypeDir, Name: "d/"}, tar.Header{Typeflag: tar.TypeReg, Name: "d/f", Linkname: "x"},
		tar.Header{Typeflag: tar.TypeSymlink, Name: "l", Linkname: "d/f"}, tar.Header{Typeflag: tar.TypeLink, Name: "h", Linkname: "d/f"}))
	f.Add(hdrs(f, tar.Header{Typeflag: tar.TypeSymlink, Name: "l", Linkname: "../outside"}, tar.Header{Typeflag: tar.TypeReg, Name: "l/x", Linkname: "x"}))
	f.Add(hdrs(f, tar.Header{Typeflag: tar.TypeDir, Name: "d/"}, tar.Header{Typeflag: tar.TypeSymlink, Name: "d/up", Linkname: ".."},
		tar.Header{Typeflag: tar.TypeSymlink, Name: "x", Linkname: "d/up/.."}))
	f.Add(hdrs(f, tar.Header{Typeflag: tar.TypeReg, Name: "../evil", Linkname: "x"}))
	f.Add(hdrs(f, tar.Header{Typeflag: tar.TypeLink, Name: "h", Linkname: "../outside/sentinel"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		base := t.TempDir()
		os.Mkdir(filepath.Join(base, "dst"), 0o755)
		os.Mkdir(filepath.Join(base, "outside"), 0o755)
		os.WriteFile(filepath.Join(base, "outside", "sentinel"), []byte("keep"), 0o644)
		ExtractTar(context.Background(), bytes.NewReader(data), filepath.Join(base, "dst"),
			ExtractOptions{MaxEntries: 100, MaxBytes: 1 << 20, MaxFileBytes: 1 << 20, NoSync: true})
		noEscape(t, base)
	})
}
