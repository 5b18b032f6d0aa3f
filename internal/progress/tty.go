package progress

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

const (
	redrawEvery   = 100 * time.Millisecond // ~10 redraws a second: smooth, yet cheap over SSH
	maxLayerLines = 8                      // keeps the live area shorter than any real terminal
	barWidth      = 20
)

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// ttySink keeps a live area at the bottom of the terminal: the running step
// and its pull. Everything permanent (finished steps, warnings, log lines)
// is printed above it and scrolls normally, so the area stays a few lines
// tall and the cursor never has to move above the top of the screen.
type ttySink struct {
	mu    sync.Mutex // Emit and the animation ticker both draw
	w     *errWriter
	now   func() time.Time
	color bool
	width func() int

	plan        string
	lastFailure string
	cur         *ttyStep // nil between steps
	pull        pull
	xfer        transfers // non-pull byte counts (dump, archive, copy)
	note        string    // latest whole-image status ("Digest: ...")

	drawn    int // lines of the live area on screen now
	lastDraw time.Time

	stop   chan struct{}
	done   chan struct{}
	closed bool
}

type ttyStep struct {
	index, total int
	title        string
	start        time.Time
}

func newTTY(opts Options) *ttySink {
	s := &ttySink{
		w:     &errWriter{w: opts.Out},
		now:   clock(opts),
		color: !opts.NoColor,
		width: widthFunc(opts.Width, opts.Out),
	}
	// With a real clock the spinner and elapsed time must move even when
	// the step is silent (waiting for health). A test clock only moves when
	// the test says, so there is nothing to animate.
	if opts.Now == nil {
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.tick()
	}
	return s
}

func widthFunc(fixed int, out io.Writer) func() int {
	if fixed > 0 {
		return func() int { return fixed }
	}
	return func() int {
		if f, ok := out.(*os.File); ok {
			if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
				return w
			}
		}
		if w, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && w > 0 {
			return w
		}
		return 80
	}
}

func (s *ttySink) tick() {
	t := time.NewTicker(redrawEvery)
	defer t.Stop()
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.mu.Lock()
			if !s.closed && s.cur != nil {
				s.draw(s.now())
			}
			s.mu.Unlock()
		}
	}
}

func (s *ttySink) Emit(e engine.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	now := s.now()
	switch e.Kind {
	case engine.KindPlan:
		s.plan = e.Message
		s.draw(now, line{{"==> " + s.plan + " (" + plural(e.Total, "step", "steps") + ")", sgrBold}})
	case engine.KindStepStart:
		s.cur = &ttyStep{index: e.Index, total: e.Total, title: oneLine(e.Title), start: now}
		s.pull, s.note, s.xfer = pull{}, "", transfers{}
		s.draw(now)
	case engine.KindProgress:
		if e.Layer == "" {
			s.note = oneLine(e.Status)
		} else if !isPullLayer(e) {
			s.xfer.update(e)
		} else {
			s.pull.update(e, now)
		}
		if now.Sub(s.lastDraw) >= redrawEvery {
			s.draw(now)
		}
	case engine.KindLog:
		var ls []line
		for _, l := range cleanLines(e.Message) {
			ls = append(ls, line{{"  | " + l, sgrDim}})
		}
		s.draw(now, ls...)
	case engine.KindWarning:
		s.draw(now, line{{"warning: ", sgrYellow + ";" + sgrBold}, {oneLine(e.Message), sgrYellow}})
	case engine.KindStepDone:
		s.cur = nil
		s.draw(now, line{{"✓ ", sgrGreen}, {oneLine(e.Title), ""}, {" (" + FormatDuration(ms(e.ElapsedMS)) + ")", sgrDim}})
	case engine.KindStepFailed:
		s.cur = nil
		s.lastFailure = e.Message
		ls := []line{{{"✗ ", sgrRed}, {oneLine(e.Title), ""}, {" (" + FormatDuration(ms(e.ElapsedMS)) + ")", sgrDim}}}
		for _, l := range cleanLines(e.Message) {
			ls = append(ls, line{{"  " + l, sgrRed}})
		}
		s.draw(now, ls...)
	case engine.KindPlanDone:
		name := e.Message
		if name == "" {
			name = s.plan
		}
		s.draw(now, line{{"==> " + name + " finished in " + FormatDuration(ms(e.ElapsedMS)), sgrGreen + ";" + sgrBold}})
	case engine.KindPlanFailed:
		msg := "==> " + s.plan + " failed after " + FormatDuration(ms(e.ElapsedMS))
		if e.Message != s.lastFailure {
			msg += ": " + oneLine(e.Message)
		}
		s.draw(now, line{{msg, sgrRed + ";" + sgrBold}})
	case engine.KindUndoStart:
		s.draw(now, line{{"↺ ", sgrYellow}, {"undo: " + oneLine(e.Title), ""}})
	case engine.KindUndoDone:
		s.draw(now, line{{"✓ ", sgrGreen}, {"undone: " + oneLine(e.Title), ""}, {" (" + FormatDuration(ms(e.ElapsedMS)) + ")", sgrDim}})
	case engine.KindUndoFailed:
		s.draw(now, line{{"✗ ", sgrRed}, {"undo failed: " + oneLine(e.Title) + ": " + oneLine(e.Message), sgrRed}})
	case engine.KindOutcome:
		if e.Outcome == engine.OutcomeRolledBack {
			s.draw(now, line{{"==> " + s.plan + " rolled back: every change was undone", sgrYellow + ";" + sgrBold}})
		}
	}
}

