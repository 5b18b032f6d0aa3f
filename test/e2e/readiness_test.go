package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// Program output reaches `docker logs` only through supervisor's forwarder.
// With it broken, a backend that aborts on a missed checkpoint prints that
// only to its log file under stacks/logs/backend/ and exits, and supervisor
// keeps the container up: the install still fails on that line (exit 4),
// naming it, not at --timeout.
func TestCheckpointMissedOnlyInTheLogFileFailsFast(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v2.0.1", Fault: "no-forward", KeepRunning: true})
	// The external database was last used by v1.8.15, before the checkpoints.
	// The stand-in has no remote database: it keeps what the real one would
	// hold (the last release started on it) in the stacks volume.
	data := filepath.Join(e.dir, "stacks", "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "standin-backend.json"), []byte(`{"appsmithVersion":"v1.8.15"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.run([]string{"APPSMITH_INSTALL_DB_URL=mongodb://appsmith:secret@db.invalid:27017/appsmith"}, e.installArgs("v2.0.1")...)
	if r.code != 4 {
		t.Fatalf("exit %d, want 4\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "CHECKPOINT MISSED", filepath.Join(e.dir, "stacks", "logs", "backend"))
	if !strings.Contains(r.errOut, "the backend log shows a fatal error") && !strings.Contains(r.errOut, "supervisor gave up on backend") {
		t.Errorf("the failure does not come from the backend's log file or supervisor:\n%s", r.errOut)
	}
	t.Log(r.errOut)
	if strings.Contains(r.errOut, "not ready after") {
		t.Errorf("waited out the timeout:\n%s", r.errOut)
	}
	// The test means something only if `docker logs` never carried the line.
	logs := e.run(nil, "logs", "--tail", "all")
	if strings.Contains(logs.out+logs.errOut, "CHECKPOINT MISSED") {
		t.Fatalf("the container log carries the marker: this test proves nothing:\n%s", logs.out)
	}
	c, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{})
	if err != nil || !c.Container.State.Running {
		t.Fatalf("the container must be kept running for inspection: %v", err)
	}
}
