package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/klauspost/compress/zstd"
)

// member is one tar entry of a hand-made archive.
type member struct {
	hdr  tar.Header
	body string
}

func fileMember(name, body string) member {
	return member{tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}, body}
}

func fileEntry(name, body string) Entry {
	s := sha256.Sum256([]byte(body))
	return Entry{Name: name, Type: TypeFile, Mode: 0o644, Size: int64(len(body)), SHA256: hex.EncodeToString(s[:])}
}

// craft makes a plain archive as Write would, from a manifest (a Manifest or
// raw JSON) and members exactly as given: for archives Write never makes.
func craft(t testing.TB, manifest any, members ...member) []byte {
	t.Helper()
	mj, ok := manifest.([]byte)
	if !ok {
		var err error
		mj, err = json.Marshal(manifest)
		must(t, err)
	}
	var buf bytes.Buffer
	zw, err := zstd.NewWriter(&buf)
	must(t, err)
	tw := tar.NewWriter(zw)
	must(t, tw.WriteHeader(&tar.Header{Name: ManifestName, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(mj))}))
	_, err = tw.Write(mj)
	must(t, err)
	for _, m := range members {
		must(t, tw.WriteHeader(&m.hdr))
		_, err := io.WriteString(tw, m.body)
		must(t, err)
	}
	must(t, tw.Close())
	must(t, zw.Close())
	return buf.Bytes()
}

func manifestOf(entries ...Entry) Manifest {
	m := testManifestNoDump()
	m.Format, m.Entries = FormatVersion, entries
	return m
}

// open extracts data into a fresh dst inside its own parent and verifies it,
// and checks that neither wrote anything outside dst; it returns
// ExtractNative's error (Verify's must be of the same kind).
func open(t *testing.T, data []byte, dec Decrypt, kind error) error {
	t.Helper()
	parent := t.TempDir()
	dst := filepath.Join(parent, "dst")
	must(t, os.Mkdir(dst, 0o700))
	_, err := ExtractNative(context.Background(), bytes.NewReader(data), dec, dst)
	_, verr := Verify(context.Background(), bytes.NewReader(data), dec)
	if kind != nil && (!errors.Is(err, kind) || !errors.Is(verr, kind)) {
		t.Errorf("ExtractNative = %v\nVerify = %v\nwant %v", err, verr, kind)
	}
	for _, e := range []string{parent, "/tmp/evil-abs"} {
		ls, _ := os.ReadDir(e)
		var names []string
		for _, d := range ls {
			names = append(names, d.Name())
		}
		if e == parent && !slices.Equal(names, []string{"dst"}) {
			t.Errorf("outside dst: %s holds %v", parent, names)
		}
	}
	if _, err := os.Lstat("/tmp/evil-abs"); err == nil {
		t.Error("/tmp/evil-abs was written")
	}
	return err
}

// chunkBoundaries gives offsets of an age file where a payload chunk ends.
func chunkBoundary(t *testing.T, data []byte, k int) int {
	i := bytes.Index(data, []byte("\n--- "))
	j := bytes.IndexByte(data[i+1:], '\n')
	return i + 1 + j + 1 + ageNonce + k*(ageChunk+ageTag)
}

func TestExtractTruncated(t *testing.T) {
	id, idFile := newIdentity(t)
	stacks := stacksFixture(t)
	enc, _, _ := archive(t, stacks, Encrypt{Recipients: []string{id.Recipient().String()}})
	plain, _, _ := archive(t, stacks, Encrypt{})
	if len(enc) < 3*(ageChunk+ageTag) {
		t.Fatalf("archive of %d bytes: too small to cut between chunks", len(enc))
	}
	for _, at := range []int{5, 30, chunkBoundary(t, enc, 0) - 3, chunkBoundary(t, enc, 0) + 100, chunkBoundary(t, enc, 1), chunkBoundary(t, enc, 2), len(enc) / 2, len(enc) - 1} {
		err := open(t, enc[:at], Decrypt{Identities: idFile}, ErrTruncated)
		t.Logf("encrypted cut at %d of %d: %v", at, len(enc), err)
	}
	for _, at := range []int{2, 9, 100, len(plain) / 3, len(plain) / 2, len(plain) - 1} {
		err := open(t, plain[:at], Decrypt{}, ErrTruncated)
		t.Logf("plain cut at %d of %d: %v", at, len(plain), err)
	}
}

