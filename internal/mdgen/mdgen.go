// Package mdgen holds what the generated parts of README.md share: a
// table cell's escaping and the replacement of a section between two
// marker comments (doctor's troubleshooting table, the Kubernetes values
// mapping), so each generator only says what goes in its section.
package mdgen

import (
	"fmt"
	"os"
	"strings"
)

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

// Check compares the file at path with what replace makes of it, and with
// update rewrites it; a stale file is an error naming the command that
// regenerates it. Both generators' tests call it.
func Check(path string, replace func(string) (string, bool), update bool, regenerate string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	got, ok := replace(string(data))
	if !ok {
		return fmt.Errorf("%s lacks its generated section's markers", path)
	}
	if got == string(data) {
		return nil
	}
	if update {
		return os.WriteFile(path, []byte(got), 0o644)
	}
	return fmt.Errorf("%s's generated section is stale: %s", path, regenerate)
}
