package fsutil

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// TreeOptions tune CopyTree and RestoreTree. The zero value is a plain copy
// (or delta pass) with two workers and the quick check.
type TreeOptions struct {
	// Checksum compares the content of files whose size and mtime match
	// instead of trusting the quick check. It reads both trees whole.
	Checksum bool
	// ChangedSince makes the quick check sure for a second pass: a source
	// file whose mtime or ctime is at or after it is copied again even if its
	// size and mtime match the copy. Pass the Started of the previous pass.
	// The ctime cannot be set back by the app, so this also catches writes
	// within one timestamp tick and content changed under a restored mtime.
	ChangedSince time.Time
	// DstChangedSince does the same for the destination side: RestoreTree
	// gets the time its copy was finished, so a file of the target touched
	// since (e.g. by an upgrade) is put back even if size and mtime match.
	DstChangedSince time.Time
	// Workers copy file contents in parallel; 0 means 2 (this project's
	// servers are small and the disk, not the CPU, is the limit).
	Workers int
	// Progress, if set, is called after each file copied, never from two
	// goroutines at once, with the totals so far.
	Progress func(Progress)
}

// Progress is how much a copy moved so far.
type Progress struct {
	Files int64
	Bytes int64
}

// Stats says what a CopyTree pass saw and did.
type Stats struct {
	Started, Finished time.Time
	// The source: entries by type and the size of its regular files.
	Files, Dirs, Symlinks, Bytes int64
	// What moved: files whose content was copied and their bytes.
	CopiedFiles, CopiedBytes int64
	// Entries whose content was already there but whose owner, mode or times
	// were set.
	Updated int64
	// Destination entries removed because the source no longer has them, or
	// has something of another type there (a removed directory counts once).
	Removed int64
	// Special files of the source (sockets, fifos, devices) left out: they
	// are not data, and a copy of a device node is a security hole.
	Skipped int64
}

