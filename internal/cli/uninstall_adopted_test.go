package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// An adopted instance's stacks were there before this tool: --purge deletes
// only what appsmith-install made (appsmith.yaml, journal/, its backups/),
// keeps the stacks and says how to delete them; --delete-adopted-data (with
// --yes) deletes them too.
func TestUninstallPurgeKeepsAdoptedData(t *testing.T) {
	setup := func(t *testing.T) (string, *dockerfake.Engine) {
		dir := t.TempDir()
		state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2",
			Adopted: &state.Adoption{At: time.Now(), From: "appsmith", Replaced: true, Preexisting: []string{"stacks"}}})
		os.MkdirAll(filepath.Join(dir, "stacks", "configuration"), 0o700)
		os.WriteFile(filepath.Join(dir, "stacks", "configuration", "docker.env"), []byte("APPSMITH_ENCRYPTION_PASSWORD=x\n"), 0o600)
		os.MkdirAll(filepath.Join(dir, "journal"), 0o700)
		os.MkdirAll(filepath.Join(dir, "backups"), 0o700)
		eng := dockerfake.New(t).Serve(managed("a", dir, false))
		eng.ContainerRemoveFunc = func(context.Context, string) error { return nil }
		return dir, eng
	}

	dir, eng := setup(t)
	stdio, _, errOut := testIO()
	err := uninstallRun(context.Background(), &UninstallOptions{IO: stdio, Deps: fakeDeps(eng), Root: &rootOpts{dir: dir, progress: "plain"}, Purge: true, Yes: true})
	if err != nil {
		t.Fatalf("uninstallRun: %v\n%s", err, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "stacks", "configuration", "docker.env")); err != nil {
		t.Fatalf("--purge deleted the stacks of an adopted instance: %v", err)
	}
	for _, gone := range []string{state.FileName, "journal", "backups"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
			t.Errorf("%s was made by appsmith-install and is still there: %v", gone, err)
		}
	}
	contains(t, errOut.String(), "Kept "+filepath.Join(dir, "stacks"), "before `appsmith adopt`", "rm -rf "+filepath.Join(dir, "stacks"), "--delete-adopted-data")

	// Asked for, the adopted data goes too.
	dir, eng = setup(t)
	stdio, _, errOut = testIO()
	err = uninstallRun(context.Background(), &UninstallOptions{IO: stdio, Deps: fakeDeps(eng), Root: &rootOpts{dir: dir, progress: "plain"}, Purge: true, Yes: true, DeleteAdopted: true})
	if err != nil {
		t.Fatalf("uninstallRun --delete-adopted-data: %v\n%s", err, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("--delete-adopted-data left %s: %v", dir, err)
	}

	// Without --purge the flag is a usage error, and nothing changes.
	dir, eng = setup(t)
	stdio, _, _ = testIO()
	err = uninstallRun(context.Background(), &UninstallOptions{IO: stdio, Deps: fakeDeps(eng), Root: &rootOpts{dir: dir}, DeleteAdopted: true})
	if err == nil || !strings.Contains(err.Error(), "--purge") {
		t.Errorf("--delete-adopted-data alone: %v", err)
	}
}
