package install

import (
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// An image by digest carries no tag: the version image.env recorded for it
// is what readiness checks and what picks the fresh database.
func TestImageVersionOfADigest(t *testing.T) {
	o := Defaults()
	o.Image = "127.0.0.1:5000/appsmith/appsmith-ce@sha256:" + strings.Repeat("a", 64)
	if got := o.ExpectedVersion(); got != "" {
		t.Fatalf("without ImageVersion: ExpectedVersion = %q, want none", got)
	}
	o.ImageVersion = "v1.9.38"
	if got := o.ExpectedVersion(); got != "v1.9.38" {
		t.Errorf("ExpectedVersion = %q, want v1.9.38", got)
	}
	if got := o.Database(); got != stacks.DBEmbeddedMongoDB {
		t.Errorf("Database = %q, want embedded MongoDB for v1.9.38", got)
	}
	o.Image = "127.0.0.1:5000/appsmith/appsmith-ce:v2.0.1" // a tag wins
	if got := o.ExpectedVersion(); got != "v2.0.1" {
		t.Errorf("ExpectedVersion = %q, want the tag", got)
	}
}
