package backup

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
)

// WriteOptions tune Write.
type WriteOptions struct {
	// Progress, when set, is called with the bytes done and the total of a
	// phase: "hash" (first reading of the files), "dump", "files". Calls
	// never overlap.
	Progress func(phase string, done, total int64)
	// Concurrency is how many cores hash and compress; 0 means GOMAXPROCS.
	Concurrency int
}

// WriteStats says what Write wrote.
type WriteStats struct {
	Files    int    // regular files, the dump included
	Bytes    int64  // their bytes, uncompressed
	Written  int64  // bytes written to w
	SHA256   string // hex sha256 of the bytes written to w
	Warnings []string
}

// ErrChanged is a file that changed between the hashing and the writing of
// an archive (an online backup of a live directory). The archive written so
// far must be thrown away; a new attempt usually succeeds.
var ErrChanged = errors.New("a file changed while it was being backed up")

// The archive's entry names for the stacks directory and docker.env in it.
const (
	stacksRoot = "stacks"
	envRel     = "configuration/docker.env"
)

// zstdLevel: SpeedFastest compresses a stacks directory (JSON, logs, git
// objects, already-compressed dumps) within a few percent of gzip -6 at many
// times its speed; SpeedDefault gains little for twice the CPU.
var zstdLevel = zstd.SpeedFastest

// item is one entry to write and where its bytes come from.
type item struct {
	Entry
	src   string   // file to read (regular files)
	data  []byte   // content given in memory (docker.env replaced)
	dump  *os.File // the database dump
	mtime time.Time
	uid   int
	gid   int
}

// Write streams one archive to w: a tar whose first entry is m (with Format
// and Entries filled in) as manifest.json, then src.Dump as m.DB.Dump, then
// the stacks files; compressed with zstd and encrypted with age unless
// enc.None(). The files are read twice: once to put every sha256 in the
// manifest, once to write them, hashed again; a file that changed in between
// in any way but growing (whose first bytes, as hashed, are then written)
// fails the whole write with ErrChanged naming it, so a manifest never lies.
// Nothing is ever held whole in memory. It returns the manifest written.
func Write(ctx context.Context, w io.Writer, m Manifest, src Source, enc Encrypt, opts WriteOptions) (Manifest, WriteStats, error) {
	var st WriteStats
	if opts.Concurrency <= 0 {
		opts.Concurrency = runtime.GOMAXPROCS(0)
	}
	var mu sync.Mutex
	progress := func(phase string, done, total int64) {
		if opts.Progress != nil {
			mu.Lock()
			opts.Progress(phase, done, total)
			mu.Unlock()
		}
	}
	items, err := collect(src, m.DB.Dump, &st.Warnings)
	if err != nil {
		return m, st, err
	}
	if err := hashAll(ctx, items, opts.Concurrency, progress, &st.Warnings); err != nil {
		return m, st, err
	}
	m.Format = FormatVersion
	m.Entries = m.Entries[:0:0]
	kept := items[:0]
	for _, it := range items {
		if it.Type == "" { // vanished before it was hashed
			continue
		}
		kept = append(kept, it)
		m.Entries = append(m.Entries, it.Entry)
	}
	items = kept
	if err := m.Check(); err != nil {
		return m, st, fmt.Errorf("backup: %w", err)
	}
	mj, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return m, st, err
	}

	out := &hashWriter{w: w, h: sha256.New()}
	// age writes 64 KiB chunks: 1 MiB writes cost w (a file, an upload)
	// sixteen times fewer calls.
	bw := bufio.NewWriterSize(out, 1<<20)
	var sink io.Writer = bw
	var aw io.WriteCloser
	if !enc.None() {
		if aw, err = encrypter(bw, enc); err != nil {
			return m, st, err
		}
		sink = aw
	}
	zw, err := zstd.NewWriter(sink, zstd.WithEncoderLevel(zstdLevel), zstd.WithEncoderConcurrency(opts.Concurrency))
	if err != nil {
		return m, st, err
	}
	defer zw.Close()
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: ManifestName, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(mj)), ModTime: m.Created}); err != nil {
		return m, st, err
	}
	if _, err := tw.Write(mj); err != nil {
		return m, st, err
	}
	// Each phase counts its own bytes: the dump's, then the stacks files'.
	totals := map[string]int64{}
	for _, it := range items {
		totals[it.phase()] += it.Size
	}
	done := map[string]int64{}
	buf := make([]byte, 1<<20)
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return m, st, err
		}
		phase := it.phase()
		n, err := writeItem(ctx, tw, it, buf, func(n int64) { progress(phase, done[phase]+n, totals[phase]) })
		if err != nil {
			return m, st, err
		}
		done[phase] += n
		if it.Type == TypeFile {
			st.Files++
			st.Bytes += n
		}
	}
	if err := tw.Close(); err != nil {
		return m, st, err
	}
	if err := zw.Close(); err != nil {
		return m, st, err
	}
	if aw != nil {
		if err := aw.Close(); err != nil {
			return m, st, err
		}
	}
	if err := bw.Flush(); err != nil {
		return m, st, err
	}
	st.Written = out.n
	st.SHA256 = hex.EncodeToString(out.h.Sum(nil))
	return m, st, nil
}

