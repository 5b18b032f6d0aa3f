package progress

import (
	"strings"
	"unicode/utf8"
)

// SGR attributes. Plain ANSI only: every terminal that can move the cursor
// understands these, and nothing here needs a terminfo database.
const (
	sgrBold   = "1"
	sgrDim    = "2"
	sgrRed    = "31"
	sgrGreen  = "32"
	sgrYellow = "33"
	sgrCyan   = "36"
)

// span is a run of text with one style; lines are built from spans so that
// width is measured on the text alone, before any escape code is added.
type span struct {
	text, sgr string
}

type line []span

func (l line) width() int {
	n := 0
	for _, s := range l {
		n += utf8.RuneCountInString(s.text)
	}
	return n
}

// render truncates l to width columns (an ellipsis marks the cut) and adds
// colour when asked. Runes are taken as one column each: the text here is
// titles, layer IDs and numbers, not East Asian scripts.
func (l line) render(width int, color bool) string {
	var b strings.Builder
	cut := width > 0 && l.width() > width
	room := width
	if cut {
		room = width - 1
	}
	for _, s := range l {
		t := s.text
		if cut {
			if room <= 0 {
				break
			}
			if n := utf8.RuneCountInString(t); n > room {
				t = string([]rune(t)[:room])
			}
			room -= utf8.RuneCountInString(t)
		}
		writeStyled(&b, t, s.sgr, color)
	}
	if cut {
		b.WriteString("…")
	}
	return b.String()
}

func writeStyled(b *strings.Builder, t, sgr string, color bool) {
	if t == "" {
		return
	}
	if color && sgr != "" {
		b.WriteString("\x1b[" + sgr + "m" + t + "\x1b[0m")
		return
	}
	b.WriteString(t)
}

// bar draws "[=====>    ]" with n columns between the brackets.
func bar(current, size int64, n int) string {
	filled := 0
	if size > 0 {
		filled = int(float64(n) * float64(min(current, size)) / float64(size))
	}
	if filled >= n {
		return "[" + strings.Repeat("=", n) + "]"
	}
	return "[" + strings.Repeat("=", filled) + ">" + strings.Repeat(" ", n-filled-1) + "]"
}

// fitTitle shortens a step title so that the rest of its line (spinner,
// counter, elapsed time) stays visible on a narrow terminal.
func fitTitle(title string, room int) string {
	if utf8.RuneCountInString(title) <= room {
		return title
	}
	if room <= 1 {
		return "…"
	}
	return string([]rune(title)[:room-1]) + "…"
}
