package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// listDir is the names in dir, sorted; nil when it does not exist.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// TestNonEmptyDirAndPurgeKeepForeignFiles: a dir holding someone's files is
// refused unless --allow-non-empty-dir; an install inside it converges;
// another install inside its stacks is refused; and --purge deletes only what
// the installer created, keeping the rest and the dir.
func TestNonEmptyDirAndPurgeKeepForeignFiles(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	important := filepath.Join(e.dir, "my-project", "important.txt")
	if err := os.MkdirAll(filepath.Dir(important), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(important, []byte("not Appsmith's"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, dry := range [][]string{{"--dry-run"}, nil} {
		r := e.run(nil, append(e.installArgs("v1.9.2"), dry...)...)
		if r.code != 3 {
			t.Fatalf("install %v into a non-empty dir: exit %d, want 3\n%s", dry, r.code, r.errOut)
		}
		contains(t, "refusal", r.errOut, "is not empty", "my-project", "--allow-non-empty-dir", "nothing was changed")
		if got := listDir(t, e.dir); strings.Join(got, " ") != "my-project" {
			t.Fatalf("the refused install changed %s: %v", e.dir, got)
		}
	}
	if _, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{}); err == nil {
		t.Fatal("the refused install created a container")
	}

	r := e.run(nil, append(e.installArgs("v1.9.2"), "--allow-non-empty-dir")...)
	e.mustSucceed(r, "install with --allow-non-empty-dir")
	contains(t, "install stderr", r.errOut, "my-project", "--allow-non-empty-dir")
	// A re-run needs no flag: the dir holds an install now.
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "re-run without the flag")

	// Another install inside this one's data is refused, dry run or not,
	// even with --allow-non-empty-dir.
	inner := filepath.Join(e.dir, "stacks", "inner")
	for _, dry := range [][]string{{"--dry-run"}, nil} {
		args := append(e.installArgs("v1.9.2", "--container-name", e.name+"-inner", "--allow-non-empty-dir"), dry...)
		r = e.run(nil, append(args, "--dir", inner)...)
		if r.code != 3 {
			t.Fatalf("install %v inside another install's stacks: exit %d, want 3\n%s", dry, r.code, r.errOut)
		}
		contains(t, "refusal", r.errOut, inner+" is inside the data of the Appsmith install in "+e.dir)
		if _, err := os.Stat(inner); !os.IsNotExist(err) {
			t.Fatalf("the refused install created %s", inner)
		}
	}

	if r = e.run(nil, "uninstall", "--purge"); r.code != 2 {
		t.Fatalf("purge without --yes: exit %d, want 2", r.code)
	}
	contains(t, "purge refusal", r.errOut, "stacks/", "appsmith.yaml", "--yes")
	r = e.run(nil, "uninstall", "--purge", "--yes", "--progress", "plain")
	e.mustSucceed(r, "purge")
	contains(t, "purge stderr", r.errOut, "Delete appsmith.yaml, stacks/ from "+e.dir, "my-project")
	if data, err := os.ReadFile(important); err != nil || string(data) != "not Appsmith's" {
		t.Fatalf("purge lost the user's file: %v", err)
	}
	if got := listDir(t, e.dir); strings.Join(got, " ") != "my-project" {
		t.Fatalf("after purge %s holds %v, want only my-project", e.dir, got)
	}
}

// TestProtectedDirsRefused: /, a home directory and a system directory are
// usage errors (exit 2) that plan nothing and change nothing.
func TestProtectedDirsRefused(t *testing.T) {
	e := newEnv(t)
	_, rootStacksBefore := os.Stat("/stacks")
	home := t.TempDir()
	for _, c := range []struct {
		dir   string
		env   []string
		names string
	}{
		{dir: "/", names: "--dir"},
		{dir: "/usr/local", names: "--dir"},
		{dir: home, env: []string{"HOME=" + home}, names: "--dir"},
		{env: []string{"APPSMITH_DIR=/"}, names: "APPSMITH_DIR"},
	} {
		for _, dry := range [][]string{{"--dry-run"}, nil} {
			args := append(e.installArgs("v1.9.2"), dry...)
			if c.dir != "" {
				args = append(args, "--dir", c.dir) // the last --dir decides
			}
			r := runBinary(t, c.env, args...)
			if r.code != 2 {
				t.Fatalf("%v %v: exit %d, want 2\nstdout:\n%s\nstderr:\n%s", c, dry, r.code, r.out, r.errOut)
			}
			contains(t, "refusal", r.errOut, c.names)
			if strings.Contains(r.out, "stacks") {
				t.Errorf("%v %v planned something:\n%s", c, dry, r.out)
			}
		}
	}
	if _, err := os.Stat("/stacks"); os.IsNotExist(rootStacksBefore) && !os.IsNotExist(err) {
		t.Fatal("/stacks was created")
	}
	if got := listDir(t, home); len(got) != 0 {
		t.Fatalf("the home dir was changed: %v", got)
	}
	e.noDir()
}

// runBinary runs the binary without the test's --dir.
func runBinary(t *testing.T, extraEnv []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true", "NO_COLOR=1"), extraEnv...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{out: out.String(), errOut: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running %v: %v", args, err)
	}
	return r
}

