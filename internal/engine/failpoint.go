package engine

import (
	"os"
	"strconv"
	"strings"
	"syscall"
)

// FailpointEnv names the fault-injection point: the process kills itself
// (SIGKILL, no cleanup, as a power loss or an OOM kill would) right after a
// journal record is durable. Tests use it to prove that every point of an
// operation converges on the next run — the way etcd's gofail failpoints
// are used. Values:
//
//	record:N          after the Nth record of any journal this process writes
//	TYPE:STEP         after the record of that type for that step key (start:write, done:restart, undo_done:write)
//
// It is read once per journal; unset (the normal case) costs nothing.
const FailpointEnv = "APPSMITH_INSTALL_FAILPOINT"

type failpoint struct {
	n          int // record:N
	typ, step  string
	configured bool
}

func failpointFromEnv() failpoint {
	v := os.Getenv(FailpointEnv)
	if v == "" {
		return failpoint{}
	}
	kind, arg, ok := strings.Cut(v, ":")
	if !ok {
		return failpoint{}
	}
	if kind == "record" {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 {
			return failpoint{}
		}
		return failpoint{n: n, configured: true}
	}
	return failpoint{typ: kind, step: arg, configured: true}
}

func (f failpoint) check(r Record) {
	if !f.configured {
		return
	}
	if (f.n > 0 && r.Seq == f.n) || (f.typ == string(r.Type) && f.step == r.Step) {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way; nothing more may happen
	}
}