func TestExtractFlippedByte(t *testing.T) {
	id, idFile := newIdentity(t)
	stacks := stacksFixture(t)
	enc, _, _ := archive(t, stacks, Encrypt{Recipients: []string{id.Recipient().String()}})
	plain, _, _ := archive(t, stacks, Encrypt{})
	for _, c := range []struct {
		data []byte
		dec  Decrypt
	}{{enc, Decrypt{Identities: idFile}}, {plain, Decrypt{}}} {
		for _, at := range []int{len(c.data) / 3, len(c.data) / 2} {
			bad := bytes.Clone(c.data)
			bad[at] ^= 0x40
			err := open(t, bad, c.dec, ErrCorrupt)
			t.Logf("flipped at %d of %d: %v", at, len(bad), err)
		}
	}
}

func TestExtractKeys(t *testing.T) {
	stacks := t.TempDir()
	must(t, os.WriteFile(filepath.Join(stacks, "f"), []byte("x"), 0o600))
	write := func(enc Encrypt) []byte {
		var buf bytes.Buffer
		_, _, err := Write(context.Background(), &buf, testManifestNoDump(), Source{Stacks: stacks}, enc, WriteOptions{})
		must(t, err)
		return buf.Bytes()
	}
	id, idFile := newIdentity(t)
	_, otherID := newIdentity(t)
	byPass := write(Encrypt{Passphrase: []byte("right")})
	byKey := write(Encrypt{Recipients: []string{id.Recipient().String()}})
	for _, c := range []struct {
		name  string
		data  []byte
		dec   Decrypt
		kind  error
		names string
	}{
		{"wrong passphrase", byPass, Decrypt{Passphrase: []byte("wrong"), PassFile: "/etc/pass"}, ErrWrongKey, "/etc/pass"},
		{"identity for a passphrase", byPass, Decrypt{Identities: idFile, IdentityFile: "key.txt"}, ErrWrongKey, "--passphrase-file"},
		{"no passphrase", byPass, Decrypt{}, ErrNeedKey, "--passphrase-file"},
		{"wrong identity", byKey, Decrypt{Identities: otherID, IdentityFile: "other.txt"}, ErrWrongKey, "other.txt"},
		{"passphrase for an identity", byKey, Decrypt{Passphrase: []byte("right")}, ErrWrongKey, "--identity"},
		{"no identity", byKey, Decrypt{}, ErrNeedKey, "--identity"},
		{"not an identity file", byKey, Decrypt{Identities: []byte("AGE-SECRET-KEY-1NOTAKEY\n"), IdentityFile: "bad.txt"}, ErrWrongKey, "bad.txt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := open(t, c.data, c.dec, c.kind)
			if err == nil || !strings.Contains(err.Error(), c.names) {
				t.Errorf("err = %v, want it to name %s", err, c.names)
			}
			if _, err := ReadManifest(context.Background(), bytes.NewReader(c.data), c.dec); !errors.Is(err, c.kind) {
				t.Errorf("ReadManifest: %v, want %v", err, c.kind)
			}
		})
	}
	// A key that is not needed does no harm.
	if _, err := Verify(context.Background(), bytes.NewReader(write(Encrypt{})), Decrypt{Passphrase: []byte("x")}); err != nil {
		t.Errorf("plain archive with a passphrase: %v", err)
	}
}

