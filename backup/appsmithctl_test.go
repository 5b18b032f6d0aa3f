package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// The docker.env of the instance appsmithctl backs up, and what its
// removeSensitiveEnvData keeps of it (lines split on \r?\n, joined with \n).
const (
	ctlFullEnv = "# Appsmith\nAPPSMITH_DB_URL=mongodb://appsmith:dbpw@localhost/appsmith\n" +
		"APPSMITH_REDIS_URL=redis://127.0.0.1:6379\nAPPSMITH_ENCRYPTION_PASSWORD=encpw123\n" +
		"APPSMITH_ENCRYPTION_SALT=salt456\nAPPSMITH_MONGODB_USER=appsmith\nAPPSMITH_MONGODB_PASSWORD=mpw\n" +
		"APPSMITH_CUSTOM_DOMAIN=\nAPPSMITH_MAIL_ENABLED=false\n"
	ctlStrippedEnv = "# Appsmith\nAPPSMITH_CUSTOM_DOMAIN=\nAPPSMITH_MAIL_ENABLED=false\n"
	// EnvFileLink appends these when the archive is encrypted.
	ctlKeysAppended = "\nAPPSMITH_ENCRYPTION_SALT=salt456\nAPPSMITH_ENCRYPTION_PASSWORD=encpw123"
)

// ctlCase describes an archive as some appsmithctl version wrote it.
type ctlCase struct {
	name     string
	nested   bool   // older versions: the files in appsmith-backup-<time>/
	manifest string // manifest.json's text; "" for none (v1.7 and older)
	dump     string // mongodb-data.gz, pg-data.gz or pg-data.sql
	env      bool
	git      bool
	pass     string // encrypted with the openssl CLI when set

	wantVersion, wantDump, wantKind, wantDBName string
}

var ctlCases = []ctlCase{
	{name: "v1.50 plain, postgres custom format", manifest: "{\n  \"appsmithVersion\": \"v1.50\",\n  \"dbName\": \"appsmith\"\n}", dump: ctlPGCustom, env: true, git: true,
		wantVersion: "v1.50", wantDump: PostgresDump, wantKind: DBPostgres, wantDBName: "appsmith"},
	{name: "newest plain, postgres SQL", manifest: "{\n  \"appsmithVersion\": \"v1.80\",\n  \"dbName\": \"appsmith\"\n}", dump: ctlPGSQL, env: true, git: true,
		wantVersion: "v1.80", wantDump: PostgresSQL, wantKind: DBPostgres, wantDBName: "appsmith"},
	{name: "v1.9 nested mongo", nested: true, manifest: `{"appsmithVersion":"v1.9.2","dbName":"appsmith"}`, dump: ctlMongo, env: true, git: true,
		wantVersion: "v1.9.2", wantDump: MongoDump, wantKind: DBMongo, wantDBName: "appsmith"},
	{name: "v1.7 era", nested: true, dump: ctlMongo,
		wantVersion: VersionUnknown, wantDump: MongoDump, wantKind: DBMongo},
	{name: "encrypted mongo", manifest: "{\n  \"appsmithVersion\": \"v1.30\",\n  \"dbName\": \"mydb\"\n}", dump: ctlMongo, env: true, git: true, pass: "hunter2 hunter2",
		wantVersion: "v1.30", wantDump: MongoDump, wantKind: DBMongo, wantDBName: "mydb"},
}

const ctlStamp = "2024-05-06T07-08-09.123Z"

