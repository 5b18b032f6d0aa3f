package e2e

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// TestDemo is `make demo`: a whole install of the stand-in image, its output
// shown with -v, then `appsmith status`. Under `make demo` the instance is
// kept, and the command that made it and the one that removes it are
// printed as shell lines to paste.
func TestDemo(t *testing.T) {
	e, keep := demoEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ee", Tag: "v1.9.2"})
	args := e.installArgs("v1.9.2")
	args[4] = "ee" // --edition
	cmdline := shellLine(append([]string{binary, "--dir", e.dir}, args...))
	r := e.run(nil, args...)
	t.Logf("$ %s\n%s", cmdline, r.errOut)
	e.mustSucceed(r, "install")
	r = e.run(nil, "status")
	t.Logf("$ appsmith status --dir %s\n%s", e.dir, r.out)
	e.mustSucceed(r, "status")
	contains(t, "status", r.out, "Appsmith v1.9.2: running, healthy", "/appsmith/appsmith-ee:v1.9.2")
	if keep {
		appsmith := filepath.Join(e.linkDir, "appsmith")
		fmt.Fprintf(os.Stdout, "\nThe demo instance is kept: http://127.0.0.1:%d/ (container %s)\n\nIt was installed with:\n  %s\n\nLook at it:\n  %s status --dir %s\n\nRemove it (container, data, this directory and the stand-in image):\n  %s uninstall --dir %s --purge --yes && rm -rf %s && docker image rm %s\n\n",
			e.http, e.name, cmdline, appsmith, shellWord(e.dir),
			appsmith, shellWord(e.dir), shellWord(filepath.Dir(e.dir)), e.reg.Host()+"/appsmith/appsmith-ee:v1.9.2")
	}
}

// demoEnv is TestDemo's world. With APPSMITH_DEMO=keep (make demo) nothing
// is removed when the test ends: the install dir is not a test temp dir,
// the container and image get no cleanup, and the binary runs from a copy
// in the demo's directory, so the `appsmith` link it makes outlives the
// test binary's temp dir.
func demoEnv(t *testing.T) (*env, bool) {
	if os.Getenv("APPSMITH_DEMO") != "keep" {
		return newEnv(t), false
	}
	root, err := os.MkdirTemp("", "appsmith-demo-")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, cli: testenv.RequireEngine(t), reg: testenv.StartRegistry(t)}
	e.name = testenv.UniqueName(t, "appsmith")
	e.dir, e.linkDir = filepath.Join(root, "appsmith"), filepath.Join(root, "bin")
	if err := os.MkdirAll(e.linkDir, 0o755); err != nil {
		t.Fatal(err)
	}
	e.http, e.https = testenv.FreePort(t), testenv.FreePort(t)
	// Only TestDemo runs under make demo, and not in parallel: the global
	// can point at the kept copy.
	kept := filepath.Join(e.linkDir, "appsmith-install")
	if err := copyFile(binary, kept); err != nil {
		t.Fatal(err)
	}
	binary = kept
	return e, true
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellWord quotes s for a POSIX shell.
func shellWord(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellLine is words as one line to paste into a shell.
func shellLine(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellWord(w)
	}
	return strings.Join(q, " ")
}
