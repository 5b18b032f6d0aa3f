package stacks

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuoteForm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "abc"},
		{"mongodb://u:p@localhost:27017/appsmith", "mongodb://u:p@localhost:27017/appsmith"},
		{"a=b,c+d%e-f.g_h", "a=b,c+d%e-f.g_h"},
		{"=x", "=x"},
		{"a b", "'a b'"},
		{"~", "'~'"},
		{"a:~", "'a:~'"},
		{"#x", "'#x'"},
		{"it's", `'it'\''s'`},
		{"'", `''\'''`},
		{"$HOME", "'$HOME'"},
		{"a\nb", "'a\nb'"},
		{"*", "'*'"},
		{"雪", "'雪'"},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// nastyValues are what a user may put in a password or a mail sender.
var nastyValues = []string{
	"", "plain", "two words", "  lead and trail  ", "\ttab",
	"it's", "'", "''", `"`, `say "hi"`, `'"'"'`,
	"$HOME", "${HOME}", "$(touch /tmp/pwned)", "`id`", "$'x'", `$"x"`, "$", "a$", "$1",
	`\`, `a\`, `\\`, `\n`, `a\'b`,
	"line1\nline2", "trailing newline\n", "\n", "cr\r\n",
	"#", "#not a comment", "a #b", "a#b",
	"~", "~/x", "a:~", "~root",
	";", "a;b", "a|b", "a&b", "a>b", "(x)", "{a,b}", "*", "?", "[a]", "!x",
	"=", "==", "a=b", "%s", "-n", "--",
	"雪", "Grüße ✓", "日本語 テキスト", "\u00a0nbsp", "emoji 🎉",
	"mongodb://user:p@ss w0rd@host/db?opt=1&x='y'",
	"\x01\x7f", "a\x00", // NUL is dropped by bash; checked without bash below
}

func TestQuoteRoundTripsThroughParser(t *testing.T) {
	for _, s := range nastyValues {
		env, err := ParseEnv([]byte("K=" + Quote(s) + "\n"))
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		v, _ := env.Lookup("K")
		if v.Text != s || v.Expands {
			t.Errorf("Quote(%q) parses back as %q (expands=%v)", s, v.Text, v.Expands)
		}
	}
}

// TestQuoteWithBash is the ground truth: real bash, sourcing the file the
// way Appsmith's entrypoint does, gets back every value, including values
// written by Set into a realistic file.
func TestQuoteWithBash(t *testing.T) {
	var b strings.Builder
	var keys []string
	env := mustParse(t, "# header\nAPPSMITH_X=keep\n")
	for i, s := range nastyValues {
		if strings.IndexByte(s, 0) >= 0 {
			continue // bash variables cannot hold NUL
		}
		k := fmt.Sprintf("K%d", i)
		keys = append(keys, k)
		fmt.Fprintf(&b, "%s=%s\n", k, Quote(s))
		env.Set(k, s)
	}
	for name, content := range map[string][]byte{"Quote": []byte(b.String()), "Set": env.Bytes()} {
		got := bashEnv(t, content, keys...)
		for i, k := range keys {
			want := nastyValues[i]
			if strings.IndexByte(want, 0) >= 0 {
				continue
			}
			if got[k] != want {
				t.Errorf("%s: bash reads %q, want %q", name, got[k], want)
			}
		}
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range nastyValues {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := Quote(s)
		env, err := ParseEnv([]byte("K=" + q))
		if err != nil {
			t.Fatalf("Quote(%q) = %q does not parse: %v", s, q, err)
		}
		v, ok := env.Lookup("K")
		if !ok || v.Text != s || v.Expands {
			t.Fatalf("Quote(%q) = %q parses back as %q (expands=%v)", s, q, v.Text, v.Expands)
		}
		// Values the newer Appsmith reader accepts stay acceptable once quoted.
		if CheckValue("K", s) == nil && utf8.ValidString(s) {
			env2 := mustParse(t, "APPSMITH_K="+q+"\n")
			if err := env2.CheckStrict(); err != nil {
				t.Fatalf("Quote(%q) = %q fails the strict check: %v", s, q, err)
			}
		}
	})
}
