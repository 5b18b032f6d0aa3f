package imageprep

import (
	"os"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/imagecheck"
)

// testdata/ufw-0.36.2-user.rules is what Debian bookworm's ufw wrote after
// `ufw allow 22/tcp`, `ufw allow 80/tcp`, `ufw allow 443/tcp` (run in the
// Debian root file system of scripts/debian-rootfs.sh): ufw-init loads this
// file at boot, so ours must be the same.
func TestUFWRulesAreWhatUFWWrites(t *testing.T) {
	want, err := os.ReadFile("testdata/ufw-0.36.2-user.rules")
	if err != nil {
		t.Fatal(err)
	}
	if got := ufwRules(false, imagecheck.UFWPorts); got != string(want) {
		t.Errorf("user.rules differs from ufw's own:\n%s\nwant:\n%s", got, want)
	}
}

func TestSetShellVar(t *testing.T) {
	for in, want := range map[string]string{
		"# c\nENABLED=no\nLOGLEVEL=low\n": "# c\nENABLED=yes\nLOGLEVEL=low\n",
		"LOGLEVEL=low":                    "LOGLEVEL=low\nENABLED=yes\n",
		"":                                "ENABLED=yes\n",
	} {
		if got := setShellVar(in, "ENABLED", "yes"); got != want {
			t.Errorf("setShellVar(%q) = %q, want %q", in, got, want)
		}
	}
}
