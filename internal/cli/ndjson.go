package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"
)

// errStream is the command's stderr. With --progress json it carries
// nothing but NDJSON: a line some code writes as text (a note, a warning,
// a prompt) becomes an event of kind "note" or "warning", and lines that
// are already JSON objects (the progress sink's events) pass as they are.
// Doing it here, at the one stream, rather than at each message, means no
// message can slip through as text.
type errStream struct {
	w    io.Writer
	json func() bool // asked at write time: flags are parsed after construction
	now  func() time.Time

	mu      sync.Mutex
	partial []byte
	// held is the newest outcome event, written by end after the notes,
	// warnings and error that follow it (or before another run's events):
	// the stream ends with the outcome, also when the command fails after
	// its run ended.
	held map[string]any
	// undone is the newest run outcome other than done ("rolled_back",
	// "failed"): a failed command whose last run was a follow-up (the
	// wait after an upgrade's rollback) ends with it.
	undone any
}

func (s *errStream) Write(p []byte) (int, error) {
	if !s.json() {
		return s.w.Write(p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.partial = append(s.partial, p...)
	for {
		i := bytes.IndexByte(s.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := s.partial[:i]
		if err := s.line(line); err != nil {
			return 0, err
		}
		s.partial = s.partial[i+1:]
	}
}

func (s *errStream) line(line []byte) error {
	if len(line) > 0 && line[0] == '{' && json.Valid(line) {
		var ev map[string]any
		if json.Unmarshal(line, &ev) == nil && ev["kind"] == "outcome" {
			err := s.writeHeld()
			s.held = ev
			if o := ev["outcome"]; o != nil && o != "done" {
				s.undone = o
			}
			return err
		}
		// Another run's event: the outcome held goes before it, where it
		// happened. Notes and warnings (below) do not release it.
		if err := s.writeHeld(); err != nil {
			return err
		}
		_, err := s.w.Write(append(append([]byte(nil), line...), '\n'))
		return err
	}
	text := strings.TrimSpace(string(line))
	if text == "" {
		return nil
	}
	kind := "note"
	if rest, ok := strings.CutPrefix(text, "warning: "); ok {
		kind, text = "warning", rest
	}
	return s.event(map[string]any{"kind": kind, "message": text})
}

// event writes one NDJSON event with its time.
func (s *errStream) event(fields map[string]any) error {
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	fields["time"] = now().UTC()
	b, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	_, err = s.w.Write(append(b, '\n'))
	return err
}

// writeHeld writes the held outcome event, when there is one.
func (s *errStream) writeHeld() error {
	if s.held == nil {
		return nil
	}
	b, err := json.Marshal(s.held)
	s.held = nil
	if err != nil {
		return err
	}
	_, err = s.w.Write(append(b, '\n'))
	return err
}

// end closes a --progress json stream with the command's outcome: the
// run's own outcome event (held back until now) or, for a command that
// ran no plan (a refused flag, status), one made here, carrying the exit
// code and, on failure, what the error event said. fields is that error
// event (nil on success).
func (s *errStream) end(code int, fields map[string]any) {
	s.flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := s.held
	s.held = nil
	if ev == nil {
		ev = map[string]any{"kind": "outcome", "outcome": "done"}
	}
	if code != 0 && ev["outcome"] == "done" {
		// The last run ended well but the command did not: the command's
		// outcome is its last run that did not (an upgrade's rolled-back
		// hop before the wait for the old version), else failed (a check
		// after the run, a refusal before any).
		ev["outcome"] = "failed"
		if s.undone != nil {
			ev["outcome"] = s.undone
		}
	}
	for k, v := range fields {
		if k != "kind" && k != "time" {
			if _, set := ev[k]; !set || k == "message" {
				ev[k] = v
			}
		}
	}
	ev["exit_code"] = code
	delete(ev, "time") // event sets the time the command ended
	_ = s.event(ev)
}

// flush writes what is left of an unfinished line (a prompt).
func (s *errStream) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.partial) > 0 && s.json() {
		_ = s.line(s.partial)
	}
	s.partial = nil
}

// canPrompt: a question needs a terminal, and a stream that is only NDJSON
// has no room for one.
func canPrompt(stdio IO) bool {
	if es, ok := stdio.Err.(*errStream); ok && es.json() {
		return false
	}
	return stdio.IsTTY
}

// terminal is the file under the command's stderr stream, for what draws on
// the terminal itself: the wizard and its progress view (bubbletea sizes the
// screen and follows resizes only through the *os.File; behind a wrapper it
// draws into a 0×0 screen, which is blank) and the progress sinks (--progress
// auto picks the live view only for a terminal). Their output is events or
// drawing, never stray text, so passing the stream's rewriting by is safe:
// the json sink writes NDJSON itself, and json mode never reaches the wizard.
//
// In json mode the stream itself is returned: the sinks' events then pass
// through it, so the run's outcome can be held back to end the stream.
func terminal(w io.Writer) io.Writer {
	if s, ok := w.(*errStream); ok {
		if s.json() {
			return s
		}
		return s.w
	}
	return w
}
