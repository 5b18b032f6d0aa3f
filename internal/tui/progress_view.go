package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/progress"
)

// View is the frame drawn inline, below what the wizard printed. While the
// view runs it never gets shorter: when bubbletea's inline renderer
// (v2.0.10) redraws a shorter frame, it moves the cursor up by at most the
// new height, so if its last redraw ended on a row below that (a log tail
// scrolled at the bottom), it starts the new frame that many rows too low
// and the top of the old frame is left above it, in the scrollback for
// good. Blank rows keep the height instead, above the footer so it stays
// at the bottom; Close moves the cursor back up over the ones under the
// final frame. The last row is always empty: when the program ends the
// renderer erases the row it leaves the cursor on.
func (m *progressModel) View() tea.View {
	h := max(m.height-1, 1)
	lines := strings.Split(m.frame(h), "\n")
	m.tallest = max(m.tallest, len(lines))
	m.pad = max(min(m.tallest, h)-len(lines), 0)
	at := len(lines)
	if m.footer() != "" {
		at-- // the footer's row
	}
	pad := make([]string, m.pad)
	lines = append(lines[:at], append(pad, lines[at:]...)...)
	return tea.NewView(strings.Join(lines, "\n") + "\n")
}

// render is the frame as text; tests compare it with golden files.
func (m *progressModel) render() string { return m.frame(m.height) }

// frame is the view's text, at most height rows.
func (m *progressModel) frame(height int) string {
	var b strings.Builder
	b.WriteString(sTitle.Render("Appsmith installer") + "  " + sActive.Render(m.stage()))
	if !m.started.IsZero() {
		b.WriteString(sDim.Render("  " + progress.FormatDuration(m.elapsed())))
	}
	b.WriteString("\n\n")
	for _, s := range m.steps {
		b.WriteString(m.stepLine(s) + "\n")
		if s.status == stepFailed && s.msg != "" && m.final == nil { // else the outcome says it
			b.WriteString("  " + render(sFail, wrapText(s.msg, m.width, "  ")) + "\n")
		}
		if s.pull != nil && s.status == stepRunning {
			b.WriteString(m.pullView(s.pull))
		}
	}
	for _, w := range m.warnings {
		b.WriteString(render(sWarn, "⚠ "+wrapText(w, m.width, "  ")) + "\n")
	}
	if m.final != nil {
		b.WriteString("\n" + m.finalView())
	}
	head := b.String()
	// The log tail takes the rows left over: it matters while the container
	// boots, and after a failure, where it often says why.
	if len(m.logs) > 0 && (m.final == nil || m.stage() == "Failed") {
		room := height - strings.Count(head, "\n") - 4
		if n := min(room, 12, len(m.logs)); n > 0 {
			head += "\n" + sLabel.Render("Container log") + "\n"
			for _, l := range m.logs[len(m.logs)-n:] {
				head += sDim.Render("│ ") + l + "\n"
			}
		}
	}
	if foot := m.footer(); foot != "" {
		head += "\n" + foot
	}
	return fit(strings.TrimRight(head, "\n"), m.width, height)
}

// footer is the frame's last line while the plan runs: what a key does.
func (m *progressModel) footer() string {
	switch {
	case m.final != nil:
	case m.stopping:
		return sWarn.Render("Stopping cleanly… a re-run continues from here.")
	case m.quitArmed:
		return sWarn.Render("Press Ctrl-C again to stop; a re-run continues from here.")
	case m.opts.Input != nil:
		return keys("ctrl+c", "stop (a re-run continues)")
	}
	return ""
}

// mark is a step's symbol; a word in accessible mode (see model.mark).
func (m *progressModel) mark(s stepStatus) string {
	switch {
	case m.plain && s == stepDone:
		return "[ok]"
	case m.plain:
		return "[FAILED]"
	case s == stepDone:
		return sOK.Render("✓")
	}
	return sFail.Render("✗")
}

func (m *progressModel) stage() string {
	switch {
	case m.final == nil:
		return "Installing"
	case m.final.Err == nil:
		return "Done"
	case errors.Is(m.final.Err, context.Canceled):
		return "Stopped"
	}
	return "Failed"
}

func (m *progressModel) elapsed() time.Duration {
	if m.running {
		return m.clock().Sub(m.started)
	}
	return m.ended
}

