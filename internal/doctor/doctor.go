// Package doctor looks at an install and the machine it runs on for what
// breaks Appsmith instances in the wild, and says for each finding what to
// run to fix it. It only reads: no check changes the instance. The command
// line renders the report (`appsmith doctor`), the support bundle carries it,
// and README's Troubleshooting section is generated from the check list.
package doctor

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Status is how bad a finding is. The JSON names are documented in README.
type Status string

const (
	OK   Status = "ok"
	Info Status = "info" // worth knowing; nothing to fix
	Warn Status = "warn" // works today, breaks later (or elsewhere)
	Fail Status = "fail" // broken now, or data at risk
)

func (s Status) rank() int {
	switch s {
	case Info:
		return 1
	case Warn:
		return 2
	case Fail:
		return 3
	}
	return 0
}

// Finding is one fact a check found, what it is about and how to fix it.
// Fields are added, never renamed (`appsmith doctor --json`).
type Finding struct {
	ID      string `json:"id"`
	Status  Status `json:"status"`
	Title   string `json:"title"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"` // the file, dir or object it is about
	Fix     string `json:"fix,omitempty"`  // a command to run, or what to change
}

// Report is every finding, in check order, and the worst status.
type Report struct {
	Findings []Finding `json:"findings"`
	Worst    Status    `json:"worst"`
}

// ExitCode is the documented exit code for the report: 0 when nothing is
// worse than info, ExitWarnings for warnings only, 1 for any failure.
func (r Report) ExitCode() int {
	switch r.Worst {
	case Fail:
		return engine.ExitFailure
	case Warn:
		return engine.ExitWarnings
	}
	return engine.ExitOK
}

// Docker is the part of the Engine API the checks use.
type Docker interface {
	Info(ctx context.Context) (docker.EngineInfo, error)
	Exec(ctx context.Context, id string, cmd []string, env []string, stdin io.Reader) (docker.ExecResult, error)
}

// Host is what the checks read of the machine; a struct of funcs so tests
// can give a full disk or a CPU without AVX. The command line fills it from
// install.Host, where the real probes live. A nil func skips its check.
type Host struct {
	DiskFree   func(path string) (uint64, error)
	HasAVX     func() (bool, error)
	PortFree   func(ip string, port int) error
	LookupHost func(ctx context.Context, host string) ([]string, error)
	HostIPs    func(ctx context.Context) ([]string, error)
}

// Env is what the checks look at. The caller finds the install (its dir,
// state and container) the way every day-two command does.
type Env struct {
	Dir       string
	Installed bool // a state file, a container or a docker.env: there is an install to look at
	// Engine is nil when DockerErr says why it could not be reached.
	Engine    Docker
	DockerErr error
	State     *state.State
	Container *docker.Container // nil when gone (or no install)
	// InfoVersion asks the running instance's /info for its version.
	InfoVersion func(ctx context.Context) (string, error)
	Host        Host
	Now         time.Time

	info       *docker.EngineInfo
	infoErr    error
	env        *stacks.EnvFile
	envErr     error
	envLoaded  bool
	version    *string
	versionErr error
}

// Run runs every check in order.
func Run(ctx context.Context, e *Env) Report {
	if e.Now.IsZero() {
		e.Now = time.Now()
	}
	r := Report{Worst: OK, Findings: []Finding{}}
	for _, c := range Checks {
		var fs []Finding
		if c.Install && !e.Installed {
			fs = []Finding{{Status: Info, Message: "not installed: no Appsmith install in " + e.Dir}}
		} else {
			fs = c.run(ctx, e)
		}
		for _, f := range fs {
			f.ID, f.Title = c.ID, c.Title
			if f.Status.rank() > r.Worst.rank() {
				r.Worst = f.Status
			}
			r.Findings = append(r.Findings, f)
		}
	}
	return r
}

// Check is one concern. Finds and Fix describe it for README.
type Check struct {
	ID, Title string
	Finds     string // what it looks for
	Fix       string // the usual fix
	Install   bool   // about an install: "not installed" without one
	run       func(ctx context.Context, e *Env) []Finding
}

func ok(format string, args ...any) Finding {
	return Finding{Status: OK, Message: fmt.Sprintf(format, args...)}
}
