package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/lock"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A command that changes the instance takes the install's lock before it
// looks at the instance: while another run holds it, the command is
// refused at once and reads nothing it could decide from.
func TestChangingCommandsLockBeforeTheyLook(t *testing.T) {
	dir := t.TempDir()
	if err := state.Save(dir, &state.State{Dir: dir, Container: "appsmith", ContainerID: "c1", Version: "v1.9.2"}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "stacks"), 0o755)
	held, err := lock.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	for _, args := range [][]string{{"stop"}, {"start"}, {"restart"}, {"uninstall"}, {"tls", "proxy"}} {
		eng := emptyEngine(t)
		looked := false
		eng.ContainerInspectFunc = func(context.Context, string) (docker.Container, error) {
			looked = true
			return docker.Container{ID: "c1", Running: true}, nil
		}
		eng.ContainerListFunc = func(context.Context, map[string]string) ([]docker.Container, error) { looked = true; return nil, nil }
		r := run(t, fakeDeps(eng), nil, append([]string{"--dir", dir}, args...)...)
		if r.code != 1 || !strings.Contains(r.errOut, "pid") {
			t.Errorf("%v while the lock is held: exit %d\n%s", args, r.code, r.errOut)
		}
		if looked {
			t.Errorf("%v looked at the instance before taking the lock", args)
		}
	}
}
