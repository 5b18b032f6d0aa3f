package backup

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

func archiveName(t time.Time) string { return Name("host", t, "v1.60", true) }

var t0 = time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func put(t *testing.T, s Store, name string, data []byte) {
	t.Helper()
	up, err := s.Create(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Abort()
	if _, err := up.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := up.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestLocalStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "backups")
	s, err := OpenStore(ctx, dir, S3Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.String() != dir {
		t.Errorf("String() = %q, want %q", s.String(), dir)
	}
	name := archiveName(t0)
	up, err := s.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Abort()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("new backup dir mode %v, want 0700", fi.Mode().Perm())
	}
	data := bytes.Repeat([]byte("archive "), 100000)
	if _, err := up.Write(data); err != nil {
		t.Fatal(err)
	}
	// Not visible before Commit, and the hidden temporary file is private.
	if _, err := os.Stat(filepath.Join(dir, name)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("archive visible before Commit: %v", err)
	}
	names := dirNames(t, dir)
	if len(names) != 1 || !strings.HasPrefix(names[0], "."+name+".tmp-") {
		t.Fatalf("while writing, dir holds %q, want one hidden temporary file", names)
	}
	if fi, _ := os.Stat(filepath.Join(dir, names[0])); fi.Mode().Perm() != 0o600 {
		t.Errorf("temporary file mode %v, want 0600", fi.Mode().Perm())
	}
	if objs, err := s.List(ctx); err != nil || len(objs) != 0 {
		t.Fatalf("List while writing = %v, %v; want nothing", objs, err)
	}
	if err := up.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := up.Abort(); err != nil {
		t.Fatalf("Abort after Commit: %v", err)
	}
	if got := dirNames(t, dir); len(got) != 1 || got[0] != name {
		t.Fatalf("after Commit dir holds %q, want just %s", got, name)
	}
	if fi, _ := os.Stat(filepath.Join(dir, name)); fi.Mode().Perm() != 0o600 {
		t.Errorf("archive mode %v, want 0600", fi.Mode().Perm())
	}
	objs, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || objs[0].Name != name || objs[0].Size != int64(len(data)) ||
		objs[0].Location != filepath.Join(dir, name) || !objs[0].Info.Time.Equal(t0) || objs[0].Modified.IsZero() {
		t.Fatalf("List = %+v", objs)
	}
	r, err := s.Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Open read %d bytes (%v), want the %d written", len(got), err, len(data))
	}

	// restore takes the Location back.
	s2, n2, err := OpenLocation(ctx, objs[0].Location, S3Options{})
	if err != nil || s2.String() != dir || n2 != name {
		t.Fatalf("OpenLocation(%s) = %v, %q, %v", objs[0].Location, s2, n2, err)
	}

	if err := s.Delete(ctx, name); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("after Delete dir holds %q", got)
	}
	if _, err := s.Open(ctx, name); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), filepath.Join(dir, name)) {
		t.Fatalf("Open of a deleted archive: %v, want a not-exist error naming the path", err)
	}
}

func TestLocalStoreAbortLeavesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := OpenStore(ctx, dir, S3Options{})
	up, err := s.Create(ctx, archiveName(t0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	if err := up.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("after Abort dir holds %q", got)
	}
	if err := up.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("Commit after Abort left %q", got)
	}
}

func TestLocalStoreCancelLeavesNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	dir := t.TempDir()
	s, _ := OpenStore(ctx, dir, S3Options{})
	up, err := s.Create(ctx, archiveName(t0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := up.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := up.Write([]byte("more")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write after cancel: %v", err)
	}
	if err := up.Commit(); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit after cancel: %v", err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("after cancel dir holds %q", got)
	}
}

func TestLocalStoreNeverReplacesAnArchive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := OpenStore(ctx, dir, S3Options{})
	name := archiveName(t0)
	a, err := s.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	a.Write([]byte("first"))
	b.Write([]byte("second"))
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("second Commit of the same name: %v, want an error", err)
	}
	if _, err := s.Create(ctx, name); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Create of an existing archive: %v, want an error", err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, name))
	if string(got) != "first" {
		t.Fatalf("archive holds %q, want the first one", got)
	}
	if got := dirNames(t, dir); len(got) != 1 {
		t.Fatalf("dir holds %q, want only the archive", got)
	}
}

func TestLocalStoreRefusesNonArchiveNames(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := OpenStore(ctx, dir, S3Options{})
	other := filepath.Join(dir, "docker.env")
	os.WriteFile(other, []byte("secret"), 0o600)
	for _, name := range []string{"", ".", "..", "docker.env", "../" + archiveName(t0), "sub/" + archiveName(t0), "." + archiveName(t0)} {
		if _, err := s.Create(ctx, name); err == nil {
			t.Errorf("Create(%q) succeeded", name)
		}
		if err := s.Delete(ctx, name); err == nil {
			t.Errorf("Delete(%q) succeeded", name)
		}
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("a non-archive file was touched: %v", err)
	}
	// Reading is by content, not name: a renamed archive still opens.
	if r, err := s.Open(ctx, "docker.env"); err != nil {
		t.Fatalf("Open of a renamed file: %v", err)
	} else {
		r.Close()
	}
	if _, err := s.Open(ctx, "../x"); err == nil {
		t.Fatal("Open of a path outside the store succeeded")
	}
}

