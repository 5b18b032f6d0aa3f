package testenv

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// FailpointAt is the environment entry that makes a CLI run kill itself
// (SIGKILL, no delay, no cleanup) right after the journal record of type
// typ ("start", "done", "undo_done", ...) for step is durable.
func FailpointAt(typ, step string) string {
	return fmt.Sprintf("%s=%s:%s", engine.FailpointEnv, typ, step)
}

// FailpointAfterRecord kills the run right after its nth journal record.
func FailpointAfterRecord(n int) string {
	return fmt.Sprintf("%s=record:%d", engine.FailpointEnv, n)
}

// KilledAtFailpoint tells a run that died at its failpoint from one that
// exited on its own (even with an error).
func KilledAtFailpoint(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}
