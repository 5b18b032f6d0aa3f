package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/appsmith-install/appsmith-install/install"
)

// View draws on the alternate screen: the wizard redraws whole screens of
// different heights, and drawn inline each one left its old frames in the
// scrollback (the header seven times over). RunWizard prints the outcome
// once the screen is restored.
func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	return v
}

// render is the frame as text; tests compare it with golden files.
func (m *model) render() string {
	if m.err != nil {
		return "Cancelled: nothing was changed.\n"
	}
	if m.result.Action != "" {
		return m.farewell()
	}
	var body, help string
	switch m.screen {
	case scrPreflight:
		body, help = m.viewPreflight()
	case scrExisting:
		body, help = m.viewExisting()
	case scrChoices:
		body, help = m.viewChoices()
	case scrSummary:
		body, help = m.viewSummary()
	case scrSavePath:
		body, help = formView(m.form), keys("enter", "save", "esc", "back")
	}
	if m.quitArmed {
		help = sWarn.Render("Press Ctrl-C again to quit; nothing has been changed.") + "\n" + help
	}
	if m.scrolled != m.screen {
		m.scrolled, m.offset = m.screen, 0
	}
	// Header, a gap, the body, a gap, the help.
	body = m.scroll(body, m.height-4-strings.Count(help, "\n"))
	frame := m.header() + "\n\n" + strings.TrimRight(body, "\n") + "\n\n" + help
	return fit(frame, m.width, m.height)
}

func (m *model) viewChoices() (body, help string) {
	body = formView(m.form)
	if m.notice != "" {
		body = m.mark(install.Fail) + " " + render(sFail, wrapText(m.notice, m.width, "  ")) + "\n" +
			"  " + sDim.Render("This changed since it was answered: go through the options again.") + "\n\n" + body
	}
	if l := m.liveView(); l != "" {
		body += "\n\n" + l
	}
	help = keys("enter", "next", "shift+tab", "previous", "esc", "checks", "ctrl+c", "quit")
	return body, help
}

// header names the wizard and where it is: Checks › Options › Summary.
func (m *model) header() string {
	stage := 0
	switch m.screen {
	case scrChoices:
		stage = 1
	case scrSummary, scrSavePath:
		stage = 2
	}
	var parts []string
	for i, s := range []string{"Checks", "Options", "Summary"} {
		if i == stage {
			parts = append(parts, sActive.Render(s))
		} else {
			parts = append(parts, sStep.Render(s))
		}
	}
	return sTitle.Render("Appsmith installer") + "  " + strings.Join(parts, sStep.Render(" › "))
}

// scroll shows the rows of body that fit in avail, from m.offset (which
// the arrow keys move on screens that can be taller than the terminal). The
// offset is clamped, so a resize never leaves the view past the end.
func (m *model) scroll(body string, avail int) string {
	lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
	avail = max(avail, 3)
	if len(lines) <= avail {
		m.offset = 0
		return body
	}
	m.offset = min(max(m.offset, 0), len(lines)-avail+1)
	shown := lines[m.offset : m.offset+avail-1]
	more := sDim.Render("↓ more: ↑/↓ to scroll")
	if m.offset+avail-1 >= len(lines) {
		more = sDim.Render("↑ more above")
	}
	return strings.Join(append(shown, more), "\n")
}

// farewell is the frame left in the terminal once the wizard ends: what
// was decided, with the command that repeats it.
func (m *model) farewell() string {
	o := m.result.Options
	var s string
	switch m.result.Action {
	case ActionInstall:
		s = m.mark(install.OK) + " " + sLabel.Render("Installing Appsmith") + "\n" + m.optionRows(o) +
			"\nThe same install, unattended:\n" + wrapWords(commandWords(o), m.width, "  ")
	case ActionStatus:
		s = m.mark(install.OK) + " Showing the status of the instance in " + o.Dir
	default:
		s = "Nothing was changed."
	}
	if m.result.SaveConfigPath != "" {
		s += "\n" + m.mark(install.OK) + " Saving the options to " + m.result.SaveConfigPath
	}
	return s + "\n"
}

// formView is a form without the blank rows huh pads every group with to
// the height of the tallest, so what follows sits right under the fields.
func formView(f interface{ View() string }) string {
	lines := strings.Split(f.View(), "\n")
	for len(lines) > 0 && strings.TrimSpace(ansi.Strip(lines[len(lines)-1])) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}
