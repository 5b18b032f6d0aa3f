package tui

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// vt is a small terminal for tests: it plays back what a program wrote
// and keeps the lines that scroll off the top, as a terminal's scrollback
// does. It knows the sequences bubbletea's renderer writes (cursor moves,
// erases, line and character edits, scrolling, margins, the alternate
// screen) and ignores colours and modes. onlcr is the tty's output
// processing: a newline also returns the carriage, which is how the
// renderer writes when it reads no keys from a terminal.
type vt struct {
	w, h      int
	onlcr     bool
	screen    [][]rune
	history   []string
	x, y      int
	wrapNext  bool
	top, bot  int
	alt       [][]rune // the main screen while the alternate one is shown
	sx, sy    int
	altActive bool
}

func newVT(w, h int, onlcr bool) *vt {
	t := &vt{w: w, h: h, onlcr: onlcr, bot: h - 1}
	t.screen = t.blank()
	return t
}

func (t *vt) blank() [][]rune {
	s := make([][]rune, t.h)
	for i := range s {
		s[i] = t.blankLine()
	}
	return s
}

func (t *vt) blankLine() []rune { return []rune(strings.Repeat(" ", t.w)) }

// Write plays p. Sequences split across writes are not expected: the
// renderer writes whole frames.
func (t *vt) Write(p []byte) (int, error) {
	s := string(p)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == 0x1b && i+1 < len(s):
			i = t.escape(s, i+1)
			continue
		case c == '\r':
			t.x, t.wrapNext = 0, false
		case c == '\n':
			if t.onlcr {
				t.x = 0
			}
			t.index()
		case c == '\b':
			t.x, t.wrapNext = max(t.x-1, 0), false
		case c == '\t':
			t.x, t.wrapNext = min((t.x/8+1)*8, t.w-1), false
		case c < 0x20 || c == 0x7f:
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			t.put(r)
			i += n
			continue
		}
		i++
	}
	return len(p), nil
}

func (t *vt) put(r rune) {
	w := ansi.StringWidth(string(r))
	if w == 0 {
		return
	}
	if t.wrapNext {
		t.x, t.wrapNext = 0, false
		t.index()
	}
	t.screen[t.y][t.x] = r
	if w == 2 && t.x+1 < t.w {
		t.screen[t.y][t.x+1] = ' '
	}
	if t.x+w >= t.w {
		t.x, t.wrapNext = t.w-1, true
	} else {
		t.x += w
	}
}

// index moves down a line, scrolling the region at its bottom. Lines
// scrolled off the top of the whole main screen go to the scrollback.
func (t *vt) index() {
	t.wrapNext = false
	if t.y == t.bot {
		t.scrollUp(1)
	} else if t.y < t.h-1 {
		t.y++
	}
}

func (t *vt) scrollUp(n int) {
	for ; n > 0; n-- {
		if t.top == 0 && !t.altActive {
			t.history = append(t.history, strings.TrimRight(string(t.screen[0]), " "))
		}
		copy(t.screen[t.top:t.bot+1], t.screen[t.top+1:t.bot+1])
		t.screen[t.bot] = t.blankLine()
	}
}

func (t *vt) scrollDown(n int) {
	for ; n > 0; n-- {
		copy(t.screen[t.top+1:t.bot+1], t.screen[t.top:t.bot])
		t.screen[t.top] = t.blankLine()
	}
}

// escape handles the sequence after ESC at s[i] and returns where the
// text resumes.
func (t *vt) escape(s string, i int) int {
	switch s[i] {
	case '[':
		j := i + 1
		for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
			j++
		}
		if j < len(s) {
			t.csi(s[i+1:j], s[j])
		}
		return j + 1
	case ']', 'P', '_', '^': // strings, up to BEL or ST
		for j := i + 1; j < len(s); j++ {
			if s[j] == 0x07 {
				return j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
		}
		return len(s)
	case 'M': // reverse index
		t.wrapNext = false
		if t.y == t.top {
			t.scrollDown(1)
		} else if t.y > 0 {
			t.y--
		}
	case 'D':
		t.index()
	case 'E':
		t.x = 0
		t.index()
	case '7':
		t.sx, t.sy = t.x, t.y
	case '8':
		t.x, t.y, t.wrapNext = t.sx, t.sy, false
	case '(', ')':
		return i + 2
	}
	return i + 1
}

