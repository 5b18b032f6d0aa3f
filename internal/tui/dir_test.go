package tui

import (
	"testing"

	"github.com/appsmith-install/appsmith-install/install"
)

// TestInlineDirRefused: the wizard refuses the install dirs the CLI refuses
// (/, a system directory), in the CLI's words, before anything runs.
func TestInlineDirRefused(t *testing.T) {
	for _, c := range []struct{ dir, want string }{
		{"/", `✗ invalid --dir "/": the root directory`},
		{"/usr/local", `✗ invalid --dir "/usr/local": a system directory`},
	} {
		t.Run(c.dir, func(t *testing.T) {
			w := newWalk(t, newFake(), install.Defaults(), sizes[0])
			w.toOptions()
			w.set(c.dir)
			focus(t, w.tm, "Install directory", c.want)
			w.refused("Install directory")
		})
	}
}
