package stacks

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, s string) *EnvFile {
	t.Helper()
	env, err := ParseEnv([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestEdits(t *testing.T) {
	tests := []struct {
		name string
		in   string
		edit func(*EnvFile)
		want string
	}{
		{"set in place keeps comments and order",
			"# head\nA=1\n\n# about B\nB=2 # inline\nC=3\n",
			func(e *EnvFile) { e.Set("B", "two words") },
			"# head\nA=1\n\n# about B\nB='two words' # inline\nC=3\n"},
		{"set keeps export and indentation",
			"  export A=\"old\"\n",
			func(e *EnvFile) { e.Set("A", "new") },
			"  export A=new\n"},
		{"set edits the last of duplicates",
			"A=1\nA=2\nB=3\n",
			func(e *EnvFile) { e.Set("A", "x") },
			"A=1\nA=x\nB=3\n"},
		{"set replaces a multi-line value",
			"A='x\ny'\nB=1\n",
			func(e *EnvFile) { e.Set("A", "z") },
			"A=z\nB=1\n"},
		{"set appends a new key",
			"A=1\n",
			func(e *EnvFile) { e.Set("B", "it's") },
			"A=1\nB='it'\\''s'\n"},
		{"append adds the missing final newline",
			"A=1",
			func(e *EnvFile) { e.Set("B", "2") },
			"A=1\nB=2\n"},
		{"append after a comment without newline",
			"A=1\n# end",
			func(e *EnvFile) { e.Set("B", "2") },
			"A=1\n# end\nB=2\n"},
		{"in-place edit keeps a missing final newline",
			"A=1\nB=2",
			func(e *EnvFile) { e.Set("B", "3") },
			"A=1\nB=3"},
		{"append to empty file",
			"",
			func(e *EnvFile) { e.Set("A", "") },
			"A=\n"},
		{"set if missing leaves an empty value",
			"A=\n",
			func(e *EnvFile) { e.SetIfMissing("A", "x"); e.SetIfMissing("B", "y") },
			"A=\nB=y\n"},
		{"delete removes every assignment",
			"# c\nA=1\nB=2\nexport A=3\n",
			func(e *EnvFile) { e.Delete("A") },
			"# c\nB=2\n"},
		{"delete of an absent key changes nothing",
			"A=1",
			func(e *EnvFile) { e.Delete("Z") },
			"A=1"},
		{"unknown lines survive edits",
			"set -e\nA=1\n",
			func(e *EnvFile) { e.Set("A", "2"); e.Set("B", "3") },
			"set -e\nA=2\nB=3\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := mustParse(t, tt.in)
			tt.edit(env)
			if got := string(env.Bytes()); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			// The result parses back to what the edit meant.
			again := mustParse(t, string(env.Bytes()))
			for _, k := range env.Keys() {
				a, _ := env.Get(k)
				b, _ := again.Get(k)
				if a != b {
					t.Errorf("%s: %q after edit, %q after re-parse", k, a, b)
				}
			}
		})
	}
}

func TestEditRealisticFile(t *testing.T) {
	data, err := os.ReadFile("testdata/docker.env")
	if err != nil {
		t.Fatal(err)
	}
	env := mustParse(t, string(data))
	env.Set("APPSMITH_CUSTOM_DOMAIN", "new.example.com")
	got := string(env.Bytes())
	want := strings.Replace(string(data), "APPSMITH_CUSTOM_DOMAIN=appsmith.example.com", "APPSMITH_CUSTOM_DOMAIN=new.example.com", 1)
	if got != want {
		t.Error("an edit of one value changed other bytes")
	}
}

func TestGetLookup(t *testing.T) {
	env := mustParse(t, "A=\"$HOME/x\"\nB='lit'\nC=\n")
	if v, ok := env.Get("A"); !ok || v != `"$HOME/x"` {
		t.Errorf("Get(A) = %q, %v; want the raw text of an expanding value", v, ok)
	}
	if v, ok := env.Lookup("A"); !ok || !v.Expands || v.Text != "$HOME/x" || v.Line != 1 {
		t.Errorf("Lookup(A) = %+v", v)
	}
	if v, ok := env.Get("B"); !ok || v != "lit" {
		t.Errorf("Get(B) = %q, %v", v, ok)
	}
	if v, ok := env.Get("C"); !ok || v != "" {
		t.Errorf("Get(C) = %q, %v; want present and empty", v, ok)
	}
	if _, ok := env.Get("D"); ok || env.Has("D") {
		t.Error("D must be missing")
	}
}

func TestDBURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"APPSMITH_DB_URL=mongodb://a/b\n", "mongodb://a/b"},
		{"APPSMITH_MONGODB_URI=mongodb://old/x\n", "mongodb://old/x"},
		{"APPSMITH_DB_URL=postgresql://new/x\nAPPSMITH_MONGODB_URI=mongodb://old/x\n", "mongodb://old/x"},
		{"APPSMITH_DB_URL=postgresql://new/x\nAPPSMITH_MONGODB_URI=\n", "postgresql://new/x"},
		{"A=1\n", ""},
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.in).DBURL(); got != tt.want {
			t.Errorf("DBURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClone(t *testing.T) {
	env := mustParse(t, "A=1\nB=2")
	c := env.Clone()
	c.Set("A", "x")
	c.Set("C", "3")
	if got := string(env.Bytes()); got != "A=1\nB=2" {
		t.Errorf("original changed: %q", got)
	}
	if got := string(c.Bytes()); got != "A=x\nB=2\nC=3\n" {
		t.Errorf("clone = %q", got)
	}
}

func TestParseCopiesInput(t *testing.T) {
	buf := []byte("A=1\n")
	env := mustParse(t, string(buf))
	env2, _ := ParseEnv(buf)
	buf[2] = '9'
	if v, _ := env2.Get("A"); v != "1" || string(env2.Bytes()) != "A=1\n" || !reflect.DeepEqual(env.Keys(), env2.Keys()) {
		t.Error("the parsed file aliases the caller's buffer")
	}
}

func TestSetPanicsOnInvalidKey(t *testing.T) {
	for _, key := range []string{"", "1A", "A-B", "A B", "A=B"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Set(%q) did not panic", key)
				}
			}()
			mustParse(t, "").Set(key, "v")
		}()
	}
}
