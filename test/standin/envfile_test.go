package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// envCases pairs docker.env text with what bash leaves in the variables.
var envCases = []struct {
	name string
	src  string
	want map[string]string
}{
	{"plain", "A=1\nB=two\n", map[string]string{"A": "1", "B": "two"}},
	{"comments and blanks", "# c\n\n  # indented\nA=x # trailing\nB=y#notcomment\n", map[string]string{"A": "x", "B": "y#notcomment"}},
	{"empty", "A=\nB=''\nC=\"\"\n", map[string]string{"A": "", "B": "", "C": ""}},
	{"single quoted", `A='a b $HOME \n "q"'` + "\n", map[string]string{"A": `a b $HOME \n "q"`}},
	{"single quote idiom", `A='it'\''s'` + "\n", map[string]string{"A": "it's"}},
	{"double quoted escapes", `A="x \"y\" \\ \$z \n"` + "\n", map[string]string{"A": `x "y" \ $z \n`}},
	{"double quoted expansion", "B=bee\nA=\"<$B>${B}\"\n", map[string]string{"A": "<bee>bee", "B": "bee"}},
	{"unquoted expansion and escapes", "B=1\nA=$B\\ two\\$\n", map[string]string{"A": "1 two$", "B": "1"}},
	{"lone dollar", "A=a$\nB=\"$ x\"\nC=$/\n", map[string]string{"A": "a$", "B": "$ x", "C": "$/"}},
	{"undefined is empty", "A=x${NOPE_NOT_SET}y$NOPE_NOT_SET\n", map[string]string{"A": "xy"}},
	{"defaults", "E=\nA=${NOPE_NOT_SET:-d1}\nB=${E:-d2}\nC=${E-d3}\n", map[string]string{"A": "d1", "B": "d2", "C": "", "E": ""}},
	{"export", "export A=1\nexport   B='two words'\nexport C\n", map[string]string{"A": "1", "B": "two words"}},
	{"several on a line", "A=1 B=$A C=\"$B\"\n", map[string]string{"A": "1", "B": "1", "C": "1"}},
	{"append", "A=x\nA+=y\n", map[string]string{"A": "xy"}},
	{"multi-line quotes", "A=\"l1\nl2\"\nB='m1\nm2'\n", map[string]string{"A": "l1\nl2", "B": "m1\nm2"}},
	{"continuation", "A=one\\\ntwo\nB=\"x\\\ny\"\n", map[string]string{"A": "onetwo", "B": "xy"}},
	{"crlf keeps the CR", "A=v\r\n", map[string]string{"A": "v\r"}},
	{"frame ancestors template line", `APPSMITH_ALLOWED_FRAME_ANCESTORS="'self' *"` + "\n", map[string]string{"APPSMITH_ALLOWED_FRAME_ANCESTORS": "'self' *"}},
	{"equals in value", "A=a=b==c\nB=mongodb://u:p@h:27017/db?authSource=admin\n", map[string]string{"A": "a=b==c", "B": "mongodb://u:p@h:27017/db?authSource=admin"}},
	{"no trailing newline", "A=1", map[string]string{"A": "1"}},
	{"tilde", "A=~/x\nB=a:~/y\nC='~'\n", map[string]string{"A": "/root/x", "B": "a:/root/y", "C": "~"}},
}

func parseToMap(t *testing.T, src string) (map[string]string, error) {
	t.Helper()
	lookup := func(k string) (string, bool) {
		if k == "HOME" {
			return "/root", true
		}
		return "", false
	}
	as, err := parseEnvFile(src, lookup)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, a := range as {
		m[a.Key] = a.Value
	}
	return m, nil
}

func TestParseEnvFile(t *testing.T) {
	for _, c := range envCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseToMap(t, c.src)
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if len(got) != len(c.want) {
				t.Errorf("got %q, want %q", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestParseEnvFileErrors(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		code      int
		msg       string
	}{
		{"space in unquoted value", "A=1\nAPPSMITH_JAVA_ARGS=-Xms1g -Xmx1g\n", 2, 127, "-Xmx1g: command not found"},
		{"spaces around equals", "A = 1\n", 1, 127, "A: command not found"},
		{"unterminated single", "A='abc\nB=1\n", 1, 2, "matching `''"},
		{"unterminated double", "A=\"abc\n", 1, 2, "matching `\"'"},
		{"ampersand", "B=mongodb://h/db?x=1&y=2\n", 1, 2, "unquoted '&'"},
		{"semicolon", "A=1;B=2\n", 1, 2, "unquoted ';'"},
		{"command substitution", "A=$(id)\n", 1, 2, "command substitution"},
		{"backticks", "A=\"`id`\"\n", 1, 2, "command substitution"},
		{"bad substitution", "A=${1x}\n", 1, 1, "bad substitution"},
		{"bare command", "echo hi\n", 1, 127, "echo: command not found"},
		{"quoted name", "\"A\"=1\n", 1, 127, "A=1: command not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseToMap(t, c.src)
			var ee *envFileError
			if !errors.As(err, &ee) {
				t.Fatalf("want envFileError, got %v", err)
			}
			if ee.Line != c.line || ee.Code != c.code || !strings.Contains(ee.Msg, c.msg) {
				t.Errorf("got line %d code %d %q; want line %d code %d containing %q", ee.Line, ee.Code, ee.Msg, c.line, c.code, c.msg)
			}
		})
	}
}

// TestParseEnvFileMatchesBash checks the expectations above against bash
// itself, so the table cannot drift from what the real entrypoint does.
func TestParseEnvFileMatchesBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed: the fixed expectations in TestParseEnvFile still apply")
	}
	for _, c := range envCases {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "docker.env")
			if err := os.WriteFile(f, []byte(c.src), 0o600); err != nil {
				t.Fatal(err)
			}
			for k, v := range c.want {
				script := `set -e; set -o allexport; . "$1"; printf %s "${` + k + `}"`
				cmd := exec.Command(bash, "-c", script, "bash", f)
				cmd.Env = []string{"HOME=/root", "PATH=/usr/bin:/bin"}
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("bash failed on %q: %v", c.src, err)
				}
				if string(out) != v {
					t.Errorf("bash: %s = %q; table says %q", k, out, v)
				}
			}
		})
	}
}