func TestLocalStoreListOnlyArchivesOldestFirst(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := OpenStore(ctx, dir, S3Options{})
	newer := archiveName(t0.Add(48 * time.Hour))
	older := archiveName(t0)
	ctl := "appsmith-backup-2026-03-02T01-00-00.000Z.tar.gz"
	// Written newest first: the order must come from the names' times.
	for _, n := range []string{newer, ctl, older} {
		put(t, s, n, []byte(n))
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o600)
	os.WriteFile(filepath.Join(dir, "."+older+".tmp-123"), nil, 0o600)
	os.Mkdir(filepath.Join(dir, archiveName(t0.Add(time.Hour))), 0o700)
	objs, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.Name)
	}
	want := []string{older, ctl, newer}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("List = %q, want %q", got, want)
	}
}

func TestLocalStoreListMissingDir(t *testing.T) {
	s, _ := OpenStore(context.Background(), filepath.Join(t.TempDir(), "none"), S3Options{})
	if _, err := s.List(context.Background()); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("List of a missing dir: %v, want fs.ErrNotExist", err)
	}
}

func TestLocalStoreCleansOnlyDeadTemporaryFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, _ := OpenStore(ctx, dir, S3Options{})
	live, err := s.Create(ctx, archiveName(t0))
	if err != nil {
		t.Fatal(err)
	}
	defer live.Abort()
	dead := filepath.Join(dir, "."+archiveName(t0.Add(-time.Hour))+".tmp-42")
	foreign := filepath.Join(dir, ".docker.env.tmp-42")
	os.WriteFile(dead, []byte("killed run"), 0o600)
	os.WriteFile(foreign, nil, 0o600)
	other, err := s.Create(ctx, archiveName(t0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	other.Abort()
	if _, err := os.Stat(dead); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a killed run's temporary archive survived Create: %v", err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("another writer's temporary file was removed: %v", err)
	}
	if _, err := live.Write([]byte("still writing")); err != nil {
		t.Fatal(err)
	}
	if err := live.Commit(); err != nil {
		t.Fatalf("a live upload was disturbed by another Create: %v", err)
	}
}

func TestOpenStoreRefuses(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o600)
	for _, spec := range []string{"", file, "s3://", "s3:///prefix", "gs://bucket", "https://x/y"} {
		_, err := OpenStore(ctx, spec, S3Options{})
		if err == nil || engine.ExitCode(err) != engine.ExitUsage {
			t.Errorf("OpenStore(%q) = %v, want a usage error", spec, err)
		}
	}
	for _, loc := range []string{"", "s3://bucket", "s3://bucket/", "s3://bucket/dir/", "ftp://x/y", t.TempDir() + "/"} {
		_, _, err := OpenLocation(ctx, loc, S3Options{})
		if err == nil || engine.ExitCode(err) != engine.ExitUsage {
			t.Errorf("OpenLocation(%q) = %v, want a usage error", loc, err)
		}
	}
}

// A file-size limit (ulimit -f; FAT32's 4 GiB gives the same EFBIG): the
// partial file is removed and the error says that free space is not the
// cure. Go ignores SIGXFSZ, so the write fails instead of killing the test.
func TestLocalStoreFileTooLarge(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, _ := OpenStore(ctx, dir, S3Options{})
	name := archiveName(t0)
	up, err := s.Create(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Abort()
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &unix.Rlimit{Cur: 1 << 20, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	var werr error
	for i := 0; i < 40 && werr == nil; i++ {
		_, werr = up.Write(bytes.Repeat([]byte{0x5a}, 64<<10))
	}
	if err := unix.Setrlimit(unix.RLIMIT_FSIZE, &old); err != nil {
		t.Fatal(err)
	}
	var ns *NoSpaceError
	if !errors.Is(werr, ErrNoSpace) || !errors.As(werr, &ns) || !errors.Is(werr, unix.EFBIG) {
		t.Fatalf("writing past the file-size limit: %v, want a NoSpaceError (EFBIG)", werr)
	}
	t.Log(werr)
	if msg := werr.Error(); !strings.Contains(msg, filepath.Join(dir, name)) || !strings.Contains(msg, "ulimit -f") || ns.Written != 1<<20 {
		t.Errorf("error %q (written %d): want the path, the limit and 1 MiB written", msg, ns.Written)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Fatalf("dir holds %q, want the partial file removed", got)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 10 << 20: "10 MiB", 5<<30 + 1<<29: "5.5 GiB", 3 << 40: "3.0 TiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestLocalStoreDeleteGoneIsNotAnError(t *testing.T) {
	s, _ := OpenStore(context.Background(), t.TempDir(), S3Options{})
	if err := s.Delete(context.Background(), archiveName(t0)); err != nil {
		t.Fatalf("Delete of an archive already gone: %v", err)
	}
}
