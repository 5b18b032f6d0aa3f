package progress

import (
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// quietSink is for callers who only want to hear about trouble: warnings
// and failures, each once.
type quietSink struct {
	w           *errWriter
	lastFailure string
	closed      bool
}

func newQuiet(opts Options) *quietSink { return &quietSink{w: &errWriter{w: opts.Out}} }

func (s *quietSink) Emit(e engine.Event) {
	if s.closed {
		return
	}
	switch e.Kind {
	case engine.KindWarning:
		fmt.Fprintf(s.w, "warning: %s\n", oneLine(e.Message))
	case engine.KindStepFailed:
		s.lastFailure = e.Message
		fmt.Fprintf(s.w, "error: %s\n", oneLine(e.Message))
	case engine.KindPlanFailed:
		// A failed step already said it; a plan can also stop between steps
		// (interrupted), and then this is the only word.
		if e.Message != s.lastFailure {
			fmt.Fprintf(s.w, "error: %s\n", oneLine(e.Message))
		}
	case engine.KindUndoFailed:
		fmt.Fprintf(s.w, "error: undoing %s: %s\n", oneLine(e.Title), oneLine(e.Message))
	}
}

func (s *quietSink) Close() error {
	s.closed = true
	return s.w.err
}
