package kube

import (
	"fmt"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/mdgen"
)

// README's Kubernetes values section sits between these markers; it is
// generated from Lines so the documentation and the code cannot disagree.
const (
	ReadmeBegin = "<!-- kube:begin (generated from internal/kube/mapping.go: go test ./internal/kube -run TestReadme -update) -->"
	ReadmeEnd   = "<!-- kube:end -->"
)

// Markdown is the generated section: one table per chart line.
func Markdown() string {
	var b strings.Builder
	for i, l := range Lines {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "Chart line %s (checked against the chart's %s):\n\n", l.Version, l.Read)
		b.WriteString("| option | chart key | value |\n|---|---|---|\n")
		for _, r := range l.Rows {
			fmt.Fprintf(&b, "| %s | `%s` | %s |\n", mdgen.Cell(r.Option), mdgen.Cell(r.Key), mdgen.Cell(r.Rule))
		}
	}
	return b.String()
}

// ReplaceSection puts Markdown() between the markers of readme; ok is
// false when the markers are missing.
func ReplaceSection(readme string) (string, bool) {
	return mdgen.Replace(readme, ReadmeBegin, ReadmeEnd, Markdown())
}
