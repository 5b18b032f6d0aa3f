package kube

import (
	"fmt"
	"strings"
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
			fmt.Fprintf(&b, "| %s | `%s` | %s |\n", cell(r.Option), cell(r.Key), cell(r.Rule))
		}
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// ReplaceSection puts Markdown() between the markers of readme; ok is
// false when the markers are missing.
func ReplaceSection(readme string) (string, bool) {
	i := strings.Index(readme, ReadmeBegin)
	j := strings.Index(readme, ReadmeEnd)
	if i < 0 || j < i {
		return readme, false
	}
	return readme[:i+len(ReadmeBegin)] + "\n" + Markdown() + readme[j:], true
}
