package install

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

type quietReporter struct{}

func (quietReporter) Progress(string, string, int64, int64) {}
func (quietReporter) Log(string)                            {}
func (quietReporter) Warn(string)                           {}
func (quietReporter) Output(string, string)                 {}

// The install's own wait knows the fatal markers of the version it
// installs: a backend that aborts on a missed checkpoint while the
// container keeps running fails the install on that line, not at --timeout.
func TestInstallWaitFailsOnAFatalLogLine(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	t.Cleanup(srv.Close)
	f.o.HTTPPort, _ = strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	f.o.Timeout = 30 * time.Second
	f.d.ContainerInspectFunc = func(_ context.Context, id string) (docker.Container, error) {
		return docker.Container{ID: id, State: "running", Running: true, StartedAt: time.Now()}, nil
	}
	f.d.ContainerLogsFunc = func(_ context.Context, _ string, _ docker.LogsOptions, stdout, _ io.Writer) error {
		_, err := io.WriteString(stdout, "backend stdout | ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED\n")
		return err
	}
	f.d.ExecFunc = func(context.Context, string, []string, []string, io.Reader) (docker.ExecResult, error) {
		return docker.ExecResult{Stdout: []byte("backend  STARTING\n")}, nil
	}
	r := &run{in: f.in, d: f.d, o: f.o, container: &docker.Container{ID: "c1"}}
	err := r.waitReady(context.Background(), quietReporter{})
	var ee *engine.Error
	if !errors.As(err, &ee) || ee.Code != engine.ExitNotReady {
		t.Fatalf("want exit %d, got %v", engine.ExitNotReady, err)
	}
	if !strings.Contains(err.Error(), "fatal: backend stdout | ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED") || strings.Contains(err.Error(), "not ready after") {
		t.Fatalf("the install did not fail on the marker:\n%v", err)
	}
}
