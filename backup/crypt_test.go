package backup

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// needTools: the CLIs the test drives. Missing, it fails in CI and skips
// elsewhere, naming the script that installs it.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		needTool(t, n)
	}
}

// An archive opens without this tool: Debian's age and zstd and tar give
// back the stacks files and the dump, and their sha256 are the manifest's.
func TestArchiveOpensWithAgeZstdTar(t *testing.T) {
	needTools(t, "age", "zstd", "tar", "bash")
	id, idFile := newIdentity(t)
	stacks := stacksFixture(t)
	data, m, _ := archive(t, stacks, Encrypt{Recipients: []string{id.Recipient().String()}})
	dir := t.TempDir()
	arch := filepath.Join(dir, Name("host", m.Created, m.AppsmithVersion, true))
	key := filepath.Join(dir, "key.txt")
	must(t, os.WriteFile(arch, data, 0o600))
	must(t, os.WriteFile(key, idFile, 0o600))
	dst := filepath.Join(dir, "out")
	must(t, os.Mkdir(dst, 0o700))
	cmd := exec.Command("bash", "-c", `set -euo pipefail; age -d -i "$1" "$2" | zstd -d | tar -x -C "$3"`, "bash", key, arch, dst)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("age -d | zstd -d | tar -x: %v\n%s", err, out)
	}
	for _, e := range m.Entries {
		p := filepath.Join(dst, filepath.FromSlash(e.Name))
		fi, err := os.Lstat(p)
		if err != nil {
			t.Errorf("%s: %v", e.Name, err)
			continue
		}
		switch e.Type {
		case TypeFile:
			got := tree(t, filepath.Dir(p))[filepath.Base(p)]
			if !strings.HasSuffix(got, " "+e.SHA256) || fi.Size() != e.Size {
				t.Errorf("%s: %s (%d bytes), manifest says sha256 %s (%d bytes)", e.Name, got, fi.Size(), e.SHA256, e.Size)
			}
		case TypeSymlink:
			if l, _ := os.Readlink(p); l != e.Link {
				t.Errorf("%s -> %s, manifest says %s", e.Name, l, e.Link)
			}
		case TypeDir:
			if !fi.IsDir() {
				t.Errorf("%s is not a directory", e.Name)
			}
		}
	}
	mj, err := os.ReadFile(filepath.Join(dst, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseManifest(bytes.NewReader(mj))
	if err != nil || len(got.Entries) != len(m.Entries) {
		t.Errorf("manifest.json as extracted: %d entries, %v", len(got.Entries), err)
	}
}

// A passphrase archive is plain age (scrypt): age's library decrypts it and
// the zstd and tar CLIs list the manifest first, then every entry. (age -d
// asks a passphrase only on a terminal, hence the library here.)
func TestPassphraseArchiveOpensWithZstdTar(t *testing.T) {
	needTools(t, "zstd", "tar")
	stacks := stacksFixture(t)
	data, m, _ := archive(t, stacks, Encrypt{Passphrase: []byte("a long passphrase")})
	id, err := age.NewScryptIdentity("a long passphrase")
	must(t, err)
	plain, err := age.Decrypt(bytes.NewReader(data), id)
	must(t, err)
	cmd := exec.CommandContext(context.Background(), "bash", "-c", "set -euo pipefail; zstd -d | tar -t")
	cmd.Stdin = plain
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zstd -d | tar -t: %v", err)
	}
	names := strings.Fields(strings.ReplaceAll(string(out), " ", "_"))
	want := []string{ManifestName}
	for _, e := range m.Entries {
		n := e.Name
		if e.Type == TypeDir {
			n += "/"
		}
		want = append(want, strings.ReplaceAll(n, " ", "_"))
	}
	if !slices.Equal(names, want) {
		t.Errorf("tar -t lists\n%q\nwant\n%q", names, want)
	}
}

// A passphrase header asking more than 2^20 of scrypt is refused before
// any memory is spent on it, as a damaged archive, not a truncated one.
func TestScryptWorkFactorBounded(t *testing.T) {
	stacks := t.TempDir()
	must(t, os.WriteFile(filepath.Join(stacks, "f"), []byte("x"), 0o600))
	var buf bytes.Buffer
	_, _, err := Write(context.Background(), &buf, testManifestNoDump(), Source{Stacks: stacks}, Encrypt{Passphrase: []byte("p")}, WriteOptions{})
	must(t, err)
	data := buf.Bytes()
	i := bytes.Index(data, []byte("-> scrypt "))
	j := i + bytes.IndexByte(data[i:], '\n')
	line := string(data[i:j])
	hostile := strings.Replace(line, " 10", " 22", 1)
	if hostile == line {
		t.Fatalf("no work factor 10 in %q", line)
	}
	data = append(append(bytes.Clone(data[:i]), hostile...), data[j:]...)
	_, err = Verify(context.Background(), bytes.NewReader(data), Decrypt{Passphrase: []byte("p")})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "work factor") {
		t.Errorf("err = %v, want ErrCorrupt naming the work factor", err)
	}
}

// An archive armored by `age -a` (text) opens as well: Sniff calls it native.
func TestArmoredArchive(t *testing.T) {
	id, idFile := newIdentity(t)
	stacks := t.TempDir()
	must(t, os.WriteFile(filepath.Join(stacks, "f"), []byte("x"), 0o600))
	var bin bytes.Buffer
	_, _, err := Write(context.Background(), &bin, testManifestNoDump(), Source{Stacks: stacks}, Encrypt{Recipients: []string{id.Recipient().String()}}, WriteOptions{})
	must(t, err)
	// Re-encrypt the plain stream armored, as `age -a -r KEY` would.
	plain, err := age.Decrypt(&bin, id)
	must(t, err)
	var txt bytes.Buffer
	aw := armor.NewWriter(&txt)
	w, err := age.Encrypt(aw, id.Recipient())
	must(t, err)
	_, err = io.Copy(w, plain)
	must(t, err)
	must(t, w.Close())
	must(t, aw.Close())
	if _, err := Verify(context.Background(), &txt, Decrypt{Identities: idFile}); err != nil {
		t.Fatalf("armored archive: %v", err)
	}
}
