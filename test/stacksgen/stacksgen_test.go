package stacksgen

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// treeSum hashes names, modes and contents, and measures how well the
// content compresses.
func treeSum(t *testing.T, dir string) (sum string, raw, packed int64) {
	t.Helper()
	h := sha256.New()
	cw := &countWriter{}
	zw := gzip.NewWriter(cw)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, _ := d.Info()
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s %o\n", rel, fi.Mode())
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		h.Write(b)
		zw.Write(b)
		raw += int64(len(b))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return hex.EncodeToString(h.Sum(nil)), raw, cw.n
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestGenerateTiny(t *testing.T) {
	const size = 2 << 20
	a, b, c := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b"), filepath.Join(t.TempDir(), "c")
	st, err := Generate(a, Options{Size: size, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(b, Options{Size: size, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(c, Options{Size: size, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	sumA, raw, packed := treeSum(t, a)
	sumB, _, _ := treeSum(t, b)
	sumC, _, _ := treeSum(t, c)
	if sumA != sumB {
		t.Errorf("same seed, different trees")
	}
	if sumA == sumC {
		t.Errorf("different seeds, same tree")
	}
	if raw != st.Bytes || raw < size*98/100 || raw > size*102/100 {
		t.Errorf("%d bytes on disk, stats say %d, asked for %d", raw, st.Bytes, size)
	}
	if ratio := float64(packed) / float64(raw); ratio < 0.3 || ratio > 0.8 {
		t.Errorf("gzip ratio %.2f: want partly compressible data", ratio)
	}
	small := 0
	_ = filepath.WalkDir(filepath.Join(a, "git-storage"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			small++
		}
		return nil
	})
	if small < 100 || st.Files < small+10 {
		t.Errorf("%d small files of %d", small, st.Files)
	}

	env, err := os.ReadFile(filepath.Join(a, "configuration", "docker.env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD=", "APPSMITH_ENCRYPTION_SALT=", "APPSMITH_DB_URL=mongodb://appsmith:"} {
		if !strings.Contains(string(env), k) {
			t.Errorf("docker.env lacks %s", k)
		}
	}
	if fi, err := os.Stat(filepath.Join(a, "data", "mongodb", "key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mongodb key: %v %v", fi, err)
	}
	var st2 struct{ Version, FCV, AppsmithVersion string }
	b2, _ := os.ReadFile(filepath.Join(a, "data", "mongodb", "standin-mongo.json"))
	if err := json.Unmarshal(b2, &st2); err != nil || st2 != (struct{ Version, FCV, AppsmithVersion string }{"5.0.14", "5.0", "v1.9.2"}) {
		t.Errorf("mongo state %s (%v)", b2, err)
	}

	users, _ := os.ReadFile(filepath.Join(a, "data", "mongodb", "standin-docs", "appsmith.users.jsonl"))
	if n := strings.Count(string(users), "\n"); n != SeedUsers {
		t.Errorf("%d users, want %d", n, SeedUsers)
	}

	if _, err := Generate(a, Options{Size: size}); err == nil {
		t.Errorf("generated into a non-empty directory")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"100M": 100 << 20, "2G": 2 << 30, "512k": 512 << 10, "4096": 4096} {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "M", "-1G", "1T", "1.5G"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}
