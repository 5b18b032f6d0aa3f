package progress

import (
	"testing"
	"time"
)

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0:             "0 B",
		999:           "999 B",
		1000:          "1.0 kB",
		12_345_678:    "12.3 MB",
		40_100_000:    "40.1 MB",
		999_960:       "1.0 MB", // not "1000.0 kB"
		2_500_000_000: "2.5 GB",
	} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:             "0.0s",
		0:                        "0.0s",
		3240 * time.Millisecond:  "3.2s",
		59 * time.Second:         "59.0s",
		59970 * time.Millisecond: "1m0s",
		62 * time.Second:         "1m2s",
		time.Hour + time.Second:  "1h0m1s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestCleanLines(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                              "plain",
		"\x1b[1;32mgreen\x1b[0m text":        "green text",
		"\x1b]0;title\x07after":              "after",
		"\x1b]8;;http://x\x1b\\link":         "link",
		"progress\r":                         "progress",
		"a\tb\bc":                            "a bc",
		"cut \x1b[":                          "cut ",
		"line one\nline two\n":               "line one|line two",
		"\x1b[2J\x1b[Hcursor games\x1b[10A!": "cursor games!",
	} {
		ls := cleanLines(in)
		got := ls[0]
		for _, l := range ls[1:] {
			got += "|" + l
		}
		if got != want {
			t.Errorf("cleanLines(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLineRender(t *testing.T) {
	l := line{{"⠋ ", sgrCyan}, {"[1/7] ", sgrDim}, {"Title", ""}}
	for _, c := range []struct {
		width int
		color bool
		want  string
	}{
		{0, false, "⠋ [1/7] Title"},
		{13, false, "⠋ [1/7] Title"},
		{12, false, "⠋ [1/7] Tit…"},
		{5, false, "⠋ [1…"},
		{5, true, "\x1b[36m⠋ \x1b[0m\x1b[2m[1\x1b[0m…"},
		{0, true, "\x1b[36m⠋ \x1b[0m\x1b[2m[1/7] \x1b[0mTitle"},
	} {
		if got := l.render(c.width, c.color); got != c.want {
			t.Errorf("render(%d, %v) = %q, want %q", c.width, c.color, got, c.want)
		}
	}
}

func TestBar(t *testing.T) {
	for _, c := range []struct {
		cur, size int64
		want      string
	}{
		{0, 100, "[>         ]"},
		{50, 100, "[=====>    ]"},
		{99, 100, "[=========>]"},
		{100, 100, "[==========]"},
		{150, 100, "[==========]"},
		{5, 0, "[>         ]"},
	} {
		if got := bar(c.cur, c.size, 10); got != c.want {
			t.Errorf("bar(%d, %d) = %q, want %q", c.cur, c.size, got, c.want)
		}
	}
}

func TestShortLayer(t *testing.T) {
	for in, want := range map[string]string{
		"abc":                    "abc",
		"5a8c2b4e1c2d":           "5a8c2b4e1c2d",
		"sha256:5a8c2b4e1c2d9f0": "5a8c2b4e1c2d",
	} {
		if got := shortLayer(in); got != want {
			t.Errorf("shortLayer(%q) = %q, want %q", in, got, want)
		}
	}
}
