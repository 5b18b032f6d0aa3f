package testenv

import (
	"archive/tar"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"
)

// SecretForms are the encodings a secret may take in a file: as is,
// base64 (both alphabets, padded or not), URL-encoded, JSON-escaped.
func SecretForms(secret string) []string {
	j, _ := json.Marshal(secret)
	out := []string{secret, strings.Trim(string(j), `"`), url.QueryEscape(secret), url.PathEscape(secret)}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, enc.EncodeToString([]byte(secret)))
	}
	seen := map[string]bool{}
	uniq := out[:0]
	for _, f := range out {
		if !seen[f] {
			seen[f] = true
			uniq = append(uniq, f)
		}
	}
	return uniq
}

// ReadTarGz returns every regular file of a tar.gz by name. Any other entry
// type fails the test: a bundle holds files only.
func ReadTarGz(t testing.TB, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			t.Errorf("%s: %s is not a regular file (type %c)", path, hdr.Name, hdr.Typeflag)
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[hdr.Name] = data
	}
	return files
}

// NoSecretIn fails the test for each secret found, in any of its
// SecretForms, in any file (names included).
func NoSecretIn(t testing.TB, files map[string][]byte, secrets ...string) {
	t.Helper()
	for name, data := range files {
		for _, s := range secrets {
			for _, form := range SecretForms(s) {
				if strings.Contains(string(data), form) || strings.Contains(name, form) {
					t.Errorf("%s holds the secret %q (as %q)", name, s, form)
				}
			}
		}
	}
}