// CopyTree makes dst an exact copy of the directory src: regular files,
// directories and symbolic links (copied as links, never followed), with
// modes (setuid, setgid and sticky bits included), owners (when run as root;
// otherwise owners that cannot be set are left as they come) and mtimes and
// atimes (set after the content, directories after their children).
//
// Run again onto an existing copy it is a delta pass: it copies only the
// files whose size or mtime differ (rsync's quick check; see TreeOptions for
// making it sure), fixes owners, modes, times and link targets that differ,
// and removes what src no longer has. That is how a snapshot of a big tree
// keeps the downtime small: a first pass while the app runs, a second one,
// with ChangedSince set to the first's Started, while it is stopped.
//
// Limits, by choice: hard links are not kept (each name gets its own copy);
// special files are skipped and counted; extended attributes and ACLs are not
// copied; atimes are copied but not compared (reading the source changes
// them). Each file is replaced atomically, so a crash leaves every file old or
// new and running CopyTree again converges. dst's parent must exist; src and
// dst may not contain each other. src and dst themselves may be symlinks to
// directories: they are followed, everything below them is not. src is read
// through an os.Root, so an entry the running app replaces by a link during
// the walk cannot lead the copy out of src.
func CopyTree(ctx context.Context, src, dst string, opts TreeOptions) (Stats, error) {
	c := &treeCopy{src: src, dst: dst, opts: opts, root: os.Geteuid() == 0, syncs: map[string]bool{}}
	c.stats.Started = time.Now()
	st, err := c.run(ctx)
	if err != nil {
		return st, fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return st, nil
}

// RestoreTree makes target identical to copy, a tree CopyTree made: content,
// modes, owners, times and symlinks, and files that appeared since are
// removed. It is the delta logic run backwards, so restoring a huge tree after
// a small change moves only the change; a crash part way leaves each file old
// or new and running it again finishes the job. Set opts.DstChangedSince to
// the Finished of the copy's last pass so that a target file changed without
// a visible size or mtime change is caught too.
func RestoreTree(ctx context.Context, copy, target string, opts TreeOptions) (Stats, error) {
	c := &treeCopy{src: copy, dst: target, opts: opts, root: os.Geteuid() == 0, syncs: map[string]bool{}}
	c.stats.Started = time.Now()
	st, err := c.run(ctx)
	if err != nil {
		return st, fmt.Errorf("restore %s from %s: %w", target, copy, err)
	}
	return st, nil
}

type treeCopy struct {
	src, dst string
	opts     TreeOptions
	root     bool
	// srcRoot reads src: an entry the app swaps for a link while we walk
	// may lead elsewhere in the tree, never out of it.
	srcRoot *os.Root

	stats    Stats
	jobs     chan fileJob
	errOnce  sync.Once
	err      error
	cancel   context.CancelFunc
	progMu   sync.Mutex
	syncMu   sync.Mutex
	syncs    map[string]bool // dst dirs whose entries changed: fsynced at the end
	metaMu   sync.Mutex
	dirMetas []dirMeta
	// walkers bounds the directories walked at once beside the first walk;
	// walking counts them.
	walkers chan struct{}
	walking sync.WaitGroup
}

type fileJob struct {
	rel     string
	fi      fs.FileInfo
	compare bool // quick check passed: compare content, copy only if it differs
}

type dirMeta struct {
	rel string
	fi  fs.FileInfo
}

func (c *treeCopy) fail(err error) {
	c.errOnce.Do(func() {
		c.err = err
		c.cancel()
	})
}

func (c *treeCopy) run(parent context.Context) (Stats, error) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	c.cancel = cancel
	sfi, err := os.Stat(c.src)
	if err != nil {
		return c.stats, err
	}
	if !sfi.IsDir() {
		return c.stats, fmt.Errorf("%s is not a directory", c.src)
	}
	if err := c.checkOverlap(); err != nil {
		return c.stats, err
	}
	if c.srcRoot, err = os.OpenRoot(c.src); err != nil {
		return c.stats, err
	}
	defer c.srcRoot.Close()
	dfi, err := os.Stat(c.dst)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.Mkdir(c.dst, 0o700); err != nil {
			return c.stats, err
		}
		c.markSync(filepath.Dir(c.dst))
	} else if err != nil {
		return c.stats, err
	} else if !dfi.IsDir() {
		return c.stats, fmt.Errorf("%s exists and is not a directory", c.dst)
	}

	workers := c.opts.Workers
	if workers <= 0 {
		workers = 2
	}
	c.jobs = make(chan fileJob)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range c.jobs {
				if ctx.Err() != nil {
					continue // drain: the walker stops soon
				}
				if err := c.copyFile(j); err != nil {
					c.fail(err)
				}
			}
		}()
	}
	c.stats.Dirs++
	c.walkers = make(chan struct{}, walkers()-1)
	if err := c.walk(ctx, "", c.srcRoot); err != nil {
		c.fail(err)
	}
	c.walking.Wait()
	close(c.jobs)
	wg.Wait()
	if c.err != nil {
		return c.stats, c.err
	}
	if err := ctx.Err(); err != nil {
		return c.stats, err
	}
	// Children before their parents (deeper first): writing into a directory
	// changes its mtime, and a 0500 parent would refuse its children.
	c.dirMetas = append(c.dirMetas, dirMeta{"", sfi})
	depth := func(rel string) int {
		if rel == "" {
			return -1
		}
		return strings.Count(rel, string(filepath.Separator))
	}
	sort.SliceStable(c.dirMetas, func(i, j int) bool { return depth(c.dirMetas[i].rel) > depth(c.dirMetas[j].rel) })
	for _, m := range c.dirMetas {
		if err := c.setMeta(m.rel, m.fi); err != nil {
			return c.stats, err
		}
	}
	for d := range c.syncs {
		if err := syncDir(d); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return c.stats, err
		}
	}
	c.stats.Finished = time.Now()
	return c.stats, nil
}

