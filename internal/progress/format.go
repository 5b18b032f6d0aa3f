package progress

import (
	"fmt"
	"strings"
	"time"
)

// FormatBytes uses decimal units, as the Docker CLI does, so our numbers
// match what people see from `docker pull`.
func FormatBytes(n int64) string {
	if n < 1000 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB"} {
		v /= 1000
		// Promote before rounding up to "1000.0 kB".
		if v < 999.95 || u == "TB" {
			return fmt.Sprintf("%.1f %s", v, u)
		}
	}
	panic("unreachable")
}

// FormatDuration keeps a tenth of a second under a minute (steps are often
// short) and whole seconds above it.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if d < time.Minute-50*time.Millisecond {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

func stepPrefix(index, total int) string {
	if index <= 0 {
		return ""
	}
	return fmt.Sprintf("[%d/%d] ", index, total)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// shortLayer makes layer IDs the 12 characters Docker shows, whatever form
// the caller passed.
func shortLayer(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// cleanLines splits a message into lines fit for a terminal: container log
// lines carry colour codes and carriage returns, and a stray cursor
// movement would corrupt the tty live area (and "no ANSI" is plain's promise).
func cleanLines(s string) []string {
	s = strings.TrimRight(s, "\r\n")
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = stripControl(p)
	}
	return parts
}

func stripControl(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0x1b:
			i = skipEscape(s, i)
		case c == '\t':
			b.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
			// dropped: \r, bell, backspace and friends
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// skipEscape returns the index of the last byte of the escape sequence that
// starts at s[i] (ESC): CSI "ESC [ ... final", OSC "ESC ] ... BEL|ESC \",
// or a two-byte escape.
func skipEscape(s string, i int) int {
	if i+1 >= len(s) {
		return i
	}
	switch s[i+1] {
	case '[':
		for j := i + 2; j < len(s); j++ {
			if s[j] >= 0x40 && s[j] <= 0x7e {
				return j
			}
		}
		return len(s) - 1
	case ']':
		for j := i + 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return j
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return j + 1
			}
		}
		return len(s) - 1
	default:
		return i + 1
	}
}