// build makes the archive exactly as appsmithctl backup does: the files in a
// temporary folder (git-storage a symlink to the real one: `ln -s`), then
// `tar -cah -C <folder> -f appsmith-backup-<time>.tar.gz .`, then, with a
// password, `openssl enc -aes-256-cbc -pbkdf2 -iter 100000`. It returns the
// archive and the files the native layout must hold.
func (c ctlCase) build(t *testing.T) ([]byte, map[string]string) {
	t.Helper()
	tarBin := needTool(t, "tar")
	work := t.TempDir()
	root := filepath.Join(work, "appsmithctl-backup-x")
	contents := root
	if c.nested {
		contents = filepath.Join(root, "appsmith-backup-"+ctlStamp)
	}
	must(t, os.MkdirAll(contents, 0o755))
	want := map[string]string{}
	write := func(name, data string) {
		must(t, os.WriteFile(filepath.Join(contents, name), []byte(data), 0o644))
	}
	if c.manifest != "" {
		write(ctlManifest, c.manifest)
	}
	dump := string(randBytes(150_000))
	write(c.dump, dump)
	want[target(c.dump)] = dump
	if c.git {
		gitRoot := filepath.Join(work, "stacks", "git-storage")
		files := map[string]string{
			"ws1/app1/repo/.git/HEAD":      "ref: refs/heads/main\n",
			"ws1/app1/repo/pages/Page1.js": "export default {}\n",
			"ws2/app9/repo/README.md":      strings.Repeat("big ", 40_000),
		}
		for n, d := range files {
			p := filepath.Join(gitRoot, n)
			must(t, os.MkdirAll(filepath.Dir(p), 0o755))
			must(t, os.WriteFile(p, []byte(d), 0o644))
			want[StacksDir+ctlGit+"/"+n] = d
		}
		// A file with two names: tar stores the second as a hard link.
		must(t, os.Link(filepath.Join(gitRoot, "ws1/app1/repo/.git/HEAD"), filepath.Join(gitRoot, "ws2/HEAD")))
		want[StacksDir+ctlGit+"/ws2/HEAD"] = files["ws1/app1/repo/.git/HEAD"]
		must(t, os.Symlink(gitRoot, filepath.Join(contents, ctlGit)))
	}
	if c.env {
		env := ctlStrippedEnv
		if c.pass != "" {
			env += ctlKeysAppended
		}
		write(ctlEnv, env)
		want[envEntry] = env
	}
	archive := filepath.Join(work, "appsmith-backup-"+ctlStamp+".tar.gz")
	run(t, tarBin, "-cah", "-C", root, "-f", archive, ".")
	b, err := os.ReadFile(archive)
	must(t, err)
	if c.pass != "" {
		b = opensslEnc(t, b, c.pass)
	}
	return b, want
}

// ctlTree reads the regular files under dir, by slash path.
func ctlTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		got[filepath.ToSlash(rel)] = string(b)
		return err
	}))
	return got
}

func TestExtractAppsmithctlArchives(t *testing.T) {
	for _, c := range ctlCases {
		t.Run(c.name, func(t *testing.T) {
			archive, want := c.build(t)
			dec := Decrypt{Passphrase: []byte(c.pass)}
			dst := t.TempDir()
			m, err := ExtractAppsmithctl(context.Background(), bytes.NewReader(archive), dec, dst)
			if err != nil {
				t.Fatal(err)
			}
			if got := ctlTree(t, dst); !reflect.DeepEqual(got, want) {
				t.Errorf("extracted %v, want %v", keys(got), keys(want))
			}
			if m.Source != SourceAppsmithctl || m.Mode != ModeOnline || m.Format != FormatVersion || m.AppsmithVersion != c.wantVersion ||
				m.DB.Kind != c.wantKind || m.DB.Dump != c.wantDump || m.DB.Name != c.wantDBName || m.KeysIncluded != (c.pass != "") {
				t.Errorf("manifest %+v", m)
			}
			if m.Created.IsZero() {
				t.Error("no creation time")
			}
			for _, e := range m.Entries {
				if e.Type != TypeFile {
					continue
				}
				sum := sha256.Sum256([]byte(want[e.Name]))
				if e.SHA256 != hex.EncodeToString(sum[:]) || e.Size != int64(len(want[e.Name])) {
					t.Errorf("entry %+v: the file has %d bytes", e, len(want[e.Name]))
				}
			}
			// Verifying alone reads the same and writes nothing.
			v, err := ExtractAppsmithctl(context.Background(), bytes.NewReader(archive), dec, "")
			if err != nil || !reflect.DeepEqual(v, m) {
				t.Errorf("verify only: %v\n%+v\nwant %+v", err, v, m)
			}
		})
	}
}

func keys(m map[string]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	sort.Strings(k)
	return k
}

// handTar is a gzip tar made entry by entry, for archives appsmithctl would
// never write.
type handEntry struct {
	name, link string
	typ        byte
	data       string
}

func handTar(t *testing.T, entries ...handEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: typ, Mode: 0o644, Size: int64(len(e.data)), ModTime: time.Unix(1700000000, 0)}
		if typ != tar.TypeReg {
			h.Size = 0
		}
		must(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(e.data))
		must(t, err)
	}
	must(t, tw.Close())
	must(t, gz.Close())
	return buf.Bytes()
}

