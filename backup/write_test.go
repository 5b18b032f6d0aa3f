package backup

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
)

func init() {
	// A passphrase at age's default work factor costs a second and 256 MiB
	// per archive; the tests need the format, not the cost.
	scryptWorkFactor = 10
}

const testEnv = "APPSMITH_ENCRYPTION_PASSWORD=pw\nAPPSMITH_ENCRYPTION_SALT=salt\n"

// stacksFixture makes a stacks directory with what a real one may hold:
// nested directories with their own modes, files large and empty, symlinks
// inside and outside it, a fifo, and a directory the backup skips.
func stacksFixture(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "stacks")
	big := make([]byte, 3<<20+17) // several buffers, not a multiple of any
	rand.Read(big)
	files := map[string][]byte{
		"configuration/docker.env":           []byte(testEnv + "APPSMITH_DB_URL=mongodb://x\n"),
		"git-storage/ws/app/pages/a.json":    bytes.Repeat([]byte(`{"widget":"text"}`), 5000),
		"git-storage/ws/app/.git/HEAD":       []byte("ref: refs/heads/main\n"),
		"ssl/fullchain.pem":                  []byte("-----BEGIN CERTIFICATE-----\n"),
		"data/redis/dump.rdb":                big,
		"data/mongodb/collection-0.wt":       []byte("raw database file"),
		"empty":                              nil,
		"custom/with space/ünïcode file.txt": []byte("x"),
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.Chmod(filepath.Join(dir, "configuration/docker.env"), 0o600))
	must(t, os.Chmod(filepath.Join(dir, "ssl"), 0o750))
	must(t, os.MkdirAll(filepath.Join(dir, "empty-dir"), 0o700))
	must(t, os.Symlink("fullchain.pem", filepath.Join(dir, "ssl/live.pem")))
	must(t, os.Symlink("../git-storage/ws", filepath.Join(dir, "ssl/ws-link")))
	must(t, os.Symlink("../../etc/passwd", filepath.Join(dir, "ssl/out")))
	must(t, os.Symlink("/etc/passwd", filepath.Join(dir, "abs")))
	must(t, syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600))
	return dir
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tree describes a directory: each path with its type, mode and content hash
// or link target.
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			out[rel] = "link " + l
		case fi.IsDir():
			out[rel] = fmt.Sprintf("dir %o", fi.Mode().Perm())
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			s := sha256.Sum256(b)
			out[rel] = fmt.Sprintf("file %o %s", fi.Mode().Perm(), hex.EncodeToString(s[:]))
		default:
			out[rel] = "special"
		}
		return nil
	})
	must(t, err)
	return out
}

func skipMongo(rel string) bool { return rel == "data/mongodb" }

func testManifest() Manifest {
	return Manifest{Mode: ModeOnline, AppsmithVersion: "v1.9.2", Created: time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC), KeysIncluded: true,
		DB: DB{Kind: DBMongo, Tool: "mongodump", Dump: MongoDump}}
}

func dumpFile(t testing.TB, content []byte) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "dump"))
	must(t, err)
	_, err = f.Write(content)
	must(t, err)
	t.Cleanup(func() { f.Close() })
	return f
}

// archive writes stacks (with a dump) into memory.
func archive(t testing.TB, stacks string, enc Encrypt) ([]byte, Manifest, WriteStats) {
	t.Helper()
	var buf bytes.Buffer
	src := Source{Stacks: stacks, Skip: skipMongo, Dump: dumpFile(t, []byte("the dump")), Env: []byte(testEnv)}
	m, st, err := Write(context.Background(), &buf, testManifest(), src, enc, WriteOptions{})
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes(), m, st
}

func newIdentity(t testing.TB) (*age.X25519Identity, []byte) {
	id, err := age.GenerateX25519Identity()
	must(t, err)
	return id, []byte("# test key\n" + id.String() + "\n")
}

