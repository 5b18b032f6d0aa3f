package cli

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Quiet output is warnings and failures, each once: the sink's "error:"
// line and Main's final one must not both appear when they say the same.
func TestQuietFailureSaidOnce(t *testing.T) {
	dir := t.TempDir()
	state.Save(dir, &state.State{Dir: dir, Container: "appsmith-a", ContainerID: "a", Version: "v1.9.2"})
	eng := dockerfake.New(t).Serve(managed("a", dir, true))
	eng.ContainerStopFunc = func(context.Context, string, time.Duration) error { return errors.New("engine said no") }
	r := run(t, fakeDeps(eng), nil, "stop", "--dir", dir, "--progress", "quiet")
	if r.code == 0 {
		t.Fatalf("stop succeeded: %s", r.errOut)
	}
	var errLines []string
	for _, l := range strings.Split(r.errOut, "\n") {
		if strings.HasPrefix(l, "error: ") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 || !strings.Contains(errLines[0], "engine said no") {
		t.Fatalf("want the failure once, got:\n%s", r.errOut)
	}
}
