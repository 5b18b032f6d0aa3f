package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// TestAllowNonEmptyDirFromEveryLayer: someone's non-empty dir is a preflight
// failure (exit 3) naming what is there; the flag, its config key and its
// environment variable each let the install go on.
func TestAllowNonEmptyDirFromEveryLayer(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	base := []string{"--dry-run", "--dir", dir, "--link-dir", "", "--progress", "plain"}

	r := run(t, fakeDeps(emptyEngine(t)), nil, base...)
	if r.code != 3 || !strings.Contains(r.errOut, "notes.txt") || !strings.Contains(r.errOut, "--allow-non-empty-dir") {
		t.Fatalf("non-empty dir: exit %d, want 3 naming notes.txt and the flag\n%s", r.code, r.errOut)
	}
	cfg := filepath.Join(t.TempDir(), "install.yaml")
	os.WriteFile(cfg, []byte("allow_non_empty_dir: true\n"), 0o644)
	for name, r := range map[string]result{
		"flag":   run(t, fakeDeps(emptyEngine(t)), nil, append(base, "--allow-non-empty-dir")...),
		"env":    run(t, fakeDeps(emptyEngine(t)), map[string]string{"APPSMITH_INSTALL_ALLOW_NON_EMPTY_DIR": "true"}, base...),
		"config": run(t, fakeDeps(emptyEngine(t)), nil, append(base, "--config", cfg)...),
	} {
		if r.code != 0 || !strings.Contains(r.out, "Create the stacks directory") {
			t.Errorf("%s: exit %d\n%s%s", name, r.code, r.out, r.errOut)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a dry run changed %s: %v", dir, entries)
	}
}

// TestProtectedDirIsUsageError: / is refused before anything is looked at,
// naming where the value came from.
func TestProtectedDirIsUsageError(t *testing.T) {
	r := run(t, fakeDeps(emptyEngine(t)), map[string]string{"APPSMITH_DIR": "/"}, "--dry-run", "--progress", "plain")
	if r.code != 2 || !strings.Contains(r.errOut, `APPSMITH_DIR "/"`) || r.out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 2 naming APPSMITH_DIR", r.code, r.out, r.errOut)
	}
}

// TestPurgePromptListsWhatGoesAndWhatStays: on a terminal --purge names each
// entry it deletes and the files it keeps; "no" changes nothing.
func TestPurgePromptListsWhatGoesAndWhatStays(t *testing.T) {
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith", ContainerID: "gone"})
	os.MkdirAll(filepath.Join(dir, "stacks", "configuration"), 0o700)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	eng := &dockerfake.Engine{
		T:                    t,
		ContainerInspectFunc: func(context.Context, string) (docker.Container, error) { return docker.Container{}, docker.ErrNotFound },
		ContainerListFunc:    func(context.Context, map[string]string) ([]docker.Container, error) { return nil, nil },
	}
	var out, errOut bytes.Buffer
	code := Main(context.Background(), []string{"appsmith", "--dir", dir, "uninstall", "--purge"}, IO{
		In: strings.NewReader("n\n"), Out: &out, Err: &errOut, IsTTY: true,
		Getenv: func(string) string { return "" },
	}, fakeDeps(eng))
	if code != 1 {
		t.Fatalf("not confirmed: exit %d, want 1\n%s", code, errOut.String())
	}
	for _, want := range []string{filepath.Join(dir, "stacks"), filepath.Join(dir, "appsmith.yaml"), "keeps", "notes.txt", "[y/N]"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("prompt lacks %q:\n%s", want, errOut.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("an unconfirmed purge changed %s: %v", dir, entries)
	}
}

// The environment the command is given is the one the core checks: a
// SUDO_USER set for the command (not the test process) protects that
// user's home.
func TestSudoUserComesFromTheCommandsEnvironment(t *testing.T) {
	r := run(t, fakeDeps(emptyEngine(t)), map[string]string{"SUDO_USER": "nobody"}, "--dry-run", "--dir", "/nonexistent", "--progress", "plain")
	if r.code != 2 || !strings.Contains(r.errOut, `--dir "/nonexistent"`) || !strings.Contains(r.errOut, "your home directory") {
		t.Fatalf("exit %d, stderr %q; want 2: /nonexistent is the home of SUDO_USER nobody", r.code, r.errOut)
	}
}
