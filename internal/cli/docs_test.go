package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docsDir is the repository's docs/, the committed output of GenerateDocs.
const docsDir = "../../docs"

// TestDocsUpToDate fails when a command, flag or option changed without
// the generated reference following: go test ./internal/cli -run TestDocs
// -update rewrites docs/.
func TestDocsUpToDate(t *testing.T) {
	got := t.TempDir()
	if err := GenerateDocs(got); err != nil {
		t.Fatal(err)
	}
	if *update {
		for _, sub := range []string{"cli", "man", "config.md"} {
			os.RemoveAll(filepath.Join(docsDir, sub))
		}
		if err := os.CopyFS(docsDir, os.DirFS(got)); err != nil {
			t.Fatal(err)
		}
	}
	gen, committed := readTree(t, got), readTree(t, docsDir)
	for name, b := range gen {
		c, ok := committed[name]
		switch {
		case !ok:
			t.Errorf("docs/%s is missing (go test ./internal/cli -run TestDocs -update)", name)
		case !bytes.Equal(b, c):
			t.Errorf("docs/%s is stale (go test ./internal/cli -run TestDocs -update)", name)
		}
	}
	for name := range committed {
		if _, ok := gen[name]; !ok && (strings.HasPrefix(name, "cli/") || strings.HasPrefix(name, "man/")) {
			t.Errorf("docs/%s documents a command that no longer exists (go test ./internal/cli -run TestDocs -update)", name)
		}
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// TestEveryEnvironmentVariableDocumented scans the product's code for the
// variables it reads; each must be in OtherEnv (and so in docs/config.md).
func TestEveryEnvironmentVariableDocumented(t *testing.T) {
	// A literal read, or a constant named for the variable it holds
	// (const EndpointEnv = "APPSMITH_METADATA_ENDPOINT").
	re := regexp.MustCompile(`(?:Getenv|getenv|LookupEnv)\("([A-Z][A-Z0-9_]*)"\)|[A-Za-z]*Env[A-Za-z]*\s*=\s*"([A-Z][A-Z0-9_]*)"`)
	seen := 0
	for _, top := range []string{"../../cmd", "../../install", "../../upgrade", "../../backup", "../../internal"} {
		filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || d.Name() == "testenv" || d.Name() == "dockerfake") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllSubmatch(b, -1) {
				seen++
				name := string(m[1]) + string(m[2])
				if _, ok := OtherEnv[name]; !ok && !strings.HasPrefix(name, installEnvPrefix) {
					t.Errorf("%s reads %s, which OtherEnv (docs/config.md) does not document", p, name)
				}
			}
			return nil
		})
	}
	if seen == 0 {
		t.Fatal("found no Getenv call at all: the scan is broken")
	}
}
