package stacks

import (
	"bytes"
	"testing"
)

func FuzzParseEnv(f *testing.F) {
	// Small seeds: the fuzzer minimises each new input by trial removal,
	// which takes minutes on a file the size of a full docker.env.
	f.Add([]byte("# Email server\nAPPSMITH_MAIL_ENABLED=true\nAPPSMITH_MAIL_FROM='Appsmith <a@example.com>'\n" +
		"APPSMITH_MAIL_PASSWORD=\"p@ss \\\"w\\\" \\$1\"  # note\n\texport APPSMITH_X='it'\\''s'\nAPPSMITH_Y=a'b'\"c\"\\ d"))
	for _, s := range []string{
		"", "\n", "A=1", "A=1\nB=2\n", "export A='x'\n", "A=\"a\\\"b\" # c\n",
		"A=$(echo \"$(x)\")\n", "A=${B:-'}'}", "A=`x`", "A=$'\\''", "A=~:~", "A=x\\\n",
		"A='unterminated", "A=a b", "A+=1", "set -e\n", "A=\r\n", "A=(x)",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<12 {
			return // larger inputs add nothing a 4 KiB one cannot, and slow the fuzzer
		}
		env, err := ParseEnv(data)
		if err != nil {
			return
		}
		if got := env.Bytes(); !bytes.Equal(got, data) {
			t.Fatalf("Bytes() = %q, want the input %q", got, data)
		}
		// Setting every key to its own value keeps a file that parses to
		// the same values.
		keys := env.Keys()
		edited := env.Clone()
		for _, k := range keys {
			if v, _ := env.Lookup(k); !v.Expands {
				edited.Set(k, v.Text)
			}
		}
		again, err := ParseEnv(edited.Bytes())
		if err != nil {
			t.Fatalf("edited file does not parse: %v\n%q", err, edited.Bytes())
		}
		for _, k := range keys {
			a, _ := env.Lookup(k)
			b, _ := again.Lookup(k)
			if !a.Expands && a.Text != b.Text {
				t.Fatalf("%s: %q before, %q after rewrite", k, a.Text, b.Text)
			}
		}
		_ = env.CheckStrict() // must not panic
	})
}
