package doctor

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's Troubleshooting section")

// TestReadmeTroubleshooting fails when README's check list is not the one
// generated from Checks.
func TestReadmeTroubleshooting(t *testing.T) {
	const path = "../../README.md"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := ReplaceSection(string(data))
	if !ok {
		t.Fatalf("README.md lacks the markers %q and %q", ReadmeBegin, ReadmeEnd)
	}
	if got == string(data) {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's Troubleshooting section is stale: go test ./internal/doctor -run TestReadmeTroubleshooting -update")
}