// checkOverlap refuses a copy into itself, which would never end, and a
// restore onto its own copy, which would destroy it.
func (c *treeCopy) checkOverlap() error {
	real := func(p string) string {
		p, _ = filepath.Abs(p)
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		if r, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
			return filepath.Join(r, filepath.Base(p))
		}
		return p
	}
	s, d := real(c.src), real(c.dst)
	within := func(a, b string) bool { return a == b || strings.HasPrefix(a, b+string(filepath.Separator)) }
	if within(s, d) || within(d, s) {
		return fmt.Errorf("%s and %s overlap", c.src, c.dst)
	}
	return nil
}

func (c *treeCopy) markSync(dir string) {
	c.syncMu.Lock()
	c.syncs[dir] = true
	c.syncMu.Unlock()
}

// walk brings the directory rel of dst in line with src's, then its children.
// dir is src/rel, opened through its parent's: each entry costs one stat on
// each side (the stat read with the directory, one lstat of the copy),
// not a walk from the root per name — a delta pass over an unchanged tree is
// all stats, and it runs while Appsmith is down.
func (c *treeCopy) walk(ctx context.Context, rel string, dir *os.Root) error {
	ddir := filepath.Join(c.dst, rel)
	// Without root a 0500 directory of an earlier pass would refuse a
	// change; it is opened up at the first one and its mode is set back at
	// the end (root needs neither, and an unchanged directory gets neither).
	opened := c.root
	writable := func() error {
		if opened {
			return nil
		}
		opened = true
		return ensureOwnerRWX(ddir)
	}
	sents, err := readInfos(dir)
	if err != nil {
		return err
	}
	dents, err := readNames(ddir)
	if err != nil {
		return err
	}
	// What src no longer has goes first: it frees space for what comes.
	for name := range dents {
		if _, ok := sents[name]; !ok {
			if err := writable(); err != nil {
				return err
			}
			if err := c.remove(filepath.Join(ddir, name)); err != nil {
				return err
			}
		}
	}
	names := make([]string, 0, len(sents))
	for n := range sents {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := filepath.Join(rel, name)
		sfi := sents[name]
		dpath := filepath.Join(c.dst, r)
		var dfi fs.FileInfo
		if _, ok := dents[name]; ok {
			if dfi, err = os.Lstat(dpath); errors.Is(err, fs.ErrNotExist) {
				dfi = nil
			} else if err != nil {
				return err
			}
		}
		if dfi != nil && (dfi.Mode().Type() != sfi.Mode().Type() || !copyable(sfi)) {
			if err := writable(); err != nil {
				return err
			}
			if err := c.remove(dpath); err != nil {
				return err
			}
			dfi = nil
		}
		switch {
		case sfi.IsDir():
			sub, err := dir.OpenRoot(name)
			if errors.Is(err, fs.ErrNotExist) {
				// Deleted while we walk (the app runs during a first pass):
				// the next pass removes any copy.
				continue
			} else if err != nil {
				return err
			}
			atomic.AddInt64(&c.stats.Dirs, 1)
			if dfi == nil {
				if err := writable(); err != nil {
					sub.Close()
					return err
				}
				if err := os.Mkdir(dpath, 0o700); err != nil {
					sub.Close()
					return err
				}
				c.markSync(ddir)
			}
			c.walkDir(ctx, r, sub, sfi)
		case sfi.Mode().Type() == fs.ModeSymlink:
			atomic.AddInt64(&c.stats.Symlinks, 1)
			if err := c.symlink(r, sfi, dfi, writable); err != nil {
				return err
			}
		case sfi.Mode().IsRegular():
			atomic.AddInt64(&c.stats.Files, 1)
			atomic.AddInt64(&c.stats.Bytes, sfi.Size())
			if dfi == nil || c.changed(sfi, dfi) {
				if err := writable(); err != nil {
					return err
				}
				c.jobs <- fileJob{rel: r, fi: sfi}
			} else if c.opts.Checksum {
				if err := writable(); err != nil {
					return err
				}
				c.jobs <- fileJob{rel: r, fi: sfi, compare: true}
			} else if err := c.setMetaFrom(r, sfi, dfi); err != nil {
				return err
			}
		default:
			atomic.AddInt64(&c.stats.Skipped, 1)
		}
	}
	return nil
}

