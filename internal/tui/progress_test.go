package tui

import (
	"regexp"

	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// A scripted install plan, with the times engine.Run would stamp, drives
// the progress view; its clock is fixed, so frames are stable.

var t0 = time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)

type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return t0.Add(time.Duration(c.ns.Load())) }
func (c *clock) set(d time.Duration) { c.ns.Store(int64(d)) }

type script struct {
	emit func(engine.Event)
	at   time.Duration
}

func (s *script) ev(at time.Duration, e engine.Event) {
	s.at = at
	e.Time, e.Total = t0.Add(at), 6
	s.emit(e)
}

func (s *script) layer(at time.Duration, id, status string, cur, size int64) {
	s.ev(at, engine.Event{Kind: engine.KindProgress, Step: "pull", Index: 1, Layer: "sha256:" + id, Status: status, Current: cur, Size: size})
}

const mb = 1000 * 1000

var titles = []string{"Pull appsmith/appsmith-ee:v1.99", "Create the stacks directory", "Write docker.env with new secrets",
	"Create the container appsmith", "Start the container", "Wait until Appsmith is ready"}

func (s *script) pulling() {
	s.ev(0, engine.Event{Kind: engine.KindPlan, Message: "install"})
	s.ev(0, engine.Event{Kind: engine.KindStepStart, Step: "pull", Title: titles[0], Index: 1})
	for _, id := range []string{"a1b2c3d4e5f6a7b8", "0123456789ab", "feedbeefcafe", "9f8e7d6c5b4a", "777777777777"} {
		s.layer(200*time.Millisecond, id, "Pulling fs layer", 0, 0)
	}
	s.layer(time.Second, "0123456789ab", "Already exists", 0, 0)
	s.layer(2*time.Second, "a1b2c3d4e5f6a7b8", "Downloading", 12*mb, 48*mb)
	s.layer(2*time.Second, "feedbeefcafe", "Downloading", 3*mb, 120*mb)
	s.layer(3*time.Second, "9f8e7d6c5b4a", "Download complete", 0, 5*mb)
	s.layer(3*time.Second, "9f8e7d6c5b4a", "Extracting", 2*mb, 5*mb)
	s.layer(4*time.Second, "777777777777", "Waiting", 0, 0)
	s.layer(4*time.Second, "a1b2c3d4e5f6a7b8", "Downloading", 30*mb, 48*mb)
}

func (s *script) booting() {
	for _, id := range []string{"a1b2c3d4e5f6a7b8", "feedbeefcafe", "9f8e7d6c5b4a", "777777777777"} {
		s.layer(30*time.Second, id, "Pull complete", 0, 0)
	}
	s.ev(31*time.Second, engine.Event{Kind: engine.KindStepDone, Step: "pull", Title: titles[0], Index: 1, ElapsedMS: 31000})
	for i, t := range titles[1:5] {
		at := 31*time.Second + time.Duration(i)*300*time.Millisecond
		s.ev(at, engine.Event{Kind: engine.KindStepStart, Title: t, Index: i + 2})
		s.ev(at+250*time.Millisecond, engine.Event{Kind: engine.KindStepDone, Title: t, Index: i + 2, ElapsedMS: 250})
	}
	s.ev(33*time.Second, engine.Event{Kind: engine.KindWarning, Message: "the bind address 0.0.0.0 publishes Appsmith on every interface"})
	s.ev(33*time.Second, engine.Event{Kind: engine.KindStepStart, Step: "wait", Title: titles[5], Index: 6})
	for i := 1; i <= 16; i++ {
		// Colour codes and carriage returns, as container logs carry them.
		s.ev(33*time.Second+time.Duration(i)*time.Second, engine.Event{Kind: engine.KindLog, Step: "wait", Index: 6,
			Message: fmt.Sprintf("\x1b[32mINFO\x1b[0m backend: boot stage %d of 16\r", i)})
	}
}

func (s *script) succeed() {
	s.ev(95*time.Second, engine.Event{Kind: engine.KindStepDone, Title: titles[5], Index: 6, ElapsedMS: 62000})
	s.ev(95*time.Second, engine.Event{Kind: engine.KindPlanDone, Message: "install", ElapsedMS: 95000})
}

func (s *script) fail() {
	msg := "Appsmith did not become ready in 10m0s: the backend exited (code 1)"
	s.ev(95*time.Second, engine.Event{Kind: engine.KindStepFailed, Title: titles[5], Index: 6, Message: msg, ElapsedMS: 62000})
	s.ev(95*time.Second, engine.Event{Kind: engine.KindPlanFailed, Message: msg, ElapsedMS: 95000})
}

var success = FinalSummary{URL: "http://localhost:8080/", Dir: "/opt/appsmith", Version: "v1.99"}
var failure = FinalSummary{Err: errors.New("Appsmith did not become ready in 10m0s: the backend exited (code 1)"),
	Hint: "see `appsmith logs`; a database URL the container cannot reach is the usual cause"}