// collect lists what goes into the archive, in the order it is written: the
// dump, then the stacks tree in lexical order (directories before their
// content). Sizes and hashes of regular files come later, from hashAll.
func collect(src Source, dumpName string, warnings *[]string) ([]*item, error) {
	var items []*item
	switch {
	case src.Dump != nil && dumpName == "":
		return nil, errors.New("backup: a database dump without its entry name (Manifest.DB.Dump)")
	case src.Dump == nil && dumpName != "":
		return nil, fmt.Errorf("backup: the manifest names the dump %s but none was given", dumpName)
	case src.Dump != nil:
		fi, err := src.Dump.Stat()
		if err != nil {
			return nil, fmt.Errorf("backup: the database dump: %w", err)
		}
		items = append(items, &item{Entry: Entry{Name: dumpName, Type: TypeFile, Mode: 0o600, Size: fi.Size()}, dump: src.Dump, mtime: fi.ModTime()})
	}
	if src.Stacks == "" {
		return items, nil
	}
	// The stacks directory may be reached through a symlink (a moved data
	// dir): walk the real one, or the walk stops at the link.
	rootDir, err := filepath.EvalSymlinks(src.Stacks)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	lookup := func(p string) (string, bool) {
		if p == stacksRoot {
			return "", false
		}
		abs := filepath.Join(rootDir, filepath.FromSlash(strings.TrimPrefix(p, stacksRoot+"/")))
		fi, err := os.Lstat(abs)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return "", false
		}
		t, err := os.Readlink(abs)
		return t, err == nil
	}
	err = filepath.WalkDir(rootDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		rel, err := filepath.Rel(rootDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		name := stacksRoot
		if rel != "." {
			name = stacksRoot + "/" + rel
			if src.Skip != nil && src.Skip(rel) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed since the directory was read: not in the backup
		}
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		it := &item{Entry: Entry{Name: name, Mode: modeBits(fi)}, mtime: fi.ModTime()}
		if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
			it.uid, it.gid = int(sys.Uid), int(sys.Gid)
		}
		switch {
		case fi.IsDir():
			it.Type = TypeDir
		case fi.Mode().IsRegular():
			it.Type = TypeFile
			it.src = p
			it.Size = fi.Size()
			if rel == envRel && src.Env != nil {
				it.src, it.data, it.Size = "", src.Env, int64(len(src.Env))
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return fmt.Errorf("backup: %w", err)
			}
			if !linkInside(name, t, lookup) {
				*warnings = append(*warnings, fmt.Sprintf("%s: symlink to %s left out: it points outside the stacks directory", p, t))
				return nil
			}
			it.Type, it.Link = TypeSymlink, t
		default:
			*warnings = append(*warnings, fmt.Sprintf("%s: %s left out: only files, directories and symlinks are backed up", p, kindOf(fi.Mode())))
			return nil
		}
		items = append(items, it)
		return nil
	})
	return items, err
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeNamedPipe != 0:
		return "fifo"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}

// modeBits are the permission bits with setuid, setgid and sticky, as tar
// stores them.
func modeBits(fi fs.FileInfo) uint32 {
	m := uint32(fi.Mode().Perm())
	if fi.Mode()&fs.ModeSetuid != 0 {
		m |= 0o4000
	}
	if fi.Mode()&fs.ModeSetgid != 0 {
		m |= 0o2000
	}
	if fi.Mode()&fs.ModeSticky != 0 {
		m |= 0o1000
	}
	return m
}

