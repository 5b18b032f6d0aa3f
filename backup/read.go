package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strings"
	"syscall"

	"github.com/klauspost/compress/zstd"
)

// maxWindow bounds the memory a zstd frame may ask of the reader: Write uses
// far less, so a larger window means a hostile or foreign archive.
const maxWindow = 64 << 20

// ReadManifest reads only an archive's first entry, manifest.json, and stops
// there (`backup list` reads it from every archive).
func ReadManifest(ctx context.Context, r io.Reader, dec Decrypt) (Manifest, error) {
	// One decoding goroutine: more would read ahead into the data.
	a, err := openNative(r, dec, 1)
	if err != nil {
		return Manifest{}, err
	}
	defer a.close()
	return a.m, nil
}

// Verify reads a whole archive and checks it as ExtractNative does, writing
// nothing.
func Verify(ctx context.Context, r io.Reader, dec Decrypt) (Manifest, error) {
	return ExtractNative(ctx, r, dec, "")
}

// ExtractNative decrypts and decompresses a native archive and writes its
// entries into the existing directory dst (dst/stacks/…, dst/db/…), checking
// each against the manifest (type, mode, size, sha256, link target), and that
// every manifest entry appears exactly once and nothing else does. It writes
// nothing outside dst, never through a symlink, never over an existing file,
// and refuses symlinks that would lead out of stacks/ before writing
// anything. dst "" reads and checks everything and writes nothing (Verify).
//
// Errors wrap ErrWrongKey, ErrNeedKey, ErrTruncated, ErrCorrupt or
// ErrNotArchive; a newer format is ParseManifest's error. On error dst holds
// what was written so far: extract into a fresh directory and remove it on
// failure.
func ExtractNative(ctx context.Context, r io.Reader, dec Decrypt, dst string) (Manifest, error) {
	a, err := openNative(r, dec, runtime.GOMAXPROCS(0))
	if err != nil {
		return Manifest{}, err
	}
	defer a.close()
	if err := checkLinks(a.m); err != nil {
		return a.m, err
	}
	x := &extraction{m: a.m, byName: make(map[string]int, len(a.m.Entries)), seen: make([]bool, len(a.m.Entries)), made: map[string]bool{}}
	for i, e := range a.m.Entries {
		x.byName[e.Name] = i
	}
	if dst != "" {
		root, err := os.OpenRoot(dst)
		if err != nil {
			return a.m, fmt.Errorf("extract into %s: %w", dst, err)
		}
		defer root.Close()
		defer x.closeDir()
		x.root, x.asRoot = root, os.Geteuid() == 0
	}
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return a.m, err
		}
		hdr, err := a.tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return a.m, readError(err)
		}
		if err := x.entry(ctx, hdr, a.tr, buf); err != nil {
			return a.m, err
		}
	}
	for i, ok := range x.seen {
		if !ok {
			return a.m, fmt.Errorf("%w: %s lists %s, which the archive does not hold", ErrCorrupt, ManifestName, a.m.Entries[i].Name)
		}
	}
	// The rest of the stream (tar padding) up to its end: only there do
	// zstd's checksum and age's last chunk prove nothing was cut or changed.
	if _, err := io.CopyBuffer(io.Discard, a.plain, buf); err != nil {
		return a.m, readError(err)
	}
	if x.root != nil {
		if err := x.finish(); err != nil {
			return a.m, fmt.Errorf("extract into %s: %w", dst, err)
		}
	}
	return a.m, nil
}

// native is an opened archive: its manifest read, the tar positioned after it.
type native struct {
	m     Manifest
	zr    *zstd.Decoder
	plain io.Reader // the decompressed stream, for draining
	tr    *tar.Reader
}

func (a *native) close() { a.zr.Close() }

