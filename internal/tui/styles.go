package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/appsmith-install/appsmith-install/install"
)

// Styles carry colour unconditionally: NO_COLOR is honoured where the text
// meets the terminal (the program's colour profile), so views and goldens
// are the same in both cases.
var (
	sTitle  = lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("212"))
	sStep   = lipgloss.NewStyle().Foreground(lipgloss.Color("244"))
	sActive = lipgloss.NewStyle().Bold(true).Underline(true)
	sOK     = lipgloss.NewStyle().Foreground(lipgloss.Color("42"))
	sWarn   = lipgloss.NewStyle().Foreground(lipgloss.Color("214"))
	sFail   = lipgloss.NewStyle().Foreground(lipgloss.Color("203")).Bold(true)
	sDim    = lipgloss.NewStyle().Foreground(lipgloss.Color("244"))
	sKey    = lipgloss.NewStyle().Bold(true)
	sLabel  = lipgloss.NewStyle().Bold(true)
	sCode   = lipgloss.NewStyle().Foreground(lipgloss.Color("117"))
)

// mark is the symbol of a level. In accessible mode it is a word, which a
// screen reader says and a dumb terminal shows.
func (m *model) mark(l install.Level) string {
	if m.plain {
		return map[install.Level]string{install.OK: "[ok]", install.Warn: "[warning]", install.Fail: "[FAILED]", levelPending: "[...]"}[l]
	}
	switch l {
	case install.OK:
		return sOK.Render("✓")
	case install.Warn:
		return sWarn.Render("⚠")
	}
	return sFail.Render("✗")
}

// profile is the colour profile for a terminal: NO_COLOR keeps bold and
// underline, which need no colour to be read.
func profile(noColor bool) *colorprofile.Profile {
	if !noColor {
		return nil
	}
	p := colorprofile.ASCII
	return &p
}

// keys renders a help line: "enter continue · esc back".
func keys(pairs ...string) string {
	var parts []string
	for i := 0; i+1 < len(pairs); i += 2 {
		parts = append(parts, sKey.Render(pairs[i])+" "+sDim.Render(pairs[i+1]))
	}
	return strings.Join(parts, sDim.Render(" · "))
}

// fit cuts every line of s to width and keeps at most height lines, so a
// small terminal never scrolls a redrawn frame (which would smear it).
func fit(s string, width, height int) string {
	lines := strings.Split(s, "\n")
	if height > 0 && len(lines) > height {
		lines = lines[:height]
	}
	if width > 0 {
		for i, l := range lines {
			lines[i] = ansi.Truncate(l, width, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// indent12 aligns continuation lines with text after "✓ check     ".
var indent12 = strings.Repeat(" ", 12)

// wrapText wraps plain text that starts at column len(indent) of a line
// width wide, indenting the continuation lines to the same column.
func wrapText(s string, width int, indent string) string {
	if width <= len(indent)+10 {
		return s
	}
	w := ansi.Wordwrap(s, width-len(indent), "")
	return strings.ReplaceAll(w, "\n", "\n"+indent)
}

// render styles each line on its own: lipgloss pads a block to its widest
// line, which would leave trailing blanks in the terminal and transcripts.
func render(st lipgloss.Style, s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = st.Render(l)
	}
	return strings.Join(lines, "\n")
}
