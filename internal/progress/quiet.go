package progress

import (
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// quietSink is for callers who only want to hear about trouble: warnings
// and failures, each once. The failure that ends a plan is the command's
// error, which the command line prints as its last word ("error: …" and the
// hint); saying it here too printed it twice. What the command's error may
// not carry — an undo that failed — is said here.
type quietSink struct {
	w      *errWriter
	closed bool
}

func newQuiet(opts Options) *quietSink { return &quietSink{w: &errWriter{w: opts.Out}} }

func (s *quietSink) Emit(e engine.Event) {
	if s.closed {
		return
	}
	switch e.Kind {
	case engine.KindWarning:
		fmt.Fprintf(s.w, "warning: %s\n", oneLine(e.Message))
	case engine.KindUndoFailed:
		fmt.Fprintf(s.w, "error: undoing %s: %s\n", oneLine(e.Title), oneLine(e.Message))
	}
}

func (s *quietSink) Close() error {
	s.closed = true
	return s.w.err
}