func TestExtractAppsmithctlRefuses(t *testing.T) {
	plainCase, encCase := ctlCases[2], ctlCases[4]
	plain, _ := plainCase.build(t)
	enc, _ := encCase.build(t)
	flipped := bytes.Clone(plain)
	flipped[len(flipped)/2] ^= 0x55
	ok := handEntry{name: "./" + ctlMongo, data: "dump"}
	for _, c := range []struct {
		name    string
		archive []byte
		pass    string
		want    error
	}{
		{"wrong passphrase", enc, "not it", ErrWrongKey},
		{"no passphrase", enc, "", ErrNeedKey},
		{"encrypted, cut at a block edge", enc[:len(enc)/2/16*16], encCase.pass, ErrTruncated},
		{"encrypted, cut inside a block", enc[:len(enc)-7], encCase.pass, ErrTruncated},
		{"encrypted, last block gone", enc[:len(enc)-16], encCase.pass, ErrTruncated},
		{"cut in half", plain[:len(plain)/2], "", ErrTruncated},
		{"gzip trailer gone", plain[:len(plain)-4], "", ErrTruncated},
		{"a flipped byte", flipped, "", ErrCorrupt},
		{"not an archive", randBytes(5000), "", ErrNotArchive},
		{"a native archive", append([]byte("age-encryption.org/v1\n"), randBytes(100)...), "", ErrNotArchive},
		{"a tar.gz of something else", handTar(t, handEntry{name: "etc/passwd", data: "root:x:0:0"}), "", ErrNotArchive},
		{"no dump", handTar(t, handEntry{name: "./manifest.json", data: `{"appsmithVersion":"v1.9.2"}`}), "", ErrCorrupt},
		{"bad manifest.json", handTar(t, handEntry{name: "./manifest.json", data: `{"appsmithVersion":`}, ok), "", ErrCorrupt},
		{"two backup folders", handTar(t, handEntry{name: "a/" + ctlMongo, data: "x"}, handEntry{name: "b/" + ctlEnv, data: "y"}), "", ErrCorrupt},
		{"root and a folder", handTar(t, ok, handEntry{name: "appsmith-backup-x/" + ctlEnv, data: "y"}), "", ErrCorrupt},
		{"entry escaping with ..", handTar(t, ok, handEntry{name: "./git-storage/../../evil", data: "x"}), "", ErrCorrupt},
		{"absolute entry", handTar(t, ok, handEntry{name: "/git-storage/evil", data: "x"}), "", ErrCorrupt},
		{"symlink out of git-storage", handTar(t, ok, handEntry{name: "./git-storage/ln", link: "../../../etc", typ: tar.TypeSymlink}), "", ErrCorrupt},
		{"absolute symlink", handTar(t, ok, handEntry{name: "./git-storage/ln", link: "/etc", typ: tar.TypeSymlink}), "", ErrCorrupt},
		{"hard link to outside", handTar(t, ok, handEntry{name: "./git-storage/hl", link: "/etc/passwd", typ: tar.TypeLink}), "", ErrCorrupt},
		{"device", handTar(t, ok, handEntry{name: "./git-storage/dev", typ: tar.TypeChar}), "", ErrCorrupt},
		{"the same file twice", handTar(t, ok, ok), "", ErrCorrupt},
	} {
		t.Run(c.name, func(t *testing.T) {
			parent := t.TempDir()
			dst := filepath.Join(parent, "stage")
			must(t, os.Mkdir(dst, 0o700))
			_, err := ExtractAppsmithctl(context.Background(), bytes.NewReader(c.archive), Decrypt{Passphrase: []byte(c.pass)}, dst)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			t.Log(err)
			// Nothing lands beside the staging directory.
			if ents, _ := os.ReadDir(parent); len(ents) != 1 {
				t.Errorf("%d entries beside the staging dir", len(ents))
			}
			if _, err := ExtractAppsmithctl(context.Background(), bytes.NewReader(c.archive), Decrypt{Passphrase: []byte(c.pass)}, ""); !errors.Is(err, c.want) {
				t.Errorf("verify only: got %v, want %v", err, c.want)
			}
		})
	}
}

