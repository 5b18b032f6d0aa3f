// Package dockerfake is the one stand-in for the Docker engine in unit tests:
// an Engine whose methods are those of *docker.Client, each calling the func
// a test set for it. A call the test did not script fails the test naming
// the call and its arguments, instead of a nil-func panic that kills the
// test binary and says only "nil pointer dereference".
//
// Consumers keep declaring the narrow interface they use; their tests assert
// that *Engine satisfies it (this package cannot import them). Only tests
// import this package: internal/arch keeps it out of the binary.
package dockerfake

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// Engine answers as a test scripts it. The funcs take the same arguments as
// the methods, ctx included: a fake that follows logs must be able to block
// until the caller cancels, as the engine does.
type Engine struct {
	// T fails the test on an unexpected call. It gets Errorf, never Fatalf:
	// some calls (readiness follows logs) come from other goroutines.
	T testing.TB

	InfoFunc func(ctx context.Context) (docker.EngineInfo, error)

	ImageInspectFunc func(ctx context.Context, ref string) (docker.Image, error)
	ImagePullFunc    func(ctx context.Context, ref string, onEvent func(docker.PullEvent)) error
	ImageTagFunc     func(ctx context.Context, src, target string) error
	ImageRemoveFunc  func(ctx context.Context, ref string) error
	ImageSaveFunc    func(ctx context.Context, refs []string) (io.ReadCloser, error)
	ImageLoadFunc    func(ctx context.Context, archive io.Reader) ([]string, error)
	ImagePushFunc    func(ctx context.Context, ref string, onEvent func(docker.PullEvent)) error

	ContainerInspectFunc    func(ctx context.Context, nameOrID string) (docker.Container, error)
	ContainerListFunc       func(ctx context.Context, labels map[string]string) ([]docker.Container, error)
	ContainerCreateFunc     func(ctx context.Context, spec docker.ContainerSpec) (string, error)
	ContainerStartFunc      func(ctx context.Context, id string) error
	ContainerStopFunc       func(ctx context.Context, id string, timeout time.Duration) error
	ContainerRemoveFunc     func(ctx context.Context, id string) error
	ContainerLogsFunc       func(ctx context.Context, id string, opts docker.LogsOptions, stdout, stderr io.Writer) error
	ContainerRenameFunc     func(ctx context.Context, id, newName string) error
	ContainerSetRestartFunc func(ctx context.Context, id, policy string) error
	ContainerWaitFunc       func(ctx context.Context, id string) (int, error)
	ContainerKillFunc       func(ctx context.Context, id, signal string) error
	// ContainerExitedFunc, unset, never reports an exit: a stop request's
	// return then decides, as with an engine whose event stream failed.
	ContainerExitedFunc func(ctx context.Context, id string) <-chan struct{}

	CopyFromContainerFunc func(ctx context.Context, id, path string) (io.ReadCloser, error)
	CopyToContainerFunc   func(ctx context.Context, id, dir string, content io.Reader) error

	ExecFunc       func(ctx context.Context, id string, cmd, env []string, stdin io.Reader) (docker.ExecResult, error)
	ExecStreamFunc func(ctx context.Context, id string, cmd, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error)

	mu    sync.Mutex
	calls []Call
}

// New is an Engine that expects no call until the test sets its funcs.
func New(t testing.TB) *Engine { return &Engine{T: t} }

// Call is one method call the Engine received, ctx left out.
type Call struct {
	Method string
	Args   []any
}

func (c Call) String() string { return c.Method + "(" + formatArgs(c.Args) + ")" }

// Calls lists every call received so far, in order, scripted or not.
func (e *Engine) Calls() []Call {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Call(nil), e.calls...)
}

// Methods is Calls by method name only: the order of steps a test asserts
// ("ContainerStop ContainerRemove").
func (e *Engine) Methods() []string {
	calls := e.Calls()
	names := make([]string, len(calls))
	for i, c := range calls {
		names[i] = c.Method
	}
	return names
}

// record notes the call and says whether the test scripted it; an
// unscripted call fails the test and gets the error it returns.
func (e *Engine) record(method string, scripted bool, args ...any) error {
	c := Call{Method: method, Args: args}
	e.mu.Lock()
	e.calls = append(e.calls, c)
	e.mu.Unlock()
	if scripted {
		return nil
	}
	err := fmt.Errorf("dockerfake: unexpected call %s", c)
	if e.T == nil {
		panic(err.Error() + " (and no T to report it to)")
	}
	e.T.Errorf("%v", err)
	return err
}

// formatArgs quotes strings, so an empty ID or a name with spaces shows.
func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			parts[i] = fmt.Sprintf("%q", s)
		} else {
			parts[i] = fmt.Sprintf("%+v", a)
		}
	}
	return strings.Join(parts, ", ")
}
