package progress

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// base is the fixed clock every script starts from.
var base = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

// scripter builds event sequences the way engine.Run would emit them, on a
// clock the script advances by hand.
type scripter struct {
	t      time.Time
	total  int
	index  int
	id     string
	title  string
	start  time.Time // of the plan
	t0     time.Time // of the step
	events []engine.Event
	marks  map[string]int
}

func newScript(name string, total int) *scripter {
	s := &scripter{t: base, total: total, start: base, marks: map[string]int{}}
	s.emit(engine.Event{Kind: engine.KindPlan, Message: name})
	return s
}

func (s *scripter) wait(d time.Duration) { s.t = s.t.Add(d) }

func (s *scripter) emit(e engine.Event) {
	e.Time, e.Total = s.t, s.total
	s.events = append(s.events, e)
}

// mark remembers how many events precede this point, to render a screen
// in the middle of a run.
func (s *scripter) mark(name string) { s.marks[name] = len(s.events) }

func (s *scripter) step(id, title string) {
	s.index++
	s.id, s.title, s.t0 = id, title, s.t
	s.emit(engine.Event{Kind: engine.KindStepStart, Step: id, Title: title, Index: s.index})
}

func (s *scripter) progress(layer, status string, current, size int64) {
	s.emit(engine.Event{Kind: engine.KindProgress, Step: s.id, Index: s.index, Layer: layer, Status: status, Current: current, Size: size})
}

func (s *scripter) log(msg string) {
	s.emit(engine.Event{Kind: engine.KindLog, Step: s.id, Index: s.index, Message: msg})
}

func (s *scripter) warn(msg string) {
	s.emit(engine.Event{Kind: engine.KindWarning, Step: s.id, Index: s.index, Message: msg})
}

func (s *scripter) done() {
	s.emit(engine.Event{Kind: engine.KindStepDone, Step: s.id, Title: s.title, Index: s.index, ElapsedMS: s.t.Sub(s.t0).Milliseconds()})
}

func (s *scripter) fail(msg string) {
	s.emit(engine.Event{Kind: engine.KindStepFailed, Step: s.id, Title: s.title, Index: s.index, Message: msg, ElapsedMS: s.t.Sub(s.t0).Milliseconds()})
	s.emit(engine.Event{Kind: engine.KindPlanFailed, Message: msg, ElapsedMS: s.t.Sub(s.start).Milliseconds()})
}

func (s *scripter) planDone(name string) {
	s.emit(engine.Event{Kind: engine.KindPlanDone, Message: name, ElapsedMS: s.t.Sub(s.start).Milliseconds()})
}

// installScript is an install that pulls a multi-layer image, warns, logs
// and fails while waiting for health.
func installScript() *scripter {
	s := newScript("install", 7)
	s.step("preflight", "Checking Docker Engine")
	s.wait(300 * time.Millisecond)
	s.done()

	s.step("pull-image", "Pulling image 127.0.0.1:5000/appsmith/appsmith-ce:v1.9.2")
	s.wait(20 * time.Millisecond)
	s.progress("", "Pulling from appsmith/appsmith-ce", 0, 0)
	s.progress("3f4ca61aafcd", "Already exists", 0, 0)
	type dl struct {
		id         string
		size, step int64
		from       int // tick the download starts
	}
	layers := []*dl{
		{id: "5a8c2b4e1c2d", size: 28_400_000, step: 1_000_000},
		{id: "9b1e0d3c7f6a", size: 11_700_000, step: 500_000, from: 3},
		{id: "c2d4e6f8a0b1", size: 1_234, step: 1_234, from: 10},
	}
	for _, l := range layers {
		s.progress(l.id, "Pulling fs layer", 0, 0)
	}
	for _, l := range layers[1:] {
		s.progress(l.id, "Waiting", 0, 0)
	}
	got := map[string]int64{}
	for tick := 0; ; tick++ {
		s.wait(100 * time.Millisecond)
		busy := false
		for _, l := range layers {
			if tick < l.from || got[l.id] == l.size {
				busy = busy || tick < l.from
				continue
			}
			busy = true
			got[l.id] = min(got[l.id]+l.step, l.size)
			s.progress(l.id, "Downloading", got[l.id], l.size)
			if got[l.id] == l.size {
				s.progress(l.id, "Verifying Checksum", 0, 0)
				s.progress(l.id, "Download complete", 0, 0)
			}
		}
		if tick == 12 {
			s.mark("midpull")
		}
		if !busy {
			break
		}
	}
	for _, l := range layers {
		chunks := int64(1 + l.size/5_000_000)
		for i := int64(1); i <= chunks; i++ {
			s.wait(50 * time.Millisecond)
			s.progress(l.id, "Extracting", l.size*i/chunks, l.size)
		}
		s.progress(l.id, "Pull complete", 0, 0)
	}
	s.progress("", "Digest: sha256:4e1f0c9a7b2d8e3f6a5c1b0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f", 0, 0)
	s.progress("", "Status: Downloaded newer image for 127.0.0.1:5000/appsmith/appsmith-ce:v1.9.2", 0, 0)
	s.done()

	s.step("env", "Writing docker.env")
	s.wait(40 * time.Millisecond)
	s.warn("port 80 is in use by another program; Appsmith will listen on 8080 instead")
	s.done()

	s.step("create", "Creating container appsmith")
	s.wait(150 * time.Millisecond)
	s.done()

	s.step("healthy", "Waiting for Appsmith to become healthy")
	s.wait(2 * time.Second)
	s.log("\x1b[32mINFO\x1b[0m Starting supervisord\r")
	s.wait(700 * time.Millisecond)
	s.log("backend: Caused by: <MongoTimeoutException>\n\tat com.mongodb.Connection.open")
	s.wait(4 * time.Second)
	s.fail("container appsmith did not become healthy within 5m0s (run `appsmith logs`)")
	return s
}