// walkers is how many directories are walked at once: a delta pass is all
// stat calls, on the host's every core while Appsmith is stopped.
func walkers() int { return min(max(runtime.NumCPU(), 2), 8) }

// walkDir walks the subdirectory rel (sub is it, opened) on another
// goroutine when a walker is free, else on this one; it owns sub. A failure
// is the copy's (fail), which stops every walker.
func (c *treeCopy) walkDir(ctx context.Context, rel string, sub *os.Root, fi fs.FileInfo) {
	run := func() {
		defer sub.Close()
		if err := c.walk(ctx, rel, sub); err != nil {
			c.fail(err)
			return
		}
		c.metaMu.Lock()
		c.dirMetas = append(c.dirMetas, dirMeta{rel, fi})
		c.metaMu.Unlock()
	}
	select {
	case c.walkers <- struct{}{}:
		c.walking.Add(1)
		go func() {
			defer c.walking.Done()
			defer func() { <-c.walkers }()
			run()
		}()
	default:
		run()
	}
}

func copyable(fi fs.FileInfo) bool {
	t := fi.Mode().Type()
	return t == 0 || t == fs.ModeDir || t == fs.ModeSymlink
}

// readInfos lists the source directory dir with each entry's lstat, which
// ReadDir of a directory opened in a Root makes anyway (relative to the open
// directory: one call per name). An entry gone between the two is left out.
func readInfos(dir *os.Root) (map[string]fs.FileInfo, error) {
	f, err := dir.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ents, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	m := make(map[string]fs.FileInfo, len(ents))
	for _, e := range ents {
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		} else if err != nil {
			return nil, err
		}
		m[e.Name()] = fi
	}
	return m, nil
}

// readNames lists the destination directory dir.
func readNames(dir string) (map[string]struct{}, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	m := make(map[string]struct{}, len(names))
	for _, n := range names {
		m[n] = struct{}{}
	}
	return m, nil
}

func ensureOwnerRWX(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o700 != 0o700 {
		return os.Chmod(dir, fi.Mode().Perm()|0o700)
	}
	return nil
}

// remove deletes a destination entry (a directory with all it holds);
// RemoveAll never follows a symlink.
func (c *treeCopy) remove(p string) error {
	if err := os.RemoveAll(p); err != nil {
		return err
	}
	atomic.AddInt64(&c.stats.Removed, 1)
	c.markSync(filepath.Dir(p))
	return nil
}

// changed is the quick check: size and mtime, made sure by ChangedSince.
func (c *treeCopy) changed(sfi, dfi fs.FileInfo) bool {
	if sfi.Size() != dfi.Size() || !sfi.ModTime().Equal(dfi.ModTime()) {
		return true
	}
	if since := c.opts.ChangedSince; !since.IsZero() && touchedSince(sfi, since) {
		return true
	}
	if since := c.opts.DstChangedSince; !since.IsZero() && touchedSince(dfi, since) {
		return true
	}
	return false
}

// stampSlack widens ChangedSince: file times come from the kernel's coarse
// clock (a tick behind time.Now) and some file systems keep whole seconds,
// so a write just after the pass started may carry an earlier stamp.
const stampSlack = 2 * time.Second