// draw replaces the live area with above (printed once, left to scroll)
// followed by the current live area, in a single write so the terminal
// never shows half a frame. Live lines are cut to the width and so fill one
// row each: erasing each before writing it, and what is left below last,
// avoids blanking the whole area on every frame. Lines printed above are
// not cut and may wrap into rows of the old area, so those frames erase
// the old area first.
//
// A terminal made narrower re-wraps what is on screen, which no count of
// lines can follow; the next step's frames are clean again.
func (s *ttySink) draw(now time.Time, above ...line) {
	var b strings.Builder
	if s.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", s.drawn)
	}
	b.WriteString("\r")
	if len(above) > 0 && s.drawn > 0 {
		b.WriteString("\x1b[J")
	}
	for _, l := range above {
		b.WriteString("\x1b[2K" + l.render(0, s.color) + "\n")
	}
	width := s.width()
	live := s.live(now, width)
	for _, l := range live {
		b.WriteString("\x1b[2K" + l.render(width, s.color) + "\n")
	}
	b.WriteString("\x1b[J")
	_, _ = io.WriteString(s.w, b.String()) // errWriter keeps the error for Close
	s.drawn, s.lastDraw = len(live), now
}

func (s *ttySink) live(now time.Time, width int) []line {
	if s.cur == nil {
		return nil
	}
	el := now.Sub(s.cur.start)
	frame := spinner[int(el/redrawEvery)%len(spinner)]
	counter := fmt.Sprintf("[%d/%d] ", s.cur.index, s.cur.total)
	suffix := " (" + FormatDuration(el) + ")"
	room := width - 2 - len(counter) - len(suffix)
	out := []line{{{frame + " ", sgrCyan}, {counter, sgrDim}, {fitTitle(s.cur.title, room), sgrBold}, {suffix, sgrDim}}}
	if s.note != "" {
		out = append(out, line{{"  " + s.note, sgrDim}})
	}
	for _, l := range s.xfer.units {
		out = append(out, transferLine(l))
	}
	shown, hidden := 0, 0
	for _, l := range s.pull.layers {
		switch {
		case l.complete():
		case shown == maxLayerLines:
			hidden++
		default:
			shown++
			out = append(out, layerLine(l))
		}
	}
	if hidden > 0 {
		out = append(out, line{{fmt.Sprintf("  … %s not shown", plural(hidden, "layer", "layers")), sgrDim}})
	}
	if len(s.pull.layers) > 0 {
		t := s.pull.totals()
		text := fmt.Sprintf("  %d/%d layers done", t.complt, t.layers)
		if t.size > 0 { // sizes arrive with the first bytes; "0 B / 0 B" says nothing
			text = fmt.Sprintf("  %s / %s, %d/%d layers done", FormatBytes(t.done), FormatBytes(t.size), t.complt, t.layers)
		}
		if r := s.pull.rate(now); r > 0 {
			text += ", " + FormatBytes(int64(r)) + "/s"
		}
		out = append(out, line{{text, ""}})
	}
	return out
}

func transferLine(l *layer) line {
	if l.size > 0 {
		return line{{"  ", ""}, {bar(l.current, l.size, barWidth), sgrCyan}, {" " + l.text(), ""}}
	}
	return line{{"  " + l.text(), ""}}
}

func layerLine(l *layer) line {
	id := fmt.Sprintf("  %-12s ", shortLayer(l.id))
	if (l.status == "Downloading" || l.status == "Extracting") && l.size > 0 {
		return line{
			{id, sgrDim},
			{bar(l.current, l.size, barWidth), sgrCyan},
			{fmt.Sprintf(" %s / %s  ", FormatBytes(l.current), FormatBytes(l.size)), ""},
			{l.status, sgrDim},
		}
	}
	return line{{id, sgrDim}, {oneLine(l.status), sgrDim}}
}

// Close leaves the screen as a plain record: the live area is erased and,
// if a step was cut short, it is listed as unfinished.
func (s *ttySink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return s.w.err
	}
	now := s.now()
	if cur := s.cur; cur != nil {
		s.cur = nil
		s.draw(now, line{{"… ", sgrYellow}, {cur.title, ""}, {" (unfinished after " + FormatDuration(now.Sub(cur.start)) + ")", sgrDim}})
	} else if s.drawn > 0 {
		s.draw(now)
	}
	s.closed = true
	s.mu.Unlock()
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
	return s.w.err
}
