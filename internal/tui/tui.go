// Package tui is the interactive edge of appsmith-install: the install
// wizard (preflight, choices, summary) and the live progress view of a
// running plan. It asks and renders; it never acts. Everything it needs from
// the machine (preflight, free ports, readable files, registry tags, TLS and
// database checks) comes through Env, which the CLI fills, so the wizard
// produces the same install.Options value the flags do and the CLI runs the
// same plan for both.
package tui

import (
	"context"
	"io"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Env is what the wizard may ask of the world. The CLI implements it over
// the real installer; tests fill it with funcs. Nil funcs mean "cannot
// check": the wizard then skips that check rather than failing.
type Env struct {
	// Preflight runs install.Installer.Observe for o.
	Preflight func(ctx context.Context, o install.Options) ([]install.Finding, *install.Observation, error)
	// PortFree reports whether port can be bound on ip (nil = free).
	PortFree func(ip string, port int) error
	// FileReadable reports whether path is a file this user can read.
	FileReadable func(path string) error
	// Tags lists the version tags of the image in the registry, in any
	// order. An error means offline: the user then types a version.
	Tags func(ctx context.Context, o install.Options) ([]string, error)
	// CheckTLS validates the certificate, key, domain and CA inputs.
	CheckTLS func(o install.Options) error
	// TLSDomain is the domain o's own certificate will be served for: the
	// one it names when no domain was typed. The summary, the command it
	// prints and install.yaml carry it, so what is repeated is explicit.
	TLSDomain func(o install.Options) (string, error)
	// CheckDB tries to reach an external database from this host. A failure
	// is a warning only: the container may reach what the host cannot.
	CheckDB func(ctx context.Context, url string) error
	// Plan, when set, lists what an install of o would do; the summary shows
	// it. The CLI wires it to Observe + install.Installer.Plan.
	Plan func(ctx context.Context, o install.Options) (engine.Plan, error)
}

// Action is what the user chose to do.
type Action string

const (
	ActionInstall Action = "install" // install (or converge) with Result.Options; see Confirmed
	ActionStatus  Action = "status"  // an instance exists: show its status
	ActionQuit    Action = "quit"    // leave without changing anything
)

// Result is what the wizard hands back to the CLI.
type Result struct {
	Options   install.Options // normalised; what the flags would have produced
	Action    Action
	Confirmed bool // Action is ActionInstall and the user said go
	// SaveConfigPath is where the user asked to save install.yaml ("" =
	// nowhere). The CLI writes ConfigYAML(Options) there, whatever Action is.
	SaveConfigPath string
}

// WizardOptions are the terminal's facts, decided by the CLI.
type WizardOptions struct {
	Width, Height int  // initial size; 0 = ask the terminal
	NoColor       bool // NO_COLOR: text attributes only
	// Accessible (NO_COLOR or TERM=dumb) gives huh's line-by-line prompts
	// instead of a redrawn screen: screen readers and dumb terminals.
	Accessible bool

	// Progress only: when Input is set, keys are read from it and a
	// confirmed Ctrl-C calls Interrupt (the CLI cancels the plan's context,
	// so the plan stops cleanly and a re-run continues). When Input is nil
	// the terminal stays in cooked mode and Ctrl-C is the CLI's SIGINT.
	Input     io.Reader
	Interrupt func()
}

// FinalSummary is the outcome shown on the progress view's last screen.
type FinalSummary struct {
	URL, Dir, Version string
	Err               error  // nil: success
	Hint              string // what to do about Err
}

// ProgressUI renders a running plan: feed it as the plan's engine.Sink,
// then call Done with the outcome and Close to restore the terminal.
type ProgressUI interface {
	engine.Sink
	Done(summary FinalSummary)
	Close() error
}