// open gives a reader of an item's content and its size now.
func (it *item) open() (io.ReadCloser, int64, error) {
	switch {
	case it.data != nil:
		return io.NopCloser(strings.NewReader(string(it.data))), int64(len(it.data)), nil
	case it.dump != nil:
		fi, err := it.dump.Stat()
		if err != nil {
			return nil, 0, err
		}
		return io.NopCloser(io.NewSectionReader(it.dump, 0, fi.Size())), fi.Size(), nil
	}
	// O_NOFOLLOW: a file replaced by a symlink meanwhile is not followed.
	f, err := os.OpenFile(it.src, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%s is no longer a regular file", it.src)
	}
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

func (it *item) phase() string {
	if it.dump != nil {
		return "dump"
	}
	return "files"
}

func (it *item) path() string {
	if it.src != "" {
		return it.src
	}
	return it.Name
}

// hashAll fills in every regular file's size and sha256, on n cores. A file
// gone since the walk is dropped with a warning (its Type emptied).
func hashAll(ctx context.Context, items []*item, n int, progress func(string, int64, int64), warnings *[]string) error {
	var total int64
	var files []*item
	for _, it := range items {
		if it.Type == TypeFile {
			files = append(files, it)
			total += it.Size
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		done  int64
		first error
		next  int
		wg    sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		if first == nil {
			first = err
		}
		mu.Unlock()
		cancel()
	}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			for {
				mu.Lock()
				if next == len(files) {
					mu.Unlock()
					return
				}
				it := files[next]
				next++
				mu.Unlock()
				r, size, err := it.open()
				if errors.Is(err, fs.ErrNotExist) {
					mu.Lock()
					*warnings = append(*warnings, fmt.Sprintf("%s: removed during the backup, left out", it.path()))
					it.Type = ""
					mu.Unlock()
					continue
				}
				if err != nil {
					fail(fmt.Errorf("backup: %w", err))
					return
				}
				h := sha256.New()
				n, err := copyCtx(ctx, h, io.LimitReader(r, size), buf, func(k int64) {
					mu.Lock()
					done += k
					d := done
					mu.Unlock()
					progress("hash", d, total)
				})
				r.Close()
				if err == nil && n != size {
					err = fmt.Errorf("%w: %s shrank while it was read", ErrChanged, it.path())
				}
				if err != nil {
					fail(fmt.Errorf("backup: %s: %w", it.path(), err))
					return
				}
				it.Size, it.SHA256 = size, hex.EncodeToString(h.Sum(nil))
			}
		}()
	}
	wg.Wait()
	return first
}

// writeItem writes one tar entry; for a file exactly the bytes hashed
// before, checked again as they go.
func writeItem(ctx context.Context, tw *tar.Writer, it *item, buf []byte, progress func(int64)) (int64, error) {
	hdr := &tar.Header{Name: it.Name, Mode: int64(it.Mode), ModTime: it.mtime, Uid: it.uid, Gid: it.gid}
	switch it.Type {
	case TypeDir:
		hdr.Typeflag, hdr.Name = tar.TypeDir, it.Name+"/"
		return 0, tw.WriteHeader(hdr)
	case TypeSymlink:
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, it.Link
		return 0, tw.WriteHeader(hdr)
	}
	hdr.Typeflag, hdr.Size = tar.TypeReg, it.Size
	r, size, err := it.open()
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("backup: %w: %s was removed while it was being backed up", ErrChanged, it.path())
	}
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	defer r.Close()
	if size < it.Size {
		return 0, fmt.Errorf("backup: %w: %s shrank from %d to %d bytes", ErrChanged, it.path(), it.Size, size)
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return 0, err
	}
	h := sha256.New()
	var reported int64
	n, err := copyCtx(ctx, io.MultiWriter(tw, h), io.LimitReader(r, it.Size), buf, func(k int64) {
		reported += k
		progress(reported)
	})
	if err != nil {
		return n, fmt.Errorf("backup: %s: %w", it.path(), err)
	}
	if n != it.Size {
		return n, fmt.Errorf("backup: %w: %s shrank while it was read", ErrChanged, it.path())
	}
	if hex.EncodeToString(h.Sum(nil)) != it.SHA256 {
		return n, fmt.Errorf("backup: %w: %s (its content differs from when it was hashed)", ErrChanged, it.path())
	}
	return n, nil
}

// copyCtx copies src to dst through buf, reporting each chunk and stopping
// when ctx ends.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader, buf []byte, report func(int64)) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, rerr := src.Read(buf)
		if k > 0 {
			if _, err := dst.Write(buf[:k]); err != nil {
				return n, err
			}
			n += int64(k)
			report(int64(k))
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// hashWriter counts and hashes what goes to w: the archive's own checksum.
type hashWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	hw.n += int64(n)
	return n, err
}