func TestExtractRefusesBadArchives(t *testing.T) {
	dir := member{tar.Header{Name: "stacks/", Typeflag: tar.TypeDir, Mode: 0o755}, ""}
	dirE := Entry{Name: "stacks", Type: TypeDir, Mode: 0o755}
	link := func(name, to string) (member, Entry) {
		return member{tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: to, Mode: 0o777}, ""},
			Entry{Name: name, Type: TypeSymlink, Mode: 0o777, Link: to}
	}
	out1, out1E := link("stacks/out", "../../evil")
	sm, smE := link("stacks/a/b/s", "../..")
	tm, tmE := link("stacks/a/b/t", "s/../evil")
	via, viaE := link("stacks/via", "a")
	abs, absE := link("stacks/abs", "/etc")
	evil := fileMember("stacks/via/x", "through a link")
	f := fileMember("stacks/f", "content")
	newer := manifestOf(dirE)
	newer.Format = FormatVersion + 1

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("appsmithctl"))
	zw.Close()
	random := make([]byte, 4096)
	rand.Read(random)

	for _, c := range []struct {
		name string
		data []byte
		kind error // nil: only that it fails
		says string
	}{
		{"entry escaping with ..", craft(t, manifestOf(dirE, fileEntry("stacks/f", "content")), dir, fileMember("stacks/../../evil", "x"), f), ErrCorrupt, "not in manifest.json"},
		{"absolute entry", craft(t, manifestOf(dirE), dir, fileMember("/tmp/evil-abs", "x")), ErrCorrupt, "/tmp/evil-abs"},
		{"manifest listing an escaping name", craft(t, manifestOf(dirE, fileEntry("stacks/../evil", "x")), dir, fileMember("stacks/../evil", "x")), ErrCorrupt, "not a clean relative name"},
		{"symlink pointing outside", craft(t, manifestOf(dirE, out1E), dir, out1), ErrCorrupt, "stacks/out -> ../../evil"},
		{"absolute symlink", craft(t, manifestOf(dirE, absE), dir, abs), ErrCorrupt, "stacks/abs"},
		{"symlink out through another", craft(t, manifestOf(dirE, smE, tmE), dir, sm, tm), ErrCorrupt, "stacks/a/b/t"},
		{"file through a symlink", craft(t, manifestOf(dirE, viaE, fileEntry("stacks/via/x", "through a link")), dir, via, evil), ErrCorrupt, "under stacks/via"},
		{"entry not in the manifest", craft(t, manifestOf(dirE), dir, f), ErrCorrupt, "stacks/f"},
		{"manifest listing a missing entry", craft(t, manifestOf(dirE, fileEntry("stacks/f", "content"), fileEntry("stacks/g", "x")), dir, f), ErrCorrupt, "stacks/g"},
		{"entry twice", craft(t, manifestOf(dirE, fileEntry("stacks/f", "content")), dir, f, f), ErrCorrupt, "twice"},
		{"content differs", craft(t, manifestOf(dirE, fileEntry("stacks/f", "CONTENT")), dir, f), ErrCorrupt, "stacks/f: sha256"},
		{"size differs", craft(t, manifestOf(dirE, fileEntry("stacks/f", "content!")), dir, f), ErrCorrupt, "stacks/f has 7 bytes"},
		{"type differs", craft(t, manifestOf(dirE, Entry{Name: "stacks/f", Type: TypeDir, Mode: 0o644}), dir, f), ErrCorrupt, "stacks/f is not a dir"},
		{"hard link", craft(t, manifestOf(dirE, fileEntry("stacks/f", "content"), fileEntry("stacks/h", "content")), dir, f, member{tar.Header{Name: "stacks/h", Typeflag: tar.TypeLink, Linkname: "stacks/f"}, ""}), ErrCorrupt, "stacks/h"},
		{"manifest not first", craftNoManifest(t, f), ErrNotArchive, "first entry"},
		{"tar cut inside an entry, compressed whole", tarCut(t, craft(t, manifestOf(dirE, fileEntry("stacks/big", strings.Repeat("b", 5000))), dir, fileMember("stacks/big", strings.Repeat("b", 5000))), 3000), ErrCorrupt, "stacks/big"},
		{"manifest not JSON", craft(t, []byte("{not json")), ErrCorrupt, "manifest.json"},
		{"newer format", craft(t, newer, dir), nil, "newer"},
		{"random bytes", random, ErrNotArchive, ""},
		{"empty file", nil, ErrNotArchive, ""},
		{"gzip (appsmithctl)", gz.Bytes(), ErrNotArchive, "appsmithctl"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := open(t, c.data, Decrypt{}, c.kind)
			if err == nil || !strings.Contains(err.Error(), c.says) {
				t.Errorf("err = %v, want one saying %q", err, c.says)
			}
			if c.kind == nil && (errors.Is(err, ErrCorrupt) || errors.Is(err, ErrNotArchive)) {
				t.Errorf("a newer format is neither corrupt nor not an archive: %v", err)
			}
		})
	}
}