// ctlFixture is an instance's stacks directory and a dump spooled beside it.
func ctlFixture(t *testing.T) (Source, map[string]string) {
	t.Helper()
	stacks := filepath.Join(t.TempDir(), "stacks")
	files := map[string]string{
		"configuration/docker.env":        ctlFullEnv,
		"git-storage/ws/app/repo/a.json":  `{"a":1}`,
		"git-storage/ws/app/repo/big.bin": string(randBytes(200_000)),
		"git-storage/ws/app2/.keep":       "",
		"data/mongodb/WiredTiger":         "raw db files",
		"git-storage/skipme/secret":       "left out",
	}
	for n, d := range files {
		p := filepath.Join(stacks, n)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		must(t, os.WriteFile(p, []byte(d), 0o640))
	}
	must(t, os.Symlink("repo/a.json", filepath.Join(stacks, "git-storage/ws/app/link.json")))
	dumpPath := filepath.Join(t.TempDir(), "dump")
	dump := string(randBytes(123_457))
	must(t, os.WriteFile(dumpPath, []byte(dump), 0o600))
	f, err := os.Open(dumpPath)
	must(t, err)
	t.Cleanup(func() { f.Close() })
	_, _ = f.Seek(1000, 0) // the writer must not depend on the position
	src := Source{Dump: f, Stacks: stacks, Skip: func(rel string) bool { return rel == "git-storage/skipme" }}
	want := map[string]string{
		MongoDump: dump,
		StacksDir + "git-storage/ws/app/repo/a.json":  files["git-storage/ws/app/repo/a.json"],
		StacksDir + "git-storage/ws/app/repo/big.bin": files["git-storage/ws/app/repo/big.bin"],
		StacksDir + "git-storage/ws/app2/.keep":       "",
	}
	return src, want
}

func TestAppsmithctlRoundTrip(t *testing.T) {
	for _, pass := range []string{"", "round trip pass"} {
		src, want := ctlFixture(t)
		env := ctlStrippedEnv
		if pass != "" {
			env += ctlKeysAppended
		}
		want[envEntry] = env
		in := Manifest{AppsmithVersion: "v1.9.2", DB: DB{Kind: DBMongo, Dump: MongoDump}, Created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
		var buf bytes.Buffer
		wm, err := WriteAppsmithctl(context.Background(), &buf, in, src, []byte(pass))
		if err != nil {
			t.Fatal(err)
		}
		if wantKind := map[bool]Kind{false: KindAppsmithctl, true: KindAppsmithctlEnc}[pass != ""]; Sniff(bufioReader(buf.Bytes())) != wantKind {
			t.Fatalf("written archive is not a %s", wantKind)
		}
		dst := t.TempDir()
		m, err := ExtractAppsmithctl(context.Background(), bytes.NewReader(buf.Bytes()), Decrypt{Passphrase: []byte(pass)}, dst)
		if err != nil {
			t.Fatal(err)
		}
		if got := ctlTree(t, dst); !reflect.DeepEqual(got, want) {
			t.Errorf("pass %q: extracted %v, want %v", pass, keys(got), keys(want))
		}
		if l, err := os.Readlink(filepath.Join(dst, "stacks/git-storage/ws/app/link.json")); err != nil || l != "repo/a.json" {
			t.Errorf("symlink: %q %v", l, err)
		}
		if !reflect.DeepEqual(wm.Entries, m.Entries) {
			t.Errorf("entries written\n%+v\nread\n%+v", wm.Entries, m.Entries)
		}
		if m.AppsmithVersion != "v1.9.2" || m.DB.Name != "appsmith" || m.DB.Dump != MongoDump || m.KeysIncluded != (pass != "") || wm.KeysIncluded != m.KeysIncluded || !m.Created.Equal(in.Created) {
			t.Errorf("manifest read %+v, written %+v", m, wm)
		}
	}
}

// TestWriteAppsmithctlIsWhatAppsmithctlReads opens our archive with the
// tools appsmithctl restore uses (openssl enc -d, tar -x) and finds its
// layout: manifest.json as ManifestLink writes it, the dump under its name,
// git-storage/, docker.env stripped with the keys appended.
func TestWriteAppsmithctlIsWhatAppsmithctlReads(t *testing.T) {
	openssl, tarBin := needTool(t, "openssl"), needTool(t, "tar")
	src, _ := ctlFixture(t)
	src.Env = []byte(strings.ReplaceAll(ctlFullEnv, "\n", "\r\n")) // CRLF as a Windows editor leaves it
	var buf bytes.Buffer
	in := Manifest{AppsmithVersion: "v1.50", DB: DB{Kind: DBPostgres, Dump: PostgresDump, Name: "appsmith"}}
	if _, err := WriteAppsmithctl(context.Background(), &buf, in, src, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	name := filepath.Join(dir, AppsmithctlName(time.Now(), true))
	must(t, os.WriteFile(name, buf.Bytes(), 0o600))
	plain := strings.TrimSuffix(name, ".enc")
	run(t, openssl, "enc", "-d", "-aes-256-cbc", "-pbkdf2", "-iter", "100000", "-in", name, "-out", plain, "-k", "pw")
	out := filepath.Join(dir, "x")
	must(t, os.Mkdir(out, 0o700))
	run(t, tarBin, "-C", out, "-xf", plain)
	got := ctlTree(t, out)
	dump, _ := os.ReadFile(src.Dump.Name())
	want := map[string]string{
		ctlManifest:                      "{\n  \"appsmithVersion\": \"v1.50\",\n  \"dbName\": \"appsmith\"\n}",
		ctlPGCustom:                      string(dump),
		ctlEnv:                           strings.TrimSuffix(ctlStrippedEnv, "\n") + "\n" + ctlKeysAppended,
		"git-storage/ws/app/repo/a.json": `{"a":1}`,
	}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("%s = %q, want %q", n, trunc(got[n]), trunc(w))
		}
	}
	if _, ok := got["git-storage/skipme/secret"]; ok {
		t.Error("a skipped path was archived")
	}
}

