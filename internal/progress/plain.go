package progress

import (
	"fmt"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// summaryEvery bounds pull summaries in plain output: a CI log should show
// that a long pull is alive without a line per progress event.
const summaryEvery = 2 * time.Second

// quietStatus are layer statuses that every layer passes through and that
// tell a reader of a log nothing; plain leaves them out.
var quietStatus = map[string]bool{
	"Pulling fs layer":   true,
	"Waiting":            true,
	"Verifying Checksum": true,
}

type plainSink struct {
	w           *errWriter
	now         func() time.Time
	plan        string
	pull        pull
	note        string    // last whole-image status printed
	lastSummary time.Time // when the last pull summary was due
	summary     string    // last pull summary printed
	xfer        transfers
	xferShown   map[string]string // last line printed per transfer unit
	lastFailure string
	closed      bool
}

func newPlain(opts Options) *plainSink {
	return &plainSink{w: &errWriter{w: opts.Out}, now: clock(opts)}
}

func (s *plainSink) printf(format string, args ...any) {
	fmt.Fprintf(s.w, format+"\n", args...)
}

func (s *plainSink) Emit(e engine.Event) {
	if s.closed {
		return
	}
	pre := stepPrefix(e.Index, e.Total)
	switch e.Kind {
	case engine.KindPlan:
		s.plan = e.Message
		s.printf("==> %s (%s)", s.plan, plural(e.Total, "step", "steps"))
	case engine.KindStepStart:
		s.pull, s.note, s.summary = pull{}, "", ""
		s.xfer, s.xferShown = transfers{}, map[string]string{}
		s.lastSummary = at(e, s.now)
		if e.Cause != "" {
			// Why the step runs: what a cloud-init log reader needs most.
			s.printf("%s%s (%s)", pre, oneLine(e.Title), oneLine(e.Cause))
		} else {
			s.printf("%s%s", pre, oneLine(e.Title))
		}
	case engine.KindProgress:
		s.progress(e, pre)
	case engine.KindLog:
		for _, l := range cleanLines(e.Message) {
			s.printf("  | %s", l)
		}
	case engine.KindWarning:
		s.printf("warning: %s", oneLine(e.Message))
	case engine.KindStepDone:
		if len(s.pull.layers) > 0 {
			s.printSummary(pre) // the final numbers, unless just printed
		}
		for _, l := range s.xfer.units {
			s.printTransfer(pre, l)
		}
		s.printf("%sdone in %s", pre, FormatDuration(ms(e.ElapsedMS)))
	case engine.KindStepFailed:
		s.lastFailure = e.Message
		s.printf("%sFAILED: %s", pre, oneLine(e.Message))
	case engine.KindPlanDone:
		s.printf("==> %s finished in %s", s.planName(e), FormatDuration(ms(e.ElapsedMS)))
	case engine.KindPlanFailed:
		if e.Message == s.lastFailure {
			s.printf("==> %s failed after %s", s.planName(e), FormatDuration(ms(e.ElapsedMS)))
		} else {
			s.printf("==> %s failed after %s: %s", s.planName(e), FormatDuration(ms(e.ElapsedMS)), oneLine(e.Message))
		}
	case engine.KindUndoStart:
		s.printf("%sundo: %s", pre, oneLine(e.Title))
	case engine.KindUndoDone:
		s.printf("%sundone in %s", pre, FormatDuration(ms(e.ElapsedMS)))
	case engine.KindUndoFailed:
		s.printf("%sUNDO FAILED: %s", pre, oneLine(e.Message))
	case engine.KindOutcome:
		// Finished and failed runs said so above; a rollback's end needs its own word.
		if e.Outcome == engine.OutcomeRolledBack {
			s.printf("==> %s rolled back: every change was undone", s.planName(e))
		}
	}
}

func (s *plainSink) progress(e engine.Event, pre string) {
	if e.Layer == "" {
		if e.Status != s.note {
			s.note = e.Status
			s.printf("%s%s", pre, oneLine(e.Status))
		}
		return
	}
	t := at(e, s.now)
	if !isPullLayer(e) {
		l, changed := s.xfer.update(e)
		if changed || t.Sub(s.lastSummary) >= summaryEvery {
			s.lastSummary = t
			s.printTransfer(pre, l)
		}
		return
	}
	l, changed := s.pull.update(e, t)
	if changed && !quietStatus[l.status] {
		if l.status == "Downloading" && l.size > 0 {
			s.printf("%s%s: %s (%s)", pre, shortLayer(l.id), oneLine(l.status), FormatBytes(l.size))
		} else {
			s.printf("%s%s: %s", pre, shortLayer(l.id), oneLine(l.status))
		}
	}
	if t.Sub(s.lastSummary) >= summaryEvery {
		s.lastSummary = t
		s.printSummary(pre)
	}
}

// printSummary prints the pull totals unless nothing moved since the last
// time: a stalled pull should not repeat itself every two seconds.
func (s *plainSink) printSummary(pre string) {
	t := s.pull.totals()
	line := fmt.Sprintf("%spulled %s of %s (%s)", pre, FormatBytes(t.done), FormatBytes(t.size), plural(t.layers, "layer", "layers"))
	if line != s.summary {
		s.summary = line
		s.printf("%s", line)
	}
}

// printTransfer prints where a transfer unit is unless that line was the
// last one printed for it.
func (s *plainSink) printTransfer(pre string, l *layer) {
	line := pre + l.text()
	if s.xferShown == nil {
		s.xferShown = map[string]string{}
	}
	if s.xferShown[l.id] != line {
		s.xferShown[l.id] = line
		s.printf("%s", line)
	}
}

func (s *plainSink) planName(e engine.Event) string {
	if e.Kind == engine.KindPlanDone && e.Message != "" {
		return e.Message
	}
	if s.plan == "" {
		return "plan"
	}
	return s.plan
}

func (s *plainSink) Close() error {
	s.closed = true
	return s.w.err
}

// at is when an event happened: its own time, or now for events made by
// hand without one. Throttles use it so they follow the work, not the reader.
func at(e engine.Event, now func() time.Time) time.Time {
	if e.Time.IsZero() {
		return now()
	}
	return e.Time
}

// oneLine keeps a one-line format one line: a multi-line error would
// otherwise break "grep FAILED" and the tty line count.
func oneLine(s string) string {
	ls := cleanLines(s)
	out := ls[0]
	for _, l := range ls[1:] {
		if l != "" {
			out += " / " + l
		}
	}
	return out
}