func TestWriteExtractRoundTrip(t *testing.T) {
	id, idFile := newIdentity(t)
	id2, _ := newIdentity(t)
	for _, c := range []struct {
		name string
		enc  Encrypt
		dec  Decrypt
		kind Kind
	}{
		{"passphrase", Encrypt{Passphrase: []byte("correct horse")}, Decrypt{Passphrase: []byte("correct horse")}, KindNative},
		{"recipients", Encrypt{Recipients: []string{id2.Recipient().String(), id.Recipient().String()}}, Decrypt{Identities: idFile}, KindNative},
		{"plain", Encrypt{}, Decrypt{}, KindNativePlain},
	} {
		t.Run(c.name, func(t *testing.T) {
			stacks := stacksFixture(t)
			before := tree(t, stacks)
			data, m, st := archive(t, stacks, c.enc)
			if k := Sniff(bufioReader(data)); k != c.kind {
				t.Fatalf("Sniff = %v, want %v", k, c.kind)
			}
			if sum := sha256.Sum256(data); st.SHA256 != hex.EncodeToString(sum[:]) || st.Written != int64(len(data)) {
				t.Errorf("stats SHA256/Written = %s/%d, want the archive's %x/%d", st.SHA256, st.Written, sum, len(data))
			}
			if m.Format != FormatVersion || len(m.Entries) == 0 || m.Entries[0].Name != MongoDump {
				t.Fatalf("manifest: format %d, entries %v", m.Format, m.Entries)
			}
			if st.Files != 8 {
				t.Errorf("Files = %d, want 8 (7 regular ones not skipped, plus the dump)", st.Files)
			}
			slices.Sort(st.Warnings)
			if len(st.Warnings) != 3 || !strings.Contains(st.Warnings[0], "abs: symlink") || !strings.Contains(st.Warnings[1], "fifo: fifo left out") || !strings.Contains(st.Warnings[2], "out: symlink") {
				t.Errorf("warnings = %q, want the absolute and the outside symlink and the fifo", st.Warnings)
			}
			got, err := ReadManifest(context.Background(), bytes.NewReader(data), c.dec)
			if err != nil || len(got.Entries) != len(m.Entries) || got.AppsmithVersion != "v1.9.2" {
				t.Fatalf("ReadManifest = %d entries, %v", len(got.Entries), err)
			}
			if _, err := Verify(context.Background(), bytes.NewReader(data), c.dec); err != nil {
				t.Fatalf("Verify: %v", err)
			}

			dst := t.TempDir()
			if _, err := ExtractNative(context.Background(), bytes.NewReader(data), c.dec, dst); err != nil {
				t.Fatalf("ExtractNative: %v", err)
			}
			want := map[string]string{}
			for k, v := range before {
				switch {
				case k == "abs", k == "fifo", k == "ssl/out", strings.HasPrefix(k, "data/mongodb"):
				case k == "configuration/docker.env":
					s := sha256.Sum256([]byte(testEnv))
					want[k] = "file 600 " + hex.EncodeToString(s[:])
				default:
					want[k] = v
				}
			}
			after := tree(t, filepath.Join(dst, "stacks"))
			if !mapsEqual(after, want) {
				t.Errorf("extracted stacks differ:\n got %v\nwant %v", after, want)
			}
			dump, err := os.ReadFile(filepath.Join(dst, MongoDump))
			if err != nil || string(dump) != "the dump" {
				t.Errorf("dump = %q, %v", dump, err)
			}
			if !mapsEqual(tree(t, stacks), before) {
				t.Error("Write changed its source")
			}
		})
	}
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A file that changes after it was hashed fails the write naming it (the
// manifest would lie); one that only grew is written as it was hashed.
func TestWriteFileChangedBetweenPasses(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(p string) error
		ok     bool
	}{
		{"rewritten", func(p string) error { return os.WriteFile(p, bytes.Repeat([]byte("y"), 100), 0o644) }, false},
		{"shrunk", func(p string) error { return os.Truncate(p, 10) }, false},
		{"removed", os.Remove, false},
		{"grown", func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.WriteString("appended after hashing\n")
			return err
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			stacks := t.TempDir()
			p := filepath.Join(stacks, "app.log")
			must(t, os.WriteFile(p, bytes.Repeat([]byte("x"), 100), 0o644))
			changed := false
			opts := WriteOptions{Progress: func(phase string, done, total int64) {
				if phase == "hash" && done == total && !changed {
					changed = true
					must(t, c.change(p))
				}
			}}
			var buf bytes.Buffer
			m, _, err := Write(context.Background(), &buf, testManifestNoDump(), Source{Stacks: stacks}, Encrypt{}, opts)
			if !changed {
				t.Fatal("the hash phase reported no end")
			}
			if !c.ok {
				if !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), p) {
					t.Fatalf("err = %v, want ErrChanged naming %s", err, p)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			dst := t.TempDir()
			if _, err := ExtractNative(context.Background(), &buf, Decrypt{}, dst); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(filepath.Join(dst, "stacks/app.log"))
			if string(b) != strings.Repeat("x", 100) || m.Entries[1].Size != 100 {
				t.Errorf("grown file archived as %q (manifest size %d), want its 100 hashed bytes", b, m.Entries[1].Size)
			}
		})
	}
}

