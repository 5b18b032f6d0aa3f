package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/appsmith-install/appsmith-install/install"
)

// The existing-instance menu: installing over a live instance is never
// what a person at the wizard means, so it is not offered. An upgrade is
// `appsmith upgrade` (with its plan, checkpoints and rollback), not a menu
// entry of the installer's wizard.
var existingMenu = []struct {
	action Action
	label  string
	note   string
}{
	{ActionStatus, "Show its status", "status"},
	{ActionQuit, "Quit", "change nothing"},
}

func (m *model) keysExisting(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch k.String() {
	case "up", "k", "shift+tab":
		m.menu = (m.menu + len(existingMenu) - 1) % len(existingMenu)
	case "down", "j", "tab":
		m.menu = (m.menu + 1) % len(existingMenu)
	case "q":
		return m.finish(ActionQuit, m.current())
	case "enter":
		return m.finish(existingMenu[m.menu].action, m.current())
	}
	return nil
}

// menuNote is what an entry of the menu does; a command is named as it is
// typed for this directory.
func (m *model) menuNote(i int) string {
	if it := existingMenu[i]; it.action == ActionStatus {
		return dayTwo(m.a.Dir, it.note)
	}
	return existingMenu[i].note
}

// current is the options as answered so far; the answers were valid when
// the wizard started and only validated changes are kept.
func (m *model) current() install.Options {
	o, _ := m.a.options()
	if n, err := o.Normalize(); err == nil {
		o = n
	}
	if o.TLS == tlsCustom && o.Domain == "" && m.sum.certDomain != "" && m.sum.certFor == certOf(o) {
		o.Domain = m.sum.certDomain
	}
	return o
}

func (m *model) viewExisting() (body, help string) {
	var b strings.Builder
	b.WriteString(m.existingInfo(true))
	b.WriteString("\n" + sLabel.Render("What now?") + "\n")
	for i, it := range existingMenu {
		cursor, label := "  ", it.label
		if i == m.menu {
			cursor, label = sTitle.Render("> "), sActive.Render(label)
		}
		fmt.Fprintf(&b, "%s%-*s %s\n", cursor, 16+len(label)-len(it.label), label, sDim.Render(m.menuNote(i)))
	}
	return b.String(), keys("↑/↓", "move", "enter", "choose", "q", "quit")
}

// existingInfo describes the instance found, and with problems the checks
// that are not OK (the screen replaces the list of checks).
func (m *model) existingInfo(problems bool) string {
	var b strings.Builder
	c := m.pre.obs.Container
	b.WriteString(sLabel.Render("Appsmith is already installed in "+m.a.Dir) + "\n\n")
	state := c.State
	if c.Health != "" {
		state += ", " + c.Health
	}
	fmt.Fprintf(&b, "  container  %s (%s)\n", c.Name, state)
	fmt.Fprintf(&b, "  image      %s\n", c.Image)
	if r := m.pre.obs.Ready; r != nil {
		fmt.Fprintf(&b, "  version    %s, answering\n", r.Version)
	}
	if p := m.findingsView(true); p != "" && problems {
		b.WriteString("\n" + p)
	}
	return b.String()
}
