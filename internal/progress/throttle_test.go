package progress

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// flood is one pull step whose layers report every tick for the given
// duration, as a fast registry makes Docker do.
func flood(layers int, tick, d time.Duration) *scripter {
	s := newScript("install", 1)
	s.step("pull-image", "Pulling image")
	const size = 1_000_000_000
	n := int64(d / tick)
	for i := int64(1); i <= n; i++ {
		s.wait(tick)
		for l := 0; l < layers; l++ {
			s.progress(fmt.Sprintf("layer%07d", l), "Downloading", size*i/n, size)
		}
	}
	return s
}

func TestPlainThrottle(t *testing.T) {
	s := flood(5, 10*time.Millisecond, 100*time.Second) // 50,000 events
	s.done()
	out := string(play(t, ModePlain, Options{}, s.events, false))
	summaries := strings.Count(out, "] pulled ")
	// One per 2 s of pull plus the final one: never a flood, never silent.
	if summaries < 45 || summaries > 51 {
		t.Errorf("%d pull summaries over 100 s, want about 50", summaries)
	}
	if n := strings.Count(out, ": Downloading"); n != 5 {
		t.Errorf("%d Downloading lines for 5 layers, want 5 (one per status change)", n)
	}
	if n := countLines([]byte(out)); n > 60 {
		t.Errorf("%d lines of plain output for 50,000 progress events", n)
	}
	if !strings.Contains(out, "pulled 5.0 GB of 5.0 GB (5 layers)") {
		t.Errorf("no final summary:\n%s", out)
	}
}

func TestPlainStalledPullIsNotRepeated(t *testing.T) {
	s := newScript("install", 1)
	s.step("pull-image", "Pulling image")
	for i := 0; i < 100; i++ {
		s.wait(time.Second)
		s.progress("abc", "Downloading", 10, 100) // no movement for 100 s
	}
	out := string(play(t, ModePlain, Options{}, s.events, false))
	if n := strings.Count(out, "pulled"); n != 1 {
		t.Errorf("%d identical summaries printed, want 1:\n%s", n, out)
	}
}

func TestJSONThrottle(t *testing.T) {
	s := flood(1, 10*time.Millisecond, 10*time.Second) // 1,000 events
	last := s.events[len(s.events)-1]
	s.progress("layer0000000", "Download complete", 0, 0)
	s.done()
	got := decodeNDJSON(t, play(t, ModeJSON, Options{}, s.events, false))

	var prog []engine.Event
	for _, e := range got {
		if e.Kind == engine.KindProgress && e.Status == "Downloading" {
			prog = append(prog, e)
		}
	}
	// 10 s at one per 250 ms, plus the held-back final one.
	if len(prog) < 38 || len(prog) > 42 {
		t.Errorf("%d Downloading events written for 1,000, want about 41", len(prog))
	}
	for i := 1; i < len(prog)-1; i++ {
		if d := prog[i].Time.Sub(prog[i-1].Time); d < jsonEvery {
			t.Errorf("events %d and %d only %v apart", i-1, i, d)
		}
	}
	if f := prog[len(prog)-1]; f.Current != last.Current || !f.Time.Equal(last.Time) {
		t.Errorf("final Downloading event lost: last written %+v, last sent %+v", f, last)
	}
	if k := kinds(got[len(got)-2:]); k != "progress step_done " {
		t.Errorf("stream ends %s, want the status change then step_done", k)
	}
}

// A layer that never changes status still gets its final numbers out before
// the step ends, and on Close when the plan is cut short.
func TestJSONFlushesHeldEvents(t *testing.T) {
	for _, end := range []string{"step_done", "close"} {
		t.Run(end, func(t *testing.T) {
			s := newScript("install", 1)
			s.step("pull-image", "Pulling image")
			for i := int64(1); i <= 5; i++ {
				s.wait(10 * time.Millisecond)
				s.progress("abc", "Downloading", i, 5)
			}
			if end == "step_done" {
				s.done()
			}
			got := decodeNDJSON(t, play(t, ModeJSON, Options{}, s.events, false))
			var currents []int64
			for _, e := range got {
				if e.Kind == engine.KindProgress {
					currents = append(currents, e.Current)
				}
			}
			if fmt.Sprint(currents) != "[1 5]" {
				t.Errorf("progress written: %v, want [1 5]", currents)
			}
		})
	}
}

type countingWriter struct {
	writes int
	bytes.Buffer
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func TestTTYRedrawThrottle(t *testing.T) {
	s := flood(3, time.Millisecond, 2*time.Second) // 6,000 events
	s.done()
	var w countingWriter
	c := &fakeClock{}
	sink, err := New(ModeTTY, Options{Out: &w, Now: c.now, Width: 80})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range s.events {
		c.t = e.Time
		sink.Emit(e)
	}
	if err := sink.Close(); err != nil {
		t.Fatal(err)
	}
	// plan header, step start, ~20 redraws in 2 s, step done.
	if w.writes < 15 || w.writes > 25 {
		t.Errorf("%d writes for 6,000 progress events over 2 s, want about 23", w.writes)
	}
}

func TestQuietIgnoresProgress(t *testing.T) {
	s := flood(3, 10*time.Millisecond, time.Second)
	s.log("a log line")
	s.done()
	s.planDone("install")
	if out := play(t, ModeQuiet, Options{}, s.events, false); len(out) != 0 {
		t.Errorf("quiet printed %q", out)
	}
}