// TestSharedLinkDir: two installs share one --link-dir. Uninstalling one
// keeps the link the other uses; the last uninstall removes it. A --link-dir
// that does not exist is reported.
func TestSharedLinkDir(t *testing.T) {
	a := newEnv(t)
	a.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	b := &env{t: t, cli: a.cli, reg: a.reg, dir: filepath.Join(filepath.Dir(a.dir), "second"), linkDir: a.linkDir,
		name: testenv.UniqueName(t, "e2e-b"), http: testenv.FreePort(t), https: testenv.FreePort(t)}
	testenv.RemoveContainersOnCleanup(t, b.cli, b.name)
	link := filepath.Join(a.linkDir, "appsmith")

	missing := filepath.Join(t.TempDir(), "no-such-bin")
	r := a.run(nil, append(a.installArgs("v1.9.2"), "--dry-run", "--link-dir", missing)...)
	a.mustSucceed(r, "dry run with a missing --link-dir")
	contains(t, "findings", r.errOut, "--link-dir "+missing, "will not be linked")

	a.mustSucceed(a.run(nil, a.installArgs("v1.9.2")...), "install a")
	b.mustSucceed(b.run(nil, b.installArgs("v1.9.2")...), "install b")
	if target, err := os.Readlink(link); err != nil || filepath.Base(target) != "appsmith-install" {
		t.Fatalf("appsmith link: %q %v", target, err)
	}

	r = a.run(nil, "uninstall", "--progress", "plain")
	a.mustSucceed(r, "uninstall a")
	contains(t, "uninstall a", r.errOut, "Keeping the link "+link, b.dir)
	if _, err := os.Readlink(link); err != nil {
		t.Fatalf("uninstalling a removed the link b uses: %v", err)
	}
	if r = b.run(nil, "status", "--json"); r.code != 0 {
		t.Fatalf("b after a's uninstall: exit %d\n%s", r.code, r.errOut)
	}

	// The engine is shared with other tests: an install of theirs that has
	// not recorded its link yet may use this one too, and then the link
	// stays, naming it. It never names a, which is gone.
	r = b.run(nil, "uninstall", "--progress", "plain")
	b.mustSucceed(r, "uninstall b")
	if _, kept, _ := strings.Cut(r.errOut, "Keeping the link"); kept != "" {
		if line, _, _ := strings.Cut(kept, "\n"); strings.Contains(line, a.dir) {
			t.Fatalf("uninstall b kept the link for an install that is gone:\n%s", r.errOut)
		}
	} else {
		contains(t, "uninstall b", r.errOut, "Remove the link "+link)
		if _, err := os.Lstat(link); !os.IsNotExist(err) {
			t.Fatalf("the last uninstall left the link: %v", err)
		}
	}
}