func openNative(r io.Reader, dec Decrypt, concurrency int) (*native, error) {
	src := &counter{r: r}
	br := bufio.NewReaderSize(src, 64<<10)
	var in io.Reader = br
	switch k := Sniff(br); k {
	case KindNative:
		d, err := decrypter(br, src, dec)
		if err != nil {
			return nil, err
		}
		in = d
	case KindNativePlain:
	case KindUnknown:
		head, _ := br.Peek(len(ageMagic))
		if len(head) > 0 && (bytes.HasPrefix(ageMagic, head) || bytes.HasPrefix(zstdMagic, head)) {
			return nil, fmt.Errorf("%w: it ends after %d bytes", ErrTruncated, len(head))
		}
		return nil, fmt.Errorf("%w: neither an age-encrypted nor a zstd archive", ErrNotArchive)
	default:
		return nil, fmt.Errorf("%w: this is an %s, not a native one", ErrNotArchive, k)
	}
	zr, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(concurrency), zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderMaxMemory(1<<62))
	if err != nil {
		return nil, readError(err)
	}
	plain := &layer{r: zr, classify: func(err error) error {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: the compressed data ends early, after %d bytes of the file", ErrTruncated, src.n)
		}
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}}
	a := &native{zr: zr, plain: plain, tr: tar.NewReader(plain)}
	hdr, err := a.tr.Next()
	if err != nil {
		a.close()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: no %s", ErrCorrupt, ManifestName)
		}
		return nil, readError(err)
	}
	if hdr.Name != ManifestName || hdr.Typeflag != tar.TypeReg {
		a.close()
		return nil, fmt.Errorf("%w: its first entry is %q, not %s", ErrNotArchive, hdr.Name, ManifestName)
	}
	var raw bytes.Buffer
	if _, err := io.Copy(&raw, io.LimitReader(a.tr, 64<<20)); err != nil {
		a.close()
		return nil, readError(err)
	}
	m, err := ParseManifest(bytes.NewReader(raw.Bytes()))
	if err != nil {
		a.close()
		var v struct{ Format int }
		if json.Unmarshal(raw.Bytes(), &v) == nil && v.Format > FormatVersion {
			return nil, err // a newer format: not corrupt, only too new
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	a.m = m
	return a, nil
}

// readError types an error of the reading chain: the layers beneath tar
// typed theirs already; what is left is tar's own (a bad header, a stream
// that ends inside an entry although the layers beneath ended well).
func readError(err error) error {
	if typed(err) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

// checkLinks refuses, before anything is written, a manifest whose
// symlinks lead out of stacks/ (resolved through the other links it lists)
// or whose entries sit under a symlink or a file (written through a link).
func checkLinks(m Manifest) error {
	types := make(map[string]Entry, len(m.Entries))
	for _, e := range m.Entries {
		types[e.Name] = e
	}
	lookup := func(p string) (string, bool) {
		e, ok := types[p]
		return e.Link, ok && e.Type == TypeSymlink
	}
	for _, e := range m.Entries {
		for d := path.Dir(e.Name); d != "."; d = path.Dir(d) {
			if p, ok := types[d]; ok && p.Type != TypeDir {
				return fmt.Errorf("%w: %s is under %s, which is a %s", ErrCorrupt, e.Name, d, p.Type)
			}
		}
		switch e.Type {
		case TypeSymlink:
			if !linkInside(e.Name, e.Link, lookup) {
				return fmt.Errorf("%w: symlink %s -> %s leads out of stacks/", ErrCorrupt, e.Name, e.Link)
			}
		case TypeFile:
			if e.Size < 0 || len(e.SHA256) != 64 {
				return fmt.Errorf("%w: %s: %s has no size or sha256", ErrCorrupt, ManifestName, e.Name)
			}
		case TypeDir:
		default:
			return fmt.Errorf("%w: %s: %s has unknown type %q", ErrCorrupt, ManifestName, e.Name, e.Type)
		}
	}
	return nil
}

// linkInside reports whether the symlink name (a slash path under stacks/)
// pointing to target stays inside stacks/ at every step of its resolution,
// following the symlinks lookup reports (by slash path) as the kernel would:
// "a/../.." through a link a -> "x/y" is judged where it really goes. A
// dangling link is fine; an absolute one or a loop is not.
func linkInside(name, target string, lookup func(string) (string, bool)) bool {
	if target == "" || path.IsAbs(target) || strings.ContainsRune(target, 0) {
		return false
	}
	cur := strings.Split(path.Dir(name), "/")
	if cur[0] != stacksRoot {
		return false
	}
	queue := strings.Split(target, "/")
	for hops := 0; len(queue) > 0; {
		c := queue[0]
		queue = queue[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(cur) <= 1 {
				return false
			}
			cur = cur[:len(cur)-1]
			continue
		}
		cur = append(cur, c)
		if t, ok := lookup(strings.Join(cur, "/")); ok {
			if hops++; hops > 40 || t == "" || path.IsAbs(t) {
				return false
			}
			cur = cur[:len(cur)-1]
			queue = append(strings.Split(t, "/"), queue...)
		}
	}
	return true
}

// extraction is the state of one ExtractNative; root nil means verify only.
type extraction struct {
	m      Manifest
	byName map[string]int
	seen   []bool
	root   *os.Root
	asRoot bool
	made   map[string]bool // directories made or checked
	cur    *os.Root        // the directory of the last entry
	curDir string
	dirs   []*tar.Header // directory entries: mode and times set last
}

var tarTypes = map[string]byte{TypeFile: tar.TypeReg, TypeDir: tar.TypeDir, TypeSymlink: tar.TypeSymlink}

func (x *extraction) entry(ctx context.Context, hdr *tar.Header, tr io.Reader, buf []byte) error {
	name := strings.TrimSuffix(hdr.Name, "/")
	i, ok := x.byName[name]
	if !ok || hdr.Name == ManifestName {
		return fmt.Errorf("%w: entry %q is not in %s", ErrCorrupt, hdr.Name, ManifestName)
	}
	if x.seen[i] {
		return fmt.Errorf("%w: entry %s appears twice", ErrCorrupt, name)
	}
	x.seen[i] = true
	e := x.m.Entries[i]
	switch {
	case hdr.Typeflag != tarTypes[e.Type]: // tar.Reader already made TypeRegA TypeReg
		return fmt.Errorf("%w: entry %s is not a %s as %s says", ErrCorrupt, name, e.Type, ManifestName)
	case uint32(hdr.Mode)&0o7777 != e.Mode&0o7777:
		return fmt.Errorf("%w: entry %s has mode %o, %s says %o", ErrCorrupt, name, hdr.Mode&0o7777, ManifestName, e.Mode)
	case e.Type == TypeFile && hdr.Size != e.Size:
		return fmt.Errorf("%w: entry %s has %d bytes, %s says %d", ErrCorrupt, name, hdr.Size, ManifestName, e.Size)
	case e.Type == TypeSymlink && hdr.Linkname != e.Link:
		return fmt.Errorf("%w: symlink %s points to %s, %s says %s", ErrCorrupt, name, hdr.Linkname, ManifestName, e.Link)
	}
	if x.root == nil {
		if e.Type == TypeFile {
			return x.content(ctx, e, tr, io.Discard, buf)
		}
		return nil
	}
	if err := x.parents(name); err != nil {
		return fmt.Errorf("extract %s: %w", name, err)
	}
	dir, base, err := x.in(name)
	if err != nil {
		return fmt.Errorf("extract %s: %w", name, err)
	}
	switch e.Type {
	case TypeDir:
		if !x.made[name] {
			if err := dir.Mkdir(base, 0o700); err != nil {
				return fmt.Errorf("extract %s: %w", name, err)
			}
			x.made[name] = true
		}
		h := *hdr
		h.Name = name
		x.dirs = append(x.dirs, &h)
		return nil
	case TypeSymlink:
		if err := dir.Symlink(e.Link, base); err != nil {
			return fmt.Errorf("extract %s: %w", name, err)
		}
		if x.asRoot {
			return dir.Lchown(base, hdr.Uid, hdr.Gid)
		}
		return nil
	}
	// O_EXCL|O_NOFOLLOW: nothing already there is replaced or followed.
	f, err := dir.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return fmt.Errorf("extract %s: %w", name, err)
	}
	err = x.content(ctx, e, tr, f, buf)
	if err == nil && x.asRoot {
		err = f.Chown(hdr.Uid, hdr.Gid)
	}
	if err == nil {
		err = f.Chmod(fileMode(e.Mode)) // after chown, which clears setuid
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		// Bytes that failed their check are not left where they could be used.
		_ = dir.Remove(base)
		return err
	}
	return dir.Chtimes(base, hdr.ModTime, hdr.ModTime)
}

// content copies a file entry to w, checking its size and sha256. Errors
// of w (a full disk) keep their own type; errors of the archive are typed.
func (x *extraction) content(ctx context.Context, e Entry, tr io.Reader, w io.Writer, buf []byte) error {
	h := sha256.New()
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Whole buffers: one write call per MiB, not per decoded block.
		var k int
		var rerr error
		for k < len(buf) && rerr == nil {
			var m int
			m, rerr = tr.Read(buf[k:])
			k += m
		}
		if k > 0 {
			h.Write(buf[:k])
			if _, err := w.Write(buf[:k]); err != nil {
				return fmt.Errorf("extract %s: %w", e.Name, err)
			}
			n += int64(k)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return fmt.Errorf("entry %s: %w", e.Name, readError(rerr))
		}
	}
	if n != e.Size {
		return fmt.Errorf("%w: entry %s ends after %d of %d bytes", ErrTruncated, e.Name, n, e.Size)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != e.SHA256 {
		return fmt.Errorf("%w: entry %s: sha256 %s, %s says %s", ErrCorrupt, e.Name, sum, ManifestName, e.SHA256)
	}
	return nil
}

// in gives the directory of name, opened as a root of its own, and name's
// last element: one openat per entry instead of one per path component.
// Entries come directory by directory, so only the last one is kept open.
func (x *extraction) in(name string) (*os.Root, string, error) {
	dir, base := path.Split(name)
	dir = path.Clean(dir)
	if dir == "." {
		return x.root, base, nil
	}
	if x.cur == nil || x.curDir != dir {
		x.closeDir()
		r, err := x.root.OpenRoot(dir)
		if err != nil {
			return nil, "", err
		}
		x.cur, x.curDir = r, dir
	}
	return x.cur, base, nil
}

func (x *extraction) closeDir() {
	if x.cur != nil {
		x.cur.Close()
		x.cur, x.curDir = nil, ""
	}
}

// parents makes sure every directory above name is a real directory,
// creating missing ones 0700, so nothing is written through a symlink.
func (x *extraction) parents(name string) error {
	dir := path.Dir(name)
	if dir == "." || x.made[dir] {
		return nil
	}
	if err := x.parents(dir); err != nil {
		return err
	}
	fi, err := x.root.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := x.root.Mkdir(dir, 0o700); err != nil {
			return err
		}
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s is not a directory", dir)
	}
	x.made[dir] = true
	return nil
}

func (x *extraction) owner(name string, hdr *tar.Header) error {
	if x.asRoot {
		return x.root.Lchown(name, hdr.Uid, hdr.Gid)
	}
	return nil
}

// finish sets directory owners, modes and times, deepest first (a 0500
// directory would refuse its children, and writing into one changes its
// mtime), and flushes dst's file system once.
func (x *extraction) finish() error {
	for i := len(x.dirs) - 1; i >= 0; i-- {
		h := x.dirs[i]
		if err := x.owner(h.Name, h); err != nil {
			return err
		}
		if err := x.root.Chmod(h.Name, fileMode(uint32(h.Mode))); err != nil {
			return err
		}
		if err := x.root.Chtimes(h.Name, h.ModTime, h.ModTime); err != nil {
			return err
		}
	}
	d, err := x.root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	return syncFS(d)
}

// fileMode turns tar permission bits into an os.FileMode, without setuid
// and setgid: nothing in a stacks directory needs them, and an archive must
// not be a way to plant them.
func fileMode(m uint32) os.FileMode {
	fm := os.FileMode(m & 0o777)
	if m&0o1000 != 0 {
		fm |= os.ModeSticky
	}
	return fm
}