func trunc(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

func TestWriteAppsmithctlRefuses(t *testing.T) {
	src, _ := ctlFixture(t)
	for _, c := range []struct {
		name string
		m    Manifest
		src  Source
	}{
		{"cold (no dump)", Manifest{AppsmithVersion: "v1.9.2", DB: DB{Kind: DBMongo, Dump: MongoDump}}, Source{Stacks: src.Stacks}},
		{"no dump entry", Manifest{AppsmithVersion: "v1.9.2"}, src},
		{"no docker.env", Manifest{AppsmithVersion: "v1.9.2", DB: DB{Kind: DBMongo, Dump: MongoDump}}, Source{Dump: src.Dump, Stacks: t.TempDir()}},
	} {
		var buf bytes.Buffer
		if _, err := WriteAppsmithctl(context.Background(), &buf, c.m, c.src, nil); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestAppsmithctlName(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.FixedZone("x", 3600))
	n := AppsmithctlName(at, true)
	// new Date().toISOString().replace(/:/g, "-") in UTC
	if n != "appsmith-backup-2024-01-02T02-04-05.678Z.tar.gz.enc" {
		t.Fatalf("got %q", n)
	}
	info, ok := ParseName(n)
	if !ok || info.Native || !info.Encrypted || !info.Time.Equal(at) {
		t.Errorf("ParseName(%q) = %+v %v", n, info, ok)
	}
	if n := AppsmithctlName(at, false); !strings.HasSuffix(n, ".tar.gz") {
		t.Errorf("got %q", n)
	}
}

// tar lists a directory twice when it is named twice on its command line; an
// archive's directory entries are unique in the manifest all the same.
func TestExtractAppsmithctlDirectoryTwice(t *testing.T) {
	d := handEntry{name: "./git-storage/ws/", typ: tar.TypeDir}
	archive := handTar(t, handEntry{name: "./" + ctlMongo, data: "dump"}, d, handEntry{name: "./git-storage/ws/f", data: "x"}, d)
	m, err := ExtractAppsmithctl(context.Background(), bytes.NewReader(archive), Decrypt{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Entries) != 3 {
		t.Errorf("entries %+v", m.Entries)
	}
}

func TestExtractAppsmithctlWrongKeyNamesThePassFile(t *testing.T) {
	archive, _ := ctlCases[4].build(t)
	_, err := ExtractAppsmithctl(context.Background(), bytes.NewReader(archive), Decrypt{Passphrase: []byte("nope"), PassFile: "/root/backup.pass"}, "")
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), "/root/backup.pass") {
		t.Fatalf("got %v", err)
	}
}

// A link this format cannot carry fails the backup, not the restore.
func TestWriteAppsmithctlRefusesALinkOutOfGitStorage(t *testing.T) {
	src, _ := ctlFixture(t)
	must(t, os.Symlink("../../configuration/docker.env", filepath.Join(src.Stacks, "git-storage/ws/out")))
	var buf bytes.Buffer
	_, err := WriteAppsmithctl(context.Background(), &buf, Manifest{AppsmithVersion: "v1.9.2", DB: DB{Kind: DBMongo, Dump: MongoDump}}, src, nil)
	if err == nil || !strings.Contains(err.Error(), "git-storage/ws/out") {
		t.Fatalf("got %v", err)
	}
}
