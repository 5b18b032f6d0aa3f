package progress

import (
	"encoding/json"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// jsonEvery is the per-layer throttle of NDJSON progress (see the package
// documentation, which promises it).
const jsonEvery = 250 * time.Millisecond

type jsonSink struct {
	w      *errWriter
	enc    *json.Encoder
	now    func() time.Time
	layers map[string]*jsonLayer
	order  []string // keys of layers, first seen first, so flushes are stable
	closed bool
}

type jsonLayer struct {
	step    string
	status  string
	last    time.Time     // time of the last event written
	pending *engine.Event // newest event held back by the throttle
}

func newJSON(opts Options) *jsonSink {
	w := &errWriter{w: opts.Out}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "<" in a log line should read as "<"
	return &jsonSink{w: w, enc: enc, now: clock(opts), layers: map[string]*jsonLayer{}}
}

func (s *jsonSink) Emit(e engine.Event) {
	if s.closed {
		return
	}
	e.Time = at(e, s.now).UTC()
	switch e.Kind {
	case engine.KindProgress:
		s.progress(e)
		return
	case engine.KindStepDone, engine.KindStepFailed:
		s.flush(func(l *jsonLayer) bool { return l.step == e.Step })
	case engine.KindPlanDone, engine.KindPlanFailed, engine.KindOutcome:
		s.flush(nil)
	}
	s.write(e)
}

func (s *jsonSink) progress(e engine.Event) {
	key := e.Step + "\x00" + e.Layer
	l := s.layers[key]
	switch {
	case l == nil:
		l = &jsonLayer{step: e.Step}
		s.layers[key] = l
		s.order = append(s.order, key)
	case e.Status != l.status:
		// The held-back event carries the final numbers of the old status.
		s.writePending(l)
	case e.Time.Sub(l.last) < jsonEvery:
		l.pending = &e
		return
	}
	l.status, l.last, l.pending = e.Status, e.Time, nil
	s.write(e)
}

// flush writes the held-back events of the layers that keep says (all when
// nil) and forgets those layers: they are finished.
func (s *jsonSink) flush(keep func(*jsonLayer) bool) {
	order := s.order[:0]
	for _, k := range s.order {
		l := s.layers[k]
		if keep != nil && !keep(l) {
			order = append(order, k)
			continue
		}
		s.writePending(l)
		delete(s.layers, k)
	}
	s.order = order
}

func (s *jsonSink) writePending(l *jsonLayer) {
	if l.pending != nil {
		s.write(*l.pending)
		l.pending = nil
	}
}

func (s *jsonSink) write(e engine.Event) {
	_ = s.enc.Encode(e) // errWriter keeps the error for Close
}

func (s *jsonSink) Close() error {
	if !s.closed {
		s.flush(nil)
		s.closed = true
	}
	return s.w.err
}
