package stacks

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// bashEnv sources content as Appsmith's entrypoint does and returns the
// values bash ends up with for keys. A missing key reads as "<unset>".
func bashEnv(t *testing.T, content []byte, keys ...string) map[string]string {
	t.Helper()
	file := t.TempDir() + "/docker.env"
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	// Each value is printed NUL-terminated: values may hold newlines.
	script := `set -a; . "$1" >/dev/null 2>&1; shift; for k; do printf '%s\0' "${!k-<unset>}"; done`
	cmd := exec.Command("/bin/bash", append([]string{"-c", script, "bash", file}, keys...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent-home", "LC_ALL=C"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bash: %v", err)
	}
	vals := strings.Split(string(out), "\x00")
	got := map[string]string{}
	for i, k := range keys {
		got[k] = vals[i]
	}
	return got
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name    string
		line    string
		want    string
		expands bool
	}{
		{"empty", "K=", "", false},
		{"bare", "K=abc", "abc", false},
		{"url", "K=mongodb://u:p@localhost:27017/appsmith?x=y", "mongodb://u:p@localhost:27017/appsmith?x=y", false},
		{"export", "export K=abc", "abc", false},
		{"indented export", "  export\tK=abc", "abc", false},
		{"single quotes literal", `K='a $b "c" \d'`, `a $b "c" \d`, false},
		{"double quote escapes", `K="a \" \\ \$ \` + "`" + ` \x"`, "a \" \\ $ ` \\x", false},
		{"unquoted escapes", `K=a\ b\"c\$d\\e`, `a b"c$d\e`, false},
		{"concatenation", `K=abc'def'"ghi"`, "abcdefghi", false},
		{"embedded single quote", `K='it'\''s'`, "it's", false},
		{"hash inside word", "K=a#b", "a#b", false},
		{"hash first", "K=#abc", "#abc", false},
		{"inline comment", "K=abc # note", "abc", false},
		{"inline comment tab", "K=abc\t# note", "abc", false},
		{"quoted then comment", `K="a b" # note`, "a b", false},
		{"trailing blanks", "K=abc  \t", "abc", false},
		{"equals", "K=a=b==", "a=b==", false},
		{"glob chars are literal", "K=*?[a]{b,c}", "*?[a]{b,c}", false},
		{"lone dollar", "K=$", "$", false},
		{"dollar slash", "K=a$/b", "a$/b", false},
		{"dollar in double quotes at end", `K="a$"`, "a$", false},
		{"tilde inside", "K=a~b", "a~b", false},
		{"tilde after equals sign", "K=a=~", "a=~", false},
		{"quoted tilde", `K="~"`, "~", false},
		{"multi-line single", "K='a\nb'", "a\nb", false},
		{"multi-line double", "K=\"a\nb\"", "a\nb", false},
		{"continuation", "K=a\\\nb", "ab", false},
		{"continuation in double quotes", "K=\"a\\\nb\"", "ab", false},
		{"backslash at end of file", `K=a\`, `a\`, false},
		{"carriage return kept like bash", "K=a\r", "a\r", false},
		{"unicode", "K='雪 ✓'", "雪 ✓", false},
		{"variable", "K=$HOME", "$HOME", true},
		{"braced", "K=${A:-x}", "${A:-x}", true},
		{"command substitution", "K=$(echo hi)", "$(echo hi)", true},
		{"nested substitution", `K=$(echo "$(echo ')')")`, `$(echo "$(echo ')')")`, true},
		{"backquotes", "K=`date`", "`date`", true},
		{"in double quotes", `K="x$A"`, "x$A", true},
		{"positional", "K=$1", "$1", true},
		{"arithmetic old", "K=$[1+2]", "$[1+2]", true},
		{"ansi-c", `K=$'a\'b'`, `$'a\'b'`, true},
		{"locale", `K=$"a"`, "$a", true},
		{"leading tilde", "K=~/x", "~/x", true},
		{"tilde after colon", "K=a:~", "a:~", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := ParseEnv([]byte(tt.line))
			if err != nil {
				t.Fatal(err)
			}
			v, ok := env.Lookup("K")
			if !ok {
				t.Fatal("K not found")
			}
			if v.Text != tt.want || v.Expands != tt.expands {
				t.Errorf("got (%q, expands=%v), want (%q, %v)", v.Text, v.Expands, tt.want, tt.expands)
			}
			if got := string(env.Bytes()); got != tt.line {
				t.Errorf("Bytes = %q, want the input", got)
			}
			// Where nothing expands, bash must agree.
			if !tt.expands {
				if b := bashEnv(t, []byte(tt.line), "K")["K"]; b != tt.want {
					t.Errorf("bash reads %q, want %q", b, tt.want)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, input string
		line        int
		key         string
	}{
		{"unterminated single", "A=1\nK='abc\n", 2, "K"},
		{"unterminated double", "A=1\n\nK=\"abc\n\n", 3, "K"},
		{"unterminated substitution", "K=$(echo", 1, "K"},
		{"unterminated ansi-c", "K=$'abc", 1, "K"},
		{"blank then word", "A=1\nK=a b\n", 2, "K"},
		{"semicolon", "K=a;b", 1, "K"},
		{"pipe", "K=a|b", 1, "K"},
		{"array", "K=(a b)", 1, "K"},
		{"append", "K+=a", 1, "K"},
		{"after multi-line value", "K='a\nb' c\n", 2, "K"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEnv([]byte(tt.input))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || pe.Key != tt.key {
				t.Errorf("got line %d key %q, want line %d key %q (%v)", pe.Line, pe.Key, tt.line, tt.key, err)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("message %q does not name the line", err)
			}
		})
	}
}

func TestErrorsNeverShowValues(t *testing.T) {
	_, err := ParseEnv([]byte("APPSMITH_ENCRYPTION_PASSWORD=hunter2 oops\n"))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v must exist and not contain the value", err)
	}
}

func TestRealisticRoundTrip(t *testing.T) {
	data, err := os.ReadFile("testdata/docker.env")
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnv(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(env.Bytes(), data) {
		t.Fatal("Bytes() differs from the file")
	}
	keys := env.Keys()
	if len(keys) != 40 || keys[0] != "APPSMITH_SENTRY_DSN" || keys[len(keys)-1] != "APPSMITH_MIXED" {
		t.Fatalf("keys = %d %q", len(keys), keys)
	}
	// Every value agrees with bash.
	want := bashEnv(t, data, keys...)
	for _, k := range keys {
		if got, _ := env.Get(k); got != want[k] {
			t.Errorf("%s = %q, bash says %q", k, got, want[k])
		}
	}
}

func TestOtherLinesKept(t *testing.T) {
	in := "set -o nounset\nA=1\nsource other.env\nexport\nB = 2\n"
	env, err := ParseEnv([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(env.Bytes()); got != in {
		t.Errorf("Bytes = %q", got)
	}
	if got := env.Keys(); !reflect.DeepEqual(got, []string{"A"}) {
		t.Errorf("Keys = %q", got)
	}
}
