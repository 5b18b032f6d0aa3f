package progress

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

var scripts = map[string]func() *scripter{
	"install": installScript,
	"restart": restartScript,
	"backup":  backupScript,
}

func TestGoldenPlain(t *testing.T) {
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			out := play(t, ModePlain, Options{}, script().events, false)
			noEscape(t, out)
			golden(t, "plain-"+name, out)
		})
	}
}

func TestGoldenQuiet(t *testing.T) {
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			out := play(t, ModeQuiet, Options{}, script().events, false)
			noEscape(t, out)
			golden(t, "quiet-"+name, out)
		})
	}
}

func TestGoldenJSON(t *testing.T) {
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			in := script().events
			out := play(t, ModeJSON, Options{}, in, false)
			noEscape(t, out)
			golden(t, "json-"+name, out)

			got := decodeNDJSON(t, out)
			// Only progress may be thinned; everything else arrives, in order.
			if a, b := kinds(nonProgress(in)), kinds(nonProgress(got)); a != b {
				t.Errorf("non-progress events changed:\n got %s\nwant %s", b, a)
			}
			if len(nonProgress(in)) < len(in) && len(got) >= len(in) {
				t.Errorf("progress was not throttled: %d events in, %d out", len(in), len(got))
			}
		})
	}
}

func TestGoldenTTY(t *testing.T) {
	for name, script := range scripts {
		t.Run(name, func(t *testing.T) {
			t.Setenv("NO_COLOR", "")
			sc := script()
			color := play(t, ModeTTY, Options{Width: 80}, sc.events, false)
			plain := play(t, ModeTTY, Options{Width: 80, NoColor: true}, sc.events, false)
			golden(t, "tty-color-"+name, visible(color))
			golden(t, "tty-nocolor-"+name, visible(plain))

			if !sgr.Match(color) {
				t.Error("colour output has no SGR sequence")
			}
			if sgr.Match(plain) {
				t.Error("NoColor output has SGR sequences")
			}
			// Colour must not change what ends up on the screen.
			final := screen(t, plain, 80)
			if c := screen(t, color, 80); c != final {
				t.Errorf("screens differ with and without colour:\n%s\n---\n%s", c, final)
			}
			golden(t, "tty-screen-"+name, []byte(final))

			for mark, n := range sc.marks {
				mid := play(t, ModeTTY, Options{Width: 80, NoColor: true}, sc.events[:n], true)
				golden(t, "tty-screen-"+name+"-"+mark, []byte(screen(t, mid, 80)))
			}
		})
	}
}

var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

func noEscape(t *testing.T, out []byte) {
	t.Helper()
	if i := bytes.IndexByte(out, 0x1b); i >= 0 {
		t.Errorf("escape character in output at byte %d: %q", i, out[max(0, i-20):min(len(out), i+20)])
	}
}

func decodeNDJSON(t *testing.T, out []byte) []engine.Event {
	t.Helper()
	var events []engine.Event
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var e engine.Event
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		events = append(events, e)
	}
	return events
}

func nonProgress(events []engine.Event) []engine.Event {
	var out []engine.Event
	for _, e := range events {
		if e.Kind != engine.KindProgress {
			out = append(out, e)
		}
	}
	return out
}
