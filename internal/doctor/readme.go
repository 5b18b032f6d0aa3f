package doctor

import (
	"fmt"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/mdgen"
)

// README's Troubleshooting section sits between these markers; its check
// list is generated from Checks so the two cannot drift apart.
const (
	ReadmeBegin = "<!-- doctor:begin (generated from internal/doctor/checks.go: go test ./internal/doctor -update) -->"
	ReadmeEnd   = "<!-- doctor:end -->"
)

// Markdown is the generated part of README's Troubleshooting section: one
// row per check, what it finds and the fix.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| check | what it finds | fix |\n|---|---|---|\n")
	for _, c := range Checks {
		fmt.Fprintf(&b, "| `%s` %s | %s | %s |\n", c.ID, c.Title, mdgen.Cell(c.Finds), mdgen.Cell(c.Fix))
	}
	return b.String()
}

// ReplaceSection puts Markdown() between the markers of readme; ok is false
// when the markers are missing.
func ReplaceSection(readme string) (string, bool) {
	return mdgen.Replace(readme, ReadmeBegin, ReadmeEnd, Markdown())
}