func (m *progressModel) stepLine(s *stepState) string {
	var sym string
	d := s.elapsed
	switch s.status {
	case stepRunning:
		sym, d = m.spin.View(), m.clock().Sub(s.started)
	default:
		sym = m.mark(s.status)
	}
	t := progress.FormatDuration(d)
	title := ansiTrunc(s.title, m.width-len(t)-4)
	pad := max(m.width-lipgloss.Width(title)-len(t)-3, 1)
	return sym + " " + title + strings.Repeat(" ", pad) + sDim.Render(t)
}

// maxLayerRows keeps a pull of a many-layered image from pushing the rest
// off a small screen; finished layers are counted, not listed.
func (m *progressModel) maxLayerRows() int { return max(min(m.height-16, 10), 3) }

func (m *progressModel) pullView(p *pullState) string {
	var b strings.Builder
	barW := max(m.width-50, 10)
	rows := 0
	for _, l := range p.layers {
		if l.complete() {
			continue
		}
		if rows == m.maxLayerRows() {
			b.WriteString(sDim.Render("    …") + "\n")
			break
		}
		rows++
		amount := ""
		if l.size > 0 && (l.status == "Downloading" || l.status == "Extracting") {
			amount = progress.FormatBytes(l.current) + " / " + progress.FormatBytes(l.size)
		}
		fmt.Fprintf(&b, "    %s %-11s %s %s\n", sDim.Render(l.id), ansiTrunc(l.status, 11), bar(l.fraction(), barW), amount)
	}
	done, size, complete := p.totals()
	line := fmt.Sprintf("%d/%d layers · %s / %s", complete, len(p.layers), progress.FormatBytes(done), progress.FormatBytes(size))
	if r := p.rate(); r > 0 {
		line += " · " + progress.FormatBytes(int64(r)) + "/s"
	}
	b.WriteString("    " + sDim.Render(line) + "\n")
	return b.String()
}

func (m *progressModel) finalView() string {
	f := m.final
	var b strings.Builder
	row := func(label, value string) {
		fmt.Fprintf(&b, "  %-17s %s\n", label, wrapText(value, m.width, strings.Repeat(" ", 20)))
	}
	switch {
	case f.Err == nil:
		b.WriteString(m.mark(stepDone) + " " + sLabel.Render(fmt.Sprintf("Appsmith %s is ready at %s", f.Version, f.URL)) + "\n\n")
		row("Data and secrets", f.Dir+"/stacks (docker.env holds the secrets, mode 0600: keep a copy with your backups)")
		row("Next", m.commands(f.Dir, "status", "logs -f", "stop"))
	case errors.Is(f.Err, context.Canceled):
		b.WriteString(sWarn.Render("Stopped.") + " Nothing is lost: re-run the same command to continue from here.\n")
	default:
		b.WriteString(m.mark(stepFailed) + " " + sFail.Render("The install failed") + "\n  " + wrapText(f.Err.Error(), m.width, "  ") + "\n\n")
		if f.Hint != "" {
			row("Fix", f.Hint)
		}
		row("Then", "re-run the same command: it continues from where it stopped")
		row("Look", m.commands(f.Dir, "status", "logs"))
	}
	if m.ended > 0 {
		row("Took", progress.FormatDuration(m.ended))
	}
	return b.String()
}

// bar draws a progress bar. (bubbles' progress bar animates with a spring
// whose module is not in this build; a static bar is all a pull needs.)
func bar(frac float64, width int) string {
	full := int(frac*float64(width) + 0.5)
	full = min(max(full, 0), width)
	return sOK.Render(strings.Repeat("█", full)) + sDim.Render(strings.Repeat("░", width-full))
}

func ansiTrunc(s string, w int) string { return fit(s, max(w, 1), 1) }

// commands lists day-two commands on one line, or one a line when that
// line would not fit (a long --dir): a command is never cut.
func (m *progressModel) commands(dir string, cmds ...string) string {
	s := dayTwo(dir, cmds...)
	if 20+len(s) <= m.width {
		return s
	}
	return strings.ReplaceAll(s, " · ", "\n")
}

// dayTwo names day-two commands as they must be typed for the install in
// dir: without --dir they would look in the default directory. Only
// commands this build has are named.
func dayTwo(dir string, cmds ...string) string {
	flag := ""
	if dir != "" && dir != install.Defaults().Dir {
		flag = " --dir " + shQuote(dir)
	}
	for i, c := range cmds {
		cmds[i] = "appsmith " + c + flag
	}
	return strings.Join(cmds, " · ")
}
