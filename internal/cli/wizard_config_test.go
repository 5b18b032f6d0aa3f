package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/tui"
)

// The wizard's saved install.yaml and its "same install, unattended" command
// line must produce the same plan as each other: cloud-init repeats what a
// person chose.
func TestWizardConfigAndCommandGiveTheSamePlan(t *testing.T) {
	o := install.Defaults()
	o.Dir, o.Edition, o.Version, o.HTTPPort, o.HTTPSPort, o.BindAddress = "/srv/appsmith-wizard", "ce", "v1.9.2", 8080, 8443, "127.0.0.1"
	o.Registry, o.ContainerName, o.LinkDir, o.Telemetry = "mirror.example.com:5000", "appsmith-prod", "", true
	o.TLS, o.Domain = install.TLSLetsEncrypt, "appsmith.example.com"
	o, err := o.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	yml, err := tui.ConfigYAML(o)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "install.yaml")
	if err := os.WriteFile(cfg, yml, 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile := run(t, fakeDeps(emptyEngine(t)), nil, "--dry-run", "--config", cfg, "--progress", "plain")

	words := shellWords(t, tui.EquivalentCommand(o))
	if words[0] != "appsmith-install" {
		t.Fatalf("command %q", words)
	}
	var args []string
	for _, w := range words[1:] {
		if w != "--yes" {
			args = append(args, w)
		}
	}
	fromFlags := run(t, fakeDeps(emptyEngine(t)), nil, append(args, "--dry-run", "--progress", "plain")...)
	for _, r := range []result{fromFile, fromFlags} {
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.errOut)
		}
	}
	if fromFile.out != fromFlags.out {
		t.Fatalf("plans differ:\n--- from install.yaml ---\n%s\n--- from the command line ---\n%s", fromFile.out, fromFlags.out)
	}
	golden(t, "wizard-plan.golden", []byte(fromFile.out))
}

// shellWords splits the sh command EquivalentCommand prints (line
// continuations, single quotes) the way sh would for these inputs.
func shellWords(t *testing.T, cmd string) []string {
	cmd = strings.ReplaceAll(cmd, "\\\n", " ")
	var words []string
	var cur strings.Builder
	in, quoted := false, false
	for _, r := range cmd {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case !quoted && (r == ' ' || r == '\n' || r == '\t'):
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}