func testManifestNoDump() Manifest {
	m := testManifest()
	m.Mode, m.DB = ModeCold, DB{Kind: DBMongo}
	return m
}

func TestWriteRefuses(t *testing.T) {
	stacks := t.TempDir()
	ctx := context.Background()
	var buf bytes.Buffer
	if _, _, err := Write(ctx, &buf, testManifest(), Source{Stacks: stacks}, Encrypt{}, WriteOptions{}); err == nil {
		t.Error("a manifest naming a dump without one: no error")
	}
	if _, _, err := Write(ctx, &buf, testManifestNoDump(), Source{Stacks: stacks, Dump: dumpFile(t, nil)}, Encrypt{}, WriteOptions{}); err == nil {
		t.Error("a dump without its name: no error")
	}
	if _, _, err := Write(ctx, &buf, testManifestNoDump(), Source{Stacks: stacks}, Encrypt{Passphrase: []byte("p"), Recipients: []string{"age1x"}}, WriteOptions{}); err == nil {
		t.Error("passphrase and recipients together: no error")
	}
	if _, _, err := Write(ctx, &buf, testManifestNoDump(), Source{Stacks: stacks}, Encrypt{Recipients: []string{"AGE-SECRET-KEY-1XYZ"}}, WriteOptions{}); err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("a secret key given as recipient: %v (want an error that does not repeat it)", err)
	}
}

func TestWriteProgress(t *testing.T) {
	stacks := stacksFixture(t)
	last := map[string][2]int64{}
	var buf bytes.Buffer
	src := Source{Stacks: stacks, Skip: skipMongo, Dump: dumpFile(t, bytes.Repeat([]byte("d"), 5000))}
	_, st, err := Write(context.Background(), &buf, testManifest(), src, Encrypt{}, WriteOptions{Concurrency: 3, Progress: func(phase string, done, total int64) {
		if p := last[phase]; done < p[0] {
			t.Errorf("%s went back from %d to %d", phase, p[0], done)
		}
		last[phase] = [2]int64{done, total}
	}})
	must(t, err)
	for _, ph := range []string{"hash", "dump", "files"} {
		if p, ok := last[ph]; !ok || p[0] != p[1] {
			t.Errorf("phase %s ended at %v, want done == total", ph, p)
		}
	}
	if last["files"][1]+last["dump"][1] != st.Bytes || last["dump"][1] != 5000 {
		t.Errorf("files total %d + dump total %d, stats bytes %d", last["files"][1], last["dump"][1], st.Bytes)
	}
}