// A symlink is refused before anything is written: no part of the archive
// lands in dst.
func TestExtractChecksLinksFirst(t *testing.T) {
	dir := member{tar.Header{Name: "stacks/", Typeflag: tar.TypeDir, Mode: 0o755}, ""}
	data := craft(t, manifestOf(Entry{Name: "stacks", Type: TypeDir, Mode: 0o755}, fileEntry("stacks/f", "content"), Entry{Name: "stacks/z", Type: TypeSymlink, Mode: 0o777, Link: "../.."}),
		dir, fileMember("stacks/f", "content"), member{tar.Header{Name: "stacks/z", Typeflag: tar.TypeSymlink, Linkname: "../..", Mode: 0o777}, ""})
	dst := t.TempDir()
	if _, err := ExtractNative(context.Background(), bytes.NewReader(data), Decrypt{}, dst); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("err = %v, want ErrCorrupt", err)
	}
	if ls, _ := os.ReadDir(dst); len(ls) != 0 {
		t.Errorf("dst holds %v, want nothing", ls)
	}
}

// tarCut recompresses a plain archive's tar cut after n bytes of an entry's
// content: the compression is whole, the tar inside is not.
func tarCut(t testing.TB, plain []byte, n int) []byte {
	zr, err := zstd.NewReader(bytes.NewReader(plain))
	must(t, err)
	defer zr.Close()
	raw, err := io.ReadAll(zr)
	must(t, err)
	i := bytes.Index(raw, []byte("bbbb"))
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	zw.Write(raw[:i+n])
	zw.Close()
	return buf.Bytes()
}

func craftNoManifest(t testing.TB, members ...member) []byte {
	var buf bytes.Buffer
	zw, _ := zstd.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range members {
		must(t, tw.WriteHeader(&m.hdr))
		io.WriteString(tw, m.body)
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// An existing file in dst is never replaced, nor a symlink there followed.
func TestExtractNeverOverwrites(t *testing.T) {
	stacks := t.TempDir()
	must(t, os.WriteFile(filepath.Join(stacks, "f"), []byte("from the archive"), 0o644))
	var buf bytes.Buffer
	_, _, err := Write(context.Background(), &buf, testManifestNoDump(), Source{Stacks: stacks}, Encrypt{}, WriteOptions{})
	must(t, err)
	outside := filepath.Join(t.TempDir(), "target")
	must(t, os.WriteFile(outside, []byte("outside"), 0o644))
	dst := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dst, "stacks"), 0o755))
	must(t, os.Symlink(outside, filepath.Join(dst, "stacks/f")))
	if _, err := ExtractNative(context.Background(), bytes.NewReader(buf.Bytes()), Decrypt{}, dst); err == nil {
		t.Fatal("extracting over an existing symlink: no error")
	}
	if b, _ := os.ReadFile(outside); string(b) != "outside" {
		t.Errorf("the symlink's target was written: %q", b)
	}
}

// age's own library opens what Write encrypts, the manifest first.
func TestWriteIsPlainAge(t *testing.T) {
	id, _ := newIdentity(t)
	stacks := t.TempDir()
	must(t, os.WriteFile(filepath.Join(stacks, "f"), []byte("x"), 0o644))
	var buf bytes.Buffer
	_, _, err := Write(context.Background(), &buf, testManifestNoDump(), Source{Stacks: stacks}, Encrypt{Recipients: []string{id.Recipient().String()}}, WriteOptions{})
	must(t, err)
	r, err := age.Decrypt(&buf, id)
	must(t, err)
	zr, err := zstd.NewReader(r)
	must(t, err)
	defer zr.Close()
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		names = append(names, h.Name)
	}
	if want := []string{ManifestName, "stacks/", "stacks/f"}; !slices.Equal(names, want) {
		t.Errorf("tar members %v, want %v", names, want)
	}
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// ReadManifest stops after the manifest: `backup list` on a store must not
// download whole archives.
func TestReadManifestReadsOnlyTheStart(t *testing.T) {
	id, idFile := newIdentity(t)
	stacks := stacksFixture(t)
	for _, enc := range []Encrypt{{Recipients: []string{id.Recipient().String()}}, {}} {
		data, m, _ := archive(t, stacks, enc)
		cr := &countingReader{r: bytes.NewReader(data)}
		got, err := ReadManifest(context.Background(), cr, Decrypt{Identities: idFile})
		if err != nil || len(got.Entries) != len(m.Entries) {
			t.Fatalf("ReadManifest: %d entries, %v", len(got.Entries), err)
		}
		if cr.n > 512<<10 {
			t.Errorf("ReadManifest read %d of %d bytes", cr.n, len(data))
		}
	}
}
