package tui

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/progress"
)

// NewProgress starts the progress view on out. It is the plan's
// engine.Sink; Done shows the outcome and Close ends the view, leaving the
// final frame in the terminal. In accessible mode it writes plain lines
// instead of redrawing.
func NewProgress(out io.Writer, opts WizardOptions) ProgressUI {
	if opts.Accessible {
		m := newProgressModel(WizardOptions{Width: 80, Height: 1 << 20}, time.Now)
		m.plain = true
		return &lineProgress{m: m, out: &colorprofile.Writer{Forward: out, Profile: colorprofile.NoTTY}}
	}
	m := newProgressModel(opts, time.Now)
	popts := []tea.ProgramOption{tea.WithOutput(out), tea.WithInput(opts.Input)}
	if opts.Input == nil {
		// No keys are read, so Ctrl-C is a SIGINT: it must reach the
		// CLI, which cancels the plan, and not end this view.
		popts = append(popts, tea.WithoutSignalHandler())
	}
	if opts.Width > 0 && opts.Height > 0 {
		popts = append(popts, tea.WithWindowSize(opts.Width, opts.Height))
	}
	if p := profile(opts.NoColor); p != nil {
		popts = append(popts, tea.WithColorProfile(*p))
	}
	ui := &teaProgress{p: tea.NewProgram(m, popts...), out: out, done: make(chan struct{})}
	go func() {
		var final tea.Model
		final, ui.err = ui.p.Run()
		if fm, ok := final.(*progressModel); ok {
			ui.pad = fm.pad
		}
		close(ui.done)
	}()
	return ui
}

type teaProgress struct {
	p    *tea.Program
	out  io.Writer
	done chan struct{}
	err  error
	pad  int // blank rows the final frame ends with
	once sync.Once
}

func (u *teaProgress) Emit(e engine.Event) { u.p.Send(eventMsg{e}) }
func (u *teaProgress) Done(s FinalSummary) { u.p.Send(doneMsg{s}) }

// Close quits after every message sent before it, so the final frame
// includes the outcome.
func (u *teaProgress) Close() error {
	u.once.Do(u.p.Quit)
	<-u.done
	if errors.Is(u.err, tea.ErrProgramKilled) {
		return nil // the terminal went away; the plan's outcome stands
	}
	if u.err == nil && u.pad > 0 {
		// The program left the cursor on the frame's last row, under the
		// blank rows that kept its height: what follows goes right under
		// the outcome instead. They are on the screen (a frame is never
		// taller than it), so this moves within it.
		_, _ = io.WriteString(u.out, ansi.CursorUp(u.pad))
	}
	return u.err
}

// lineProgress is the accessible progress: one line per step and the
// outcome, never redrawn. Pull bytes and log lines would drown a screen
// reader; the log tail is shown only after a failure.
type lineProgress struct {
	m   *progressModel
	out io.Writer
}

func (u *lineProgress) Emit(e engine.Event) {
	u.m.apply(e)
	switch e.Kind {
	case engine.KindStepStart:
		fmt.Fprintf(u.out, "[%d/%d] %s\n", e.Index, e.Total, e.Title)
	case engine.KindStepDone:
		fmt.Fprintf(u.out, "[%d/%d] done in %s\n", e.Index, e.Total, progress.FormatDuration(time.Duration(e.ElapsedMS)*time.Millisecond))
	case engine.KindStepFailed:
		fmt.Fprintf(u.out, "[%d/%d] FAILED: %s\n", e.Index, e.Total, e.Message)
	case engine.KindWarning:
		fmt.Fprintf(u.out, "warning: %s\n", cleanLine(e.Message))
	}
}

func (u *lineProgress) Done(s FinalSummary) {
	u.m.final = &s
	if s.Err != nil && len(u.m.logs) > 0 {
		fmt.Fprintln(u.out, "Last lines of the container log:")
		for _, l := range u.m.logs[max(len(u.m.logs)-10, 0):] {
			fmt.Fprintln(u.out, "  "+l)
		}
	}
	fmt.Fprint(u.out, u.m.finalView())
}

func (u *lineProgress) Close() error { return nil }