// restartScript is a short plan that succeeds.
func restartScript() *scripter {
	s := newScript("restart", 2)
	s.step("stop", "Stopping container appsmith")
	s.wait(1200 * time.Millisecond)
	s.done()
	s.step("start", "Starting container appsmith")
	s.wait(61 * time.Second)
	s.done()
	s.planDone("restart")
	return s
}

// backupScript is a backup: bytes dumped with no known end, then an
// archive written against a known total. Neither is an image pull.
func backupScript() *scripter {
	s := newScript("backup", 2)
	s.step("dump", "Dumping the database")
	for i := int64(1); i <= 30; i++ {
		s.wait(200 * time.Millisecond)
		s.progress("dump", "Dumping", i*4_000_000, 0)
	}
	s.done()
	s.step("archive", "Writing the archive")
	for i := int64(1); i <= 10; i++ {
		s.wait(300 * time.Millisecond)
		s.progress("archive", "Writing", i*30_000_000, 300_000_000)
	}
	s.done()
	s.planDone("backup")
	return s
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// play sends events to a new sink of mode on a clock that reads each
// event's time as it is emitted, then closes the sink unless open is set.
func play(t *testing.T, mode Mode, opts Options, events []engine.Event, open bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	c := &fakeClock{t: base}
	opts.Out, opts.Now = &buf, c.now
	s, err := New(mode, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		c.t = e.Time
		s.Emit(e)
	}
	if !open {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	return buf.Bytes()
}

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/progress -update creates it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("%s: first difference at line %d:\n got: %q\nwant: %q\n(go test ./internal/progress -update rewrites the golden file)", path, i+1, gl, wl)
			return
		}
	}
	t.Errorf("%s differs", path)
}

// visible makes terminal output reviewable in a golden file.
func visible(b []byte) []byte {
	s := strings.NewReplacer("\x1b", `\e`, "\r", `\r`).Replace(string(b))
	return []byte(s)
}

// screen replays tty output on a tiny terminal emulator of the given width
// and returns what is left on it. It understands exactly the sequences the
// tty sink may use and fails on any other, so the sink cannot start
// relying on one unnoticed.
func screen(t *testing.T, out []byte, width int) string {
	t.Helper()
	var rows [][]rune
	r, c := 0, 0
	row := func() {
		for len(rows) <= r {
			rows = append(rows, nil)
		}
	}
	rs := []rune(string(out))
	for i := 0; i < len(rs); i++ {
		ch := rs[i]
		switch {
		case ch == '\r':
			c = 0
		case ch == '\n':
			r, c = r+1, 0
		case ch == 0x1b:
			if i+1 >= len(rs) || rs[i+1] != '[' {
				t.Fatalf("escape without [ at rune %d", i)
			}
			j := i + 2
			for j < len(rs) && !(rs[j] >= 0x40 && rs[j] <= 0x7e) {
				j++
			}
			if j == len(rs) {
				t.Fatalf("unterminated escape at rune %d", i)
			}
			param, final := string(rs[i+2:j]), rs[j]
			i = j
			switch {
			case final == 'm':
			case final == 'A':
				n, err := strconv.Atoi(param)
				if err != nil {
					t.Fatalf("cursor up %q", param)
				}
				r = max(0, r-n)
			case final == 'K' && param == "2":
				row()
				rows[r] = nil
			case final == 'J' && param == "":
				row()
				if c < len(rows[r]) {
					rows[r] = rows[r][:c]
				}
				rows = rows[:r+1]
			default:
				t.Fatalf("unexpected escape sequence ESC[%s%c", param, final)
			}
		case ch < 0x20:
			t.Fatalf("unexpected control character %q", ch)
		default:
			if c >= width { // wrap as terminals do
				r, c = r+1, 0
			}
			row()
			for len(rows[r]) <= c {
				rows[r] = append(rows[r], ' ')
			}
			rows[r][c] = ch
			c++
		}
	}
	var lines []string
	for _, l := range rows {
		lines = append(lines, strings.TrimRight(string(l), " "))
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n") + "\n"
}

func countLines(b []byte) int { return bytes.Count(b, []byte("\n")) }

func kinds(events []engine.Event) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%s ", e.Kind)
	}
	return b.String()
}
