// Package mdgen holds what the generated parts of README.md share: a
// table cell's escaping and the replacement of a section between two
// marker comments (doctor's troubleshooting table, the Kubernetes values
// mapping), so each generator only says what goes in its section.
package mdgen

import "strings"

// Cell escapes s for a cell of a Markdown table.
func Cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// Replace puts body between the begin and end markers of doc; ok is false
// when the markers are missing or out of order.
func Replace(doc, begin, end, body string) (string, bool) {
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return doc, false
	}
	return doc[:i+len(begin)] + "\n" + body + doc[j:], true
}
