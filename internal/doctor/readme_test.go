package doctor

import (
	"flag"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/mdgen"
)

var update = flag.Bool("update", false, "rewrite README.md's Troubleshooting section")

// TestReadmeTroubleshooting fails when README's check list is not the one
// generated from Checks.
func TestReadmeTroubleshooting(t *testing.T) {
	if err := mdgen.Check("../../README.md", ReplaceSection, *update, "go test ./internal/doctor -run TestReadmeTroubleshooting -update"); err != nil {
		t.Error(err)
	}
}