func touchedSince(fi fs.FileInfo, t time.Time) bool {
	t = t.Add(-stampSlack)
	if !fi.ModTime().Before(t) {
		return true
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	_, _, ctime := statTimes(st)
	return !time.Unix(ctime.Sec, ctime.Nsec).Before(t)
}

func (c *treeCopy) symlink(rel string, sfi, dfi fs.FileInfo, writable func() error) error {
	target, err := c.srcRoot.Readlink(rel)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // gone while we walk
	} else if err != nil {
		return err
	}
	dpath := filepath.Join(c.dst, rel)
	if dfi != nil {
		if cur, err := os.Readlink(dpath); err == nil && cur == target {
			return c.setMeta(rel, sfi)
		}
		if err := writable(); err != nil {
			return err
		}
		if err := c.remove(dpath); err != nil {
			return err
		}
		atomic.AddInt64(&c.stats.Removed, -1) // replaced, not removed
	}
	if err := writable(); err != nil {
		return err
	}
	if err := os.Symlink(target, dpath); err != nil {
		return err
	}
	c.markSync(filepath.Dir(dpath))
	atomic.AddInt64(&c.stats.CopiedFiles, 1)
	return c.setMeta(rel, sfi)
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyFile writes one regular file through an AtomicFile: the old copy stays
// whole until the new one is complete, with its owner, mode and times.
func (c *treeCopy) copyFile(j fileJob) error {
	dpath := filepath.Join(c.dst, j.rel)
	if j.compare {
		same, err := c.sameContent(j.rel, dpath)
		if errors.Is(err, errNotRegular) {
			return nil
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if same {
			return c.setMeta(j.rel, j.fi)
		}
	}
	in, err := c.openRegular(j.rel)
	if errors.Is(err, errNotRegular) || errors.Is(err, fs.ErrNotExist) {
		return nil // replaced or gone while we walk: the next pass sees it
	} else if err != nil {
		return err
	}
	defer in.Close()
	// The metadata as of the open: if the file changes while we copy, its
	// mtime and ctime move past these and the next pass copies it again.
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := CreateAtomic(dpath, 0o600)
	if err != nil {
		return err
	}
	defer out.Abort()
	n, err := io.Copy(out.File(), in) // copy_file_range where the kernel can
	if err != nil {
		return err
	}
	tmp := out.File().Name()
	if err := c.applyMeta(tmp, fi, nil); err != nil {
		return err
	}
	if err := out.commit(false); err != nil {
		return err
	}
	c.markSync(filepath.Dir(dpath))
	files := atomic.AddInt64(&c.stats.CopiedFiles, 1)
	bytes := atomic.AddInt64(&c.stats.CopiedBytes, n)
	if c.opts.Progress != nil {
		c.progMu.Lock()
		c.opts.Progress(Progress{Files: files, Bytes: bytes})
		c.progMu.Unlock()
	}
	return nil
}

var errNotRegular = errors.New("not a regular file")

// openRegular opens a source file that the walk saw as a regular file, but
// the app may have replaced since: a symlink is not followed (it could lead
// out of the tree), a fifo does not block the copy.
func (c *treeCopy) openRegular(rel string) (*os.File, error) {
	lfi, err := c.srcRoot.Lstat(rel)
	if err != nil {
		return nil, err
	}
	if !lfi.Mode().IsRegular() {
		return nil, errNotRegular
	}
	f, err := c.srcRoot.OpenFile(rel, os.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK, 0)
	if err != nil {
		if fi, lerr := c.srcRoot.Lstat(rel); lerr == nil && !fi.Mode().IsRegular() {
			return nil, errNotRegular // swapped between the two calls
		}
		return nil, err
	}
	// Still the file we looked at: not something a link swapped in led to.
	fi, err := f.Stat()
	if err == nil && (!fi.Mode().IsRegular() || !os.SameFile(lfi, fi)) {
		err = errNotRegular
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// sameContent compares the source file rel with the copy at b.
func (c *treeCopy) sameContent(rel, b string) (bool, error) {
	fa, err := c.openRegular(rel)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	pa, pb := bufPool.Get().(*[]byte), bufPool.Get().(*[]byte)
	defer bufPool.Put(pa)
	defer bufPool.Put(pb)
	for {
		na, ea := io.ReadFull(fa, *pa)
		nb, eb := io.ReadFull(fb, *pb)
		if na != nb || !bytes.Equal((*pa)[:na], (*pb)[:nb]) {
			return false, nil
		}
		if ea == io.EOF || ea == io.ErrUnexpectedEOF {
			return eb == ea, nil
		}
		if ea != nil {
			return false, ea
		}
		if eb != nil && eb != io.ErrUnexpectedEOF && eb != io.EOF {
			return false, eb
		}
	}
}

// setMeta gives the destination entry rel the owner, mode and times of fi,
// touching only what differs (a delta pass over an unchanged tree writes
// nothing).
func (c *treeCopy) setMeta(rel string, fi fs.FileInfo) error {
	cur, err := os.Lstat(filepath.Join(c.dst, rel))
	if err != nil {
		return err
	}
	return c.setMetaFrom(rel, fi, cur)
}

// setMetaFrom is setMeta when the walk has just read the destination's
// state cur.
func (c *treeCopy) setMetaFrom(rel string, fi, cur fs.FileInfo) error {
	p := filepath.Join(c.dst, rel)
	if metaEqual(fi, cur) {
		return nil
	}
	atomic.AddInt64(&c.stats.Updated, 1)
	return c.applyMeta(p, fi, cur)
}

// metaEqual compares what CopyTree keeps: owner, mode and mtime.
func metaEqual(a, b fs.FileInfo) bool {
	sa, oka := a.Sys().(*syscall.Stat_t)
	sb, okb := b.Sys().(*syscall.Stat_t)
	if !oka || !okb || sa.Uid != sb.Uid || sa.Gid != sb.Gid {
		return false
	}
	if a.Mode().Type() != fs.ModeSymlink && unixMode(a) != unixMode(b) {
		return false
	}
	return a.ModTime().Equal(b.ModTime())
}

// unixMode is the permission bits with setuid, setgid and sticky, as chmod
// takes them.
func unixMode(fi fs.FileInfo) uint32 {
	return uint32(fi.Sys().(*syscall.Stat_t).Mode) & 0o7777
}

// applyMeta sets owner, then mode (chown clears setuid and setgid), then
// times (last, since the other two change the ctime only but a chmod on
// some file systems touches more). cur is p's current state, nil if unknown.
func (c *treeCopy) applyMeta(p string, fi fs.FileInfo, cur fs.FileInfo) error {
	st := fi.Sys().(*syscall.Stat_t)
	link := fi.Mode().Type() == fs.ModeSymlink
	chowned := false
	var cst *syscall.Stat_t
	if cur != nil {
		cst, _ = cur.Sys().(*syscall.Stat_t)
	}
	if cst == nil || cst.Uid != st.Uid || cst.Gid != st.Gid {
		if err := os.Lchown(p, int(st.Uid), int(st.Gid)); err != nil {
			if c.root {
				return err
			}
			// Not root: we cannot give files away; they stay ours.
		} else {
			chowned = true
		}
	}
	if !link && (chowned || cst == nil || cst.Mode&0o7777 != st.Mode&0o7777) {
		if err := unix.Fchmodat(unix.AT_FDCWD, p, uint32(st.Mode&0o7777), 0); err != nil {
			return &fs.PathError{Op: "chmod", Path: p, Err: err}
		}
	}
	atime, mtime, _ := statTimes(st)
	ts := []unix.Timespec{
		{Sec: atime.Sec, Nsec: atime.Nsec},
		{Sec: mtime.Sec, Nsec: mtime.Nsec},
	}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &fs.PathError{Op: "utimes", Path: p, Err: err}
	}
	return nil
}
