package progress

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

func TestParseMode(t *testing.T) {
	for _, m := range Modes() {
		got, err := ParseMode(string(m))
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %q, %v", m, got, err)
		}
	}
	if got, err := ParseMode("JSON"); err != nil || got != ModeJSON {
		t.Errorf(`ParseMode("JSON") = %q, %v`, got, err)
	}
}

func TestParseModeErrors(t *testing.T) {
	for _, in := range []string{"x", "", "ttyy", "plain,json"} {
		_, err := ParseMode(in)
		want := `invalid --progress "` + in + `": want auto, tty, plain, json or quiet`
		if err == nil || err.Error() != want {
			t.Errorf("ParseMode(%q) error = %v, want %s", in, err, want)
		}
	}
}

func TestNewRejectsUnknownMode(t *testing.T) {
	if _, err := New("fancy", Options{Out: &bytes.Buffer{}}); err == nil || !strings.Contains(err.Error(), "--progress") {
		t.Errorf("New(fancy) error = %v, want one naming --progress", err)
	}
}

func TestNewPicksSink(t *testing.T) {
	for mode, want := range map[Mode]string{
		"":        "*progress.plainSink", // a buffer is no terminal
		ModeAuto:  "*progress.plainSink",
		ModePlain: "*progress.plainSink",
		ModeTTY:   "*progress.ttySink", // asked for explicitly: obeyed
		ModeJSON:  "*progress.jsonSink",
		ModeQuiet: "*progress.quietSink",
	} {
		s, err := New(mode, Options{Out: &bytes.Buffer{}, Now: (&fakeClock{}).now})
		if err != nil {
			t.Fatal(err)
		}
		if got := typeName(s); got != want {
			t.Errorf("New(%q) = %s, want %s", mode, got, want)
		}
		s.Close()
	}
}

func TestNewDefaultsToStderr(t *testing.T) {
	s, err := New(ModeQuiet, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := s.(*quietSink).w.w; w != os.Stderr {
		t.Errorf("Out defaulted to %v, want os.Stderr", w)
	}
}

func TestAutoMode(t *testing.T) {
	for _, c := range []struct {
		terminal bool
		term     string
		want     Mode
	}{
		{true, "xterm-256color", ModeTTY},
		{true, "", ModeTTY},
		{true, "dumb", ModePlain},
		{false, "xterm-256color", ModePlain},
		{false, "dumb", ModePlain},
	} {
		if got := autoMode(c.terminal, c.term); got != c.want {
			t.Errorf("autoMode(%v, %q) = %s, want %s", c.terminal, c.term, got, c.want)
		}
	}
}

func TestColorAllowed(t *testing.T) {
	for val, want := range map[string]bool{"": true, "1": false, "0": false, "yes": false} {
		env := func(k string) string {
			if k == "NO_COLOR" {
				return val
			}
			return "xterm"
		}
		if got := ColorAllowed(env); got != want {
			t.Errorf("ColorAllowed(NO_COLOR=%q) = %v, want %v", val, got, want)
		}
	}
}

func TestNewHonoursNO_COLOR(t *testing.T) {
	events := restartScript().events
	t.Setenv("NO_COLOR", "1")
	if out := play(t, ModeTTY, Options{Width: 80}, events, false); sgr.Match(out) {
		t.Errorf("NO_COLOR=1 but output has colour: %q", out)
	}
	t.Setenv("NO_COLOR", "")
	if out := play(t, ModeTTY, Options{Width: 80}, events, false); !sgr.Match(out) {
		t.Errorf("NO_COLOR empty but output has no colour: %q", out)
	}
}

type brokenWriter struct{}

var errBroken = errors.New("broken pipe")

func (brokenWriter) Write([]byte) (int, error) { return 0, errBroken }

func TestCloseReportsWriteErrors(t *testing.T) {
	for _, m := range []Mode{ModeTTY, ModePlain, ModeJSON, ModeQuiet} {
		s, err := New(m, Options{Out: brokenWriter{}, Now: (&fakeClock{}).now})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range installScript().events {
			s.Emit(e)
		}
		if err := s.Close(); !errors.Is(err, errBroken) {
			t.Errorf("%s: Close() = %v, want the write error", m, err)
		}
	}
}

func TestEmitAfterCloseIsIgnored(t *testing.T) {
	for _, m := range []Mode{ModeTTY, ModePlain, ModeJSON, ModeQuiet} {
		var buf bytes.Buffer
		s, err := New(m, Options{Out: &buf, Now: (&fakeClock{}).now})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		s.Emit(engine.Event{Kind: engine.KindWarning, Message: "late"})
		if buf.Len() != 0 {
			t.Errorf("%s wrote %q after Close", m, buf.String())
		}
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
