package progress

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedBuffer) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Len()
}

// With the real clock a silent step still animates, and Close stops it.
func TestTTYAnimatesSilentStep(t *testing.T) {
	var w lockedBuffer
	s, err := New(ModeTTY, Options{Out: &w, Width: 80, NoColor: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Emit(engine.Event{Kind: engine.KindStepStart, Step: "healthy", Title: "Waiting", Index: 1, Total: 1})
	start := w.Len()
	deadline := time.Now().Add(5 * time.Second)
	for w.Len() == start && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if w.Len() == start {
		t.Fatal("no redraw within 5 s of a silent step")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed := w.Len()
	time.Sleep(3 * redrawEvery)
	if w.Len() != closed {
		t.Error("the sink kept drawing after Close")
	}
}

func TestTTYTruncatesToWidth(t *testing.T) {
	s := newScript("install", 1)
	s.step("pull-image", "Pulling image "+strings.Repeat("very-long-registry-name.", 5)+"example/appsmith-ce:v1.9.2")
	s.wait(200 * time.Millisecond)
	s.progress("5a8c2b4e1c2d", "Downloading", 12_300_000, 40_100_000)
	const width = 40
	out := play(t, ModeTTY, Options{Width: width, NoColor: true}, s.events, true)
	scr := screen(t, out, width)
	lines := strings.Split(strings.TrimSuffix(scr, "\n"), "\n")
	if len(lines) != 4 { // header, step, layer, total: nothing wrapped
		t.Fatalf("screen has %d lines, want 4:\n%s", len(lines), scr)
	}
	for _, l := range lines[1:] {
		if n := utf8.RuneCountInString(l); n > width {
			t.Errorf("line of %d columns on a %d-column terminal: %q", n, width, l)
		}
	}
	if !strings.HasSuffix(lines[1], "… (0.2s)") {
		t.Errorf("title not shortened before the elapsed time: %q", lines[1])
	}
}

func TestTTYCloseMidStep(t *testing.T) {
	s := newScript("install", 2)
	s.step("pull-image", "Pulling image")
	s.wait(1500 * time.Millisecond)
	s.progress("abc", "Downloading", 1, 2)
	out := play(t, ModeTTY, Options{Width: 80, NoColor: true}, s.events, false)
	want := "==> install (2 steps)\n… Pulling image (unfinished after 1.5s)\n"
	if got := screen(t, out, 80); got != want {
		t.Errorf("screen after Close:\n%s\nwant:\n%s", got, want)
	}
}

func TestTTYLimitsLayerLines(t *testing.T) {
	s := newScript("install", 1)
	s.step("pull-image", "Pulling image")
	for i := 0; i < 20; i++ {
		s.progress(fmt.Sprintf("layer%07d", i), "Waiting", 0, 0)
	}
	s.wait(redrawEvery) // past the throttle, so this event draws
	s.progress("done0000000", "Already exists", 0, 0)
	out := play(t, ModeTTY, Options{Width: 80, NoColor: true}, s.events, true)
	scr := screen(t, out, 80)
	if n := strings.Count(scr, "Waiting"); n != maxLayerLines {
		t.Errorf("%d layer lines shown, want %d:\n%s", n, maxLayerLines, scr)
	}
	if !strings.Contains(scr, "… 12 layers not shown") || !strings.Contains(scr, "\n  1/21 layers done") {
		t.Errorf("hidden layers not summarised:\n%s", scr)
	}
}

func TestWidthFunc(t *testing.T) {
	if got := widthFunc(33, &bytes.Buffer{})(); got != 33 {
		t.Errorf("fixed width = %d", got)
	}
	t.Setenv("COLUMNS", "120")
	if got := widthFunc(0, &bytes.Buffer{})(); got != 120 {
		t.Errorf("width from COLUMNS = %d, want 120", got)
	}
	t.Setenv("COLUMNS", "")
	if got := widthFunc(0, &bytes.Buffer{})(); got != 80 {
		t.Errorf("default width = %d, want 80", got)
	}
}

// A line printed above the live area may be wider than the terminal; the
// rows it wraps into must not keep pieces of the old live area.
func TestTTYWrappedLineAboveLiveArea(t *testing.T) {
	s := newScript("install", 1)
	s.step("pull-image", "Pulling image")
	s.wait(redrawEvery)
	s.progress("5a8c2b4e1c2d", "Downloading", 12_300_000, 40_100_000)
	s.wait(redrawEvery)
	s.log(strings.Repeat("x", 70))
	out := play(t, ModeTTY, Options{Width: 40, NoColor: true}, s.events, false)
	want := "==> install (1 step)\n" +
		"  | " + strings.Repeat("x", 36) + "\n" +
		strings.Repeat("x", 34) + "\n" +
		"… Pulling image (unfinished after 0.2s)\n"
	if got := screen(t, out, 40); got != want {
		t.Errorf("screen:\n%s\nwant:\n%s", got, want)
	}
}