func TestProgressFrames(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.String(), func(t *testing.T) {
			for _, end := range []string{"done", "failed", "stopped"} {
				t.Run(end, func(t *testing.T) {
					c := &clock{}
					m := newProgressModel(WizardOptions{Width: sz.w, Height: sz.h}, c.now)
					tm := start(t, m, sz)
					s := &script{emit: func(e engine.Event) { tm.Send(eventMsg{e}) }}
					w := &walk{t: t, tm: tm, sz: sz}
					s.pulling()
					c.set(4500 * time.Millisecond)
					w.golden("1-pulling", frame(t, tm, "30.0 MB / 48.0 MB"))
					s.booting()
					c.set(50 * time.Second)
					w.golden("2-booting", frame(t, tm, "boot stage 16 of 16"))
					switch end {
					case "done":
						s.succeed()
						tm.Send(doneMsg{success})
						w.golden("3-done", frame(t, tm, "is ready at"))
					case "failed":
						s.fail()
						tm.Send(doneMsg{failure})
						w.golden("3-failed", frame(t, tm, "The install failed"))
					case "stopped":
						s.ev(40*time.Second, engine.Event{Kind: engine.KindStepFailed, Title: titles[5], Index: 6, Message: "context canceled", ElapsedMS: 7000})
						s.ev(40*time.Second, engine.Event{Kind: engine.KindPlanFailed, Message: "context canceled", ElapsedMS: 40000})
						tm.Send(doneMsg{FinalSummary{Err: context.Canceled}})
						w.golden("3-stopped", frame(t, tm, "Stopped."))
					}
				})
			}
		})
	}
}

// TestProgressCtrlC: with keys read, Ctrl-C asks once, then asks the CLI to
// stop the plan, once.
func TestProgressCtrlC(t *testing.T) {
	var stops atomic.Int32
	m := newProgressModel(WizardOptions{Width: 80, Height: 24, Input: strings.NewReader(""), Interrupt: func() { stops.Add(1) }}, (&clock{}).now)
	tm := start(t, m, sizes[0])
	s := &script{emit: func(e engine.Event) { tm.Send(eventMsg{e}) }}
	s.pulling()
	frame(t, tm, "ctrl+c stop (a re-run continues)")
	tm.Send(ctrlC)
	w := &walk{t: t, tm: tm, sz: sizes[0]}
	w.golden("asked", frame(t, tm, "Press Ctrl-C again to stop"))
	if stops.Load() != 0 {
		t.Fatal("stopped on the first Ctrl-C")
	}
	tm.Send(ctrlC)
	w.golden("stopping", frame(t, tm, "Stopping cleanly"))
	tm.Send(ctrlC)
	frame(t, tm, "Stopping cleanly")
	if n := stops.Load(); n != 1 {
		t.Errorf("Interrupt called %d times, want 1", n)
	}
}

// TestNewProgress runs the real view on a buffer, as the CLI runs it on
// the terminal, and checks the outcome is in what was written.
func TestNewProgress(t *testing.T) {
	var out syncBuffer
	ui := NewProgress(&out, WizardOptions{Width: 100, Height: 30, NoColor: true})
	var sink engine.Sink = ui
	s := &script{emit: sink.Emit}
	s.pulling()
	s.booting()
	s.succeed()
	ui.Done(success)
	if err := ui.Close(); err != nil {
		t.Fatal(err)
	}
	got := ansi.Strip(out.String())
	for _, want := range []string{"Appsmith v1.99 is ready at http://localhost:8080/", "appsmith status", "/opt/appsmith/stacks"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	// An SGR colour is ESC [ ... 3x m; cursor moves such as ESC[32C (forward
	// 32 columns) share the prefix and are not colour.
	if sgrColour.MatchString(out.String()) {
		t.Error("colours written with NoColor")
	}
}

// TestLineProgress is the accessible progress: a transcript, no redraws.
func TestLineProgress(t *testing.T) {
	for _, end := range []string{"done", "failed"} {
		t.Run(end, func(t *testing.T) {
			var out bytes.Buffer
			ui := NewProgress(&out, WizardOptions{Accessible: true})
			s := &script{emit: ui.Emit}
			s.pulling()
			s.booting()
			if end == "done" {
				s.succeed()
				ui.Done(success)
			} else {
				s.fail()
				ui.Done(failure)
			}
			if err := ui.Close(); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out.String(), "\x1b") {
				t.Error("escape sequences in accessible output")
			}
			golden.RequireEqual(t, out.String())
		})
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var sgrColour = regexp.MustCompile(`\x1b\[(?:[0-9]+;)*3[0-9](?:;[0-9]+)*m`)

// TestFinalViewCommandsCarryDir: the commands the last screen names work
// as shown for an install outside the default directory: each carries
// --dir, none is cut by the terminal's width, and none is one this build
// does not have.
func TestFinalViewCommandsCarryDir(t *testing.T) {
	dir := "/srv/some/rather/long/path/to/the/appsmith/install/directory/of/this/machine"
	for _, f := range []FinalSummary{
		{URL: "http://localhost/", Dir: dir, Version: "v1.99"},
		{URL: "http://localhost/", Dir: dir, Err: errors.New("boom")},
	} {
		m := newProgressModel(WizardOptions{Width: 120, Height: 40}, time.Now)
		m.final = &f
		v := ansi.Strip(m.finalView())
		for _, c := range []string{"appsmith status --dir " + dir, "appsmith logs"} {
			if !strings.Contains(v, c) {
				t.Errorf("final view lacks %q:\n%s", c, v)
			}
		}
		if strings.Contains(v, "…") || strings.Contains(v, "appsmith backup") || strings.Count(v, "--dir "+dir) < 2 {
			t.Errorf("final view:\n%s", v)
		}
	}
}