func (t *vt) csi(params string, final byte) {
	if params != "" && strings.ContainsAny(params[:1], "?><=") {
		if final == 'h' || final == 'l' {
			for _, p := range strings.Split(params[1:], ";") {
				if p == "1049" && params[0] == '?' {
					t.altScreen(final == 'h')
				}
			}
		}
		return
	}
	if strings.ContainsAny(params, " $\"'!") {
		return // a request or setting with an intermediate: no effect on cells
	}
	var ns []int
	for _, p := range strings.Split(params, ";") {
		n, _ := strconv.Atoi(p)
		ns = append(ns, n)
	}
	arg := func(i, def int) int {
		if i < len(ns) && ns[i] > 0 {
			return ns[i]
		}
		return def
	}
	n := arg(0, 1)
	line := t.screen[t.y]
	if final != 'm' {
		t.wrapNext = false
	}
	switch final {
	case 'A':
		lo := 0
		if t.y >= t.top {
			lo = t.top
		}
		t.y = max(t.y-n, lo)
	case 'B':
		hi := t.h - 1
		if t.y <= t.bot {
			hi = t.bot
		}
		t.y = min(t.y+n, hi)
	case 'C':
		t.x = min(t.x+n, t.w-1)
	case 'D':
		t.x = max(t.x-n, 0)
	case 'E':
		t.x, t.y = 0, min(t.y+n, t.h-1)
	case 'F':
		t.x, t.y = 0, max(t.y-n, 0)
	case 'G', '`':
		t.x = min(n-1, t.w-1)
	case 'd':
		t.y = min(n-1, t.h-1)
	case 'H', 'f':
		t.y, t.x = min(arg(0, 1)-1, t.h-1), min(arg(1, 1)-1, t.w-1)
	case 'I':
		t.x = min((t.x/8+n)*8, t.w-1)
	case 'Z':
		t.x = max(((t.x+7)/8-n)*8, 0)
	case 'J':
		switch arg(0, 0) {
		case 0:
			t.eraseLine(t.x, t.w)
			for y := t.y + 1; y < t.h; y++ {
				t.screen[y] = t.blankLine()
			}
		case 1:
			t.eraseLine(0, t.x+1)
			for y := 0; y < t.y; y++ {
				t.screen[y] = t.blankLine()
			}
		case 2:
			t.screen = t.blank()
		}
	case 'K':
		switch arg(0, 0) {
		case 0:
			t.eraseLine(t.x, t.w)
		case 1:
			t.eraseLine(0, t.x+1)
		case 2:
			t.eraseLine(0, t.w)
		}
	case 'X':
		t.eraseLine(t.x, min(t.x+n, t.w))
	case 'P':
		n = min(n, t.w-t.x)
		copy(line[t.x:], line[t.x+n:])
		t.eraseLine(t.w-n, t.w)
	case '@':
		n = min(n, t.w-t.x)
		copy(line[t.x+n:], line[t.x:t.w-n])
		t.eraseLine(t.x, t.x+n)
	case 'L', 'M':
		if t.y < t.top || t.y > t.bot {
			return
		}
		top := t.top
		t.top = t.y
		if final == 'L' {
			t.scrollDown(min(n, t.bot-t.y+1))
		} else {
			alt := t.altActive
			t.altActive = true // deleted lines are gone, not scrolled back
			t.scrollUp(min(n, t.bot-t.y+1))
			t.altActive = alt
		}
		t.top = top
		t.x = 0
	case 'S':
		t.scrollUp(n)
	case 'T':
		t.scrollDown(n)
	case 'r':
		t.top, t.bot = arg(0, 1)-1, min(arg(1, t.h), t.h)-1
		t.x, t.y = 0, 0
	}
}

func (t *vt) eraseLine(from, to int) {
	for x := max(from, 0); x < to && x < t.w; x++ {
		t.screen[t.y][x] = ' '
	}
}

func (t *vt) altScreen(on bool) {
	if on == t.altActive {
		return
	}
	if on {
		t.alt, t.sx, t.sy = t.screen, t.x, t.y
		t.screen = t.blank()
	} else {
		t.screen, t.x, t.y = t.alt, t.sx, t.sy
	}
	t.altActive, t.wrapNext = on, false
}

// text is the scrollback and the screen, without trailing blank lines.
func (t *vt) text() string {
	lines := append([]string(nil), t.history...)
	for _, l := range t.screen {
		lines = append(lines, strings.TrimRight(string(l), " "))
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
}
