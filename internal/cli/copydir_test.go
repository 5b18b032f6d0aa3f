package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A copy of an install dir records the original's container: a command
// run on the copy must not stop or remove the live instance of another dir.
func TestCopiedDirLeavesTheOriginalsContainerAlone(t *testing.T) {
	original, copied := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(copied, "stacks", "configuration"), 0o755)
	os.WriteFile(filepath.Join(copied, "stacks", "configuration", "docker.env"), []byte("APPSMITH_ENCRYPTION_SALT=x\n"), 0o600)
	if err := state.Save(copied, &state.State{Dir: original, Container: "appsmith", ContainerID: "c1", Version: "v1.9.2"}); err != nil {
		t.Fatal(err)
	}
	live := docker.Container{ID: "c1", Name: "appsmith", Running: true, State: "running",
		Labels: instance.Labels(original, "test", "", instance.RoleCurrent)}
	for _, args := range [][]string{{"stop"}, {"uninstall"}, {"restart"}} {
		eng := emptyEngine(t)
		eng.ContainerInspectFunc = func(_ context.Context, id string) (docker.Container, error) { return live, nil }
		eng.ContainerStopFunc = func(context.Context, string, time.Duration) error {
			t.Errorf("%v stopped the container of %s", args, original)
			return nil
		}
		eng.ContainerRemoveFunc = func(context.Context, string) error {
			t.Errorf("%v removed the container of %s", args, original)
			return nil
		}
		r := run(t, fakeDeps(eng), nil, append([]string{"--dir", copied}, args...)...)
		if !strings.Contains(r.errOut, "belongs to "+original) {
			t.Errorf("%v: no warning naming the original dir:\n%s", args, r.errOut)
		}
	}
}

// Help of a command that takes arguments works without them.
func TestHelpOfACommandWithRequiredArguments(t *testing.T) {
	for _, args := range [][]string{{"tls", "add-ca", "--help"}, {"tls", "remove-ca", "-h"}} {
		r := run(t, fakeDeps(emptyEngine(t)), nil, args...)
		if r.code != 0 || !strings.Contains(r.out+r.errOut, "Usage:") {
			t.Errorf("%v: exit %d\n%s%s", args, r.code, r.out, r.errOut)
		}
	}
}
