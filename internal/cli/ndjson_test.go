package cli

import (
	"os"
	"testing"
)

// What draws on the terminal gets the terminal's file, not the stream that
// wraps it: --progress auto and bubbletea tell a terminal by its *os.File.
func TestTerminalIsTheFileUnderTheStream(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "tty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := terminal(&errStream{w: f, json: func() bool { return false }}); got != f {
		t.Errorf("terminal() = %T, want the *os.File", got)
	}
	if got := terminal(f); got != f {
		t.Errorf("terminal of a plain writer changed it")
	}
}
