package mdgen

import "testing"

func TestReplace(t *testing.T) {
	doc := "intro\n<!-- b -->\nold\n<!-- e -->\nrest\n"
	got, ok := Replace(doc, "<!-- b -->", "<!-- e -->", "new\n")
	if !ok || got != "intro\n<!-- b -->\nnew\n<!-- e -->\nrest\n" {
		t.Fatalf("Replace: %q %v", got, ok)
	}
	for _, bad := range []string{"no markers", "<!-- e --> then <!-- b -->"} {
		if got, ok := Replace(bad, "<!-- b -->", "<!-- e -->", "x"); ok || got != bad {
			t.Errorf("Replace(%q) = %q, %v: want it unchanged and false", bad, got, ok)
		}
	}
	if Cell("a|b") != `a\|b` {
		t.Error("Cell does not escape |")
	}
}
