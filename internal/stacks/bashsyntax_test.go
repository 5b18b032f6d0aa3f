package stacks

import (
	"os"
	"os/exec"
	"testing"
)

// bashAccepts reports whether bash can parse content (`bash -n`), as
// Appsmith's entrypoint must when it sources docker.env.
func bashAccepts(t *testing.T, content string) bool {
	t.Helper()
	file := t.TempDir() + "/docker.env"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/bash", "-n", file)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	return cmd.Run() == nil
}

// Every line bash cannot parse is refused by ParseEnv, naming its line: the
// entrypoint sources docker.env, and a syntax error stops it there.
func TestParseEnvRefusesWhatBashCannotParse(t *testing.T) {
	tests := []struct {
		name, input string
		line        int
	}{
		{"unbalanced quote in a non-assignment", "A=1\nAPPSMITH_MAIL_FROM \"Appsmith\n", 2},
		{"quote before the key", "A=1\n\"APPSMITH_X=1\n", 2},
		{"single quote in a command", "A=1\necho it's\nB=2\n", 2},
		{"open substitution in a command", "echo $(date\n", 1},
		{"spaced assignment with open quote", "A=1\nB = 'x\n", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if bashAccepts(t, tt.input) {
				t.Fatalf("bash accepts %q: not a case for this test", tt.input)
			}
			_, err := ParseEnv([]byte(tt.input))
			pe, ok := err.(*ParseError)
			if !ok {
				t.Fatalf("ParseEnv: %v, want a *ParseError", err)
			}
			if pe.Line != tt.line {
				t.Errorf("line %d, want %d (%v)", pe.Line, tt.line, err)
			}
		})
	}
}

// Lines bash reads fine stay accepted, whatever they are.
func TestParseEnvKeepsWhatBashParses(t *testing.T) {
	for _, in := range []string{
		"set -o nounset\nA=1\n", "source other.env\n", "export\n", "B = 2\n", "echo 'a b' \"c\" # it's\n",
		"A=1 # it's fine\n", "true && echo x; echo y | cat\n", "echo a#b\n", "[ -f x ] || echo 'x'\n",
		"echo \"multi\nline\"\nA=1\n", "A+B=1\n",
	} {
		if !bashAccepts(t, in) {
			t.Errorf("bash refuses %q: not a case for this test", in)
			continue
		}
		if _, err := ParseEnv([]byte(in)); err != nil {
			t.Errorf("%q: %v", in, err)
		}
	}
}
