package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Mode selects how events are rendered; it is the value of --progress.
type Mode string

// The modes. Their spellings are part of the CLI and never change.
const (
	ModeAuto  Mode = "auto"  // tty on a terminal, plain otherwise
	ModeTTY   Mode = "tty"   // live area redrawn in place
	ModePlain Mode = "plain" // one stable line per meaningful event
	ModeJSON  Mode = "json"  // NDJSON, one engine.Event per line
	ModeQuiet Mode = "quiet" // warnings and failures only
)

// Modes lists the accepted modes in the order the help text shows them, so
// flag completion and the error message cannot drift apart.
func Modes() []Mode { return []Mode{ModeAuto, ModeTTY, ModePlain, ModeJSON, ModeQuiet} }

// ParseMode reads a --progress value. Case is forgiven because people type
// flags; anything else is a usage error that names the flag.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes() {
		if strings.EqualFold(strings.TrimSpace(s), string(m)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("invalid --progress %q: want auto, tty, plain, json or quiet", s)
}

// Options configure a Sink.
type Options struct {
	Out     io.Writer        // where everything goes; nil means os.Stderr (never stdout: that is for command output)
	NoColor bool             // no SGR colours (tty only; the other modes never colour)
	Width   int              // tty line width; 0 = ask the terminal on every redraw, so resizes are honoured
	Now     func() time.Time // clock for tests; when set, the tty sink does not animate on its own
}

// Sink is an engine.Sink that must be closed when the plan is over: Close
// clears the live area and flushes held-back events. Emit after Close is
// ignored. Close returns the first error writing to Out, because Emit cannot.
type Sink interface {
	engine.Sink
	Close() error
}

// ColorAllowed reports whether the environment permits colour: any
// non-empty NO_COLOR turns it off (https://no-color.org). The CLI passes
// os.Getenv; the lookup is a parameter so the rule can be tested.
func ColorAllowed(env func(string) string) bool {
	return env("NO_COLOR") == ""
}

// New returns the sink for mode. ModeAuto (or the zero Mode) becomes tty
// when Out is a terminal and TERM is not "dumb", else plain.
func New(mode Mode, opts Options) (Sink, error) {
	if mode == "" {
		mode = ModeAuto
	}
	if _, err := ParseMode(string(mode)); err != nil {
		return nil, err
	}
	if opts.Out == nil {
		opts.Out = os.Stderr
	}
	if !ColorAllowed(os.Getenv) {
		opts.NoColor = true
	}
	if mode == ModeAuto {
		mode = autoMode(isTerminal(opts.Out), os.Getenv("TERM"))
	}
	switch mode {
	case ModeTTY:
		return newTTY(opts), nil
	case ModeJSON:
		return newJSON(opts), nil
	case ModeQuiet:
		return newQuiet(opts), nil
	default:
		return newPlain(opts), nil
	}
}

// autoMode is the auto rule on its own, because tests have no terminal.
// A dumb terminal cannot move the cursor, so it gets plain lines.
func autoMode(terminal bool, termEnv string) Mode {
	if terminal && termEnv != "dumb" {
		return ModeTTY
	}
	return ModePlain
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func clock(opts Options) func() time.Time {
	if opts.Now != nil {
		return opts.Now
	}
	return time.Now
}

// errWriter remembers the first write error and then stops writing: a
// broken stderr must not turn every later event into another failed write.
type errWriter struct {
	w   io.Writer
	err error
}

func (w *errWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	if err != nil {
		w.err = err
	}
	return n, err
}
