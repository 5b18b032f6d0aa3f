package cli

import (
	"strings"
	"testing"
)

// TestHelpListsEnvironmentAndExitCodes: `--help` of the installer names
// the environment it reads and every documented exit code, so a script
// author needs no README to handle them.
func TestHelpListsEnvironmentAndExitCodes(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"install", "--help"}} {
		r := run(t, fakeDeps(emptyEngine(t)), nil, args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.errOut)
		}
		for _, want := range []string{"APPSMITH_INSTALL_", "APPSMITH_DIR", "NO_COLOR", "Exit codes:", "\n  2    bad flag", "\n  3    a preflight", "\n  130  interrupted"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, r.out)
			}
		}
	}
}
