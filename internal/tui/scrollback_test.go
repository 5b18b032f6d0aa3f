package tui

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// TestProgressLeavesOneFrame plays what the progress view writes through a
// terminal that keeps its scrollback, below the lines the wizard printed,
// and checks the terminal ends with one header and the whole final frame.
//
// The condition is forced, not waited for: a log line redrawn at the
// bottom of a tall frame leaves the renderer's cursor there, and the next
// frame (the outcome, without the log tail) is shorter than that row. The
// renderer then moved up by the new height only, and the top of the old
// frame stayed above the final one; under load in CI that was the order
// the frames happened to come in.
func TestProgressLeavesOneFrame(t *testing.T) {
	for _, c := range []struct {
		sz   size
		keys bool // keys read: a footer under the frame
	}{{size{120, 40}, true}, {size{80, 24}, false}} {
		sz := c.sz
		t.Run(sz.String(), func(t *testing.T) {
			var out syncBuffer
			opts := WizardOptions{Width: sz.w, Height: sz.h, NoColor: true}
			if c.keys {
				in, w := io.Pipe()
				defer w.Close()
				opts.Input, opts.Interrupt = in, func() {}
			}
			ui := NewProgress(&out, opts)
			// The wizard's last words are above, as in the terminal.
			summary := "✓ Installing Appsmith\n" + strings.Repeat("  an option\n", 12)
			play := func() *vt {
				term := newVT(sz.w, sz.h, true)
				term.Write([]byte(summary))
				term.Write([]byte(out.String()))
				return term
			}
			// flushed waits until text is on the terminal.
			flushed := func(text string) {
				t.Helper()
				for deadline := time.Now().Add(10 * time.Second); !strings.Contains(play().text(), text); time.Sleep(5 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("%q never drawn:\n%s", text, play().text())
					}
				}
			}
			s := &script{emit: ui.Emit}
			s.ev(0, engine.Event{Kind: engine.KindPlan, Message: "install"})
			for i, title := range titles {
				s.ev(0, engine.Event{Kind: engine.KindStepStart, Title: title, Index: i + 1})
				if i < len(titles)-1 {
					s.ev(0, engine.Event{Kind: engine.KindStepDone, Title: title, Index: i + 1, ElapsedMS: 100})
				}
			}
			for i := 1; i <= 30; i++ {
				s.ev(time.Second, engine.Event{Kind: engine.KindLog, Message: fmt.Sprintf("backend: boot stage %d", i)})
			}
			s.ev(2*time.Second, engine.Event{Kind: engine.KindStepDone, Title: titles[5], Index: 6, ElapsedMS: 1000})
			s.ev(2*time.Second, engine.Event{Kind: engine.KindPlanDone, Message: "install", ElapsedMS: 2000})
			flushed("boot stage 30")
			// A late line shifts the whole tail: it is redrawn to the bottom.
			s.ev(2*time.Second, engine.Event{Kind: engine.KindLog, Message: "backend: started"})
			flushed("backend: started")
			ui.Done(success)
			if err := ui.Close(); err != nil {
				t.Fatal(err)
			}

			term := play()
			term.Write([]byte("$ the next command\n"))
			got := term.text()
			for text, want := range map[string]int{"Appsmith installer": 1, "Installing Appsmith": 1, "Done": 1, "is ready at": 1, "Took": 1, "boot stage": 0} {
				if n := strings.Count(got, text); n != want {
					t.Errorf("the terminal holds %q %d times, want %d:\n%s", text, n, want, got)
				}
			}
			// What follows starts right under the final frame.
			if !strings.Contains(got, "Took              2.0s\n$ the next command") {
				t.Errorf("the final frame does not end with its last line right above what follows:\n%s", got)
			}
		})
	}
}

// TestProgressFrameNeverShrinks: from the first event to the outcome, each
// frame the renderer gets is at least as tall as the one before (see
// View), though the pull's layer rows and the log tail come and go.
func TestProgressFrameNeverShrinks(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.String(), func(t *testing.T) {
			m := newProgressModel(WizardOptions{Width: sz.w, Height: sz.h, Input: strings.NewReader("")}, (&clock{}).now)
			last := 0
			check := func(what string) {
				t.Helper()
				v := m.View().Content
				n := strings.Count(v, "\n") + 1
				if n < last || n > sz.h {
					t.Fatalf("after %s the frame has %d rows, before %d, terminal %d:\n%s", what, n, last, sz.h, v)
				}
				if !strings.HasSuffix(v, "\n") {
					t.Fatalf("after %s the frame's last row is not empty:\n%s", what, v)
				}
				last = n
			}
			s := &script{emit: func(e engine.Event) { m.Update(eventMsg{e}); check(string(e.Kind) + " " + e.Title + e.Status) }}
			s.pulling()
			s.booting()
			s.succeed()
			m.Update(doneMsg{success})
			check("the outcome")
			if !strings.Contains(m.View().Content, "is ready at") {
				t.Fatalf("no outcome:\n%s", m.View().Content)
			}
		})
	}
}
