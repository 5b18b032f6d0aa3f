package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/appsmith-install/appsmith-install/install"
)

// The existing-instance menu: installing over a live instance is never
// what a person at the wizard means, so it is not offered.
var existingMenu = []struct {
	action Action
	label  string
	note   string
}{
	{ActionStatus, "Show its status", "appsmith status"},
	{ActionUpgrade, "Upgrade it", "pick a version, then appsmith upgrade"},
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
		switch a := existingMenu[m.menu].action; a {
		case ActionUpgrade:
			return m.enterUpgrade()
		default:
			return m.finish(a, m.current())
		}
	}
	return nil
}

// current is the options as answered so far; the answers were valid when
// the wizard started and only validated changes are kept.
func (m *model) current() install.Options {
	o, _ := m.a.options()
	if n, err := o.Normalize(); err == nil {
		return n
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
		fmt.Fprintf(&b, "%s%-*s %s\n", cursor, 16+len(label)-len(it.label), label, sDim.Render(it.note))
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

// enterUpgrade asks which version to upgrade to, newer releases first.
func (m *model) enterUpgrade() tea.Cmd {
	m.screen, m.fields = scrUpgrade, map[huh.Field]int{}
	m.a.Version = "latest" // not the installed version: that is no upgrade
	m.form = m.newForm(huh.NewGroup(m.versionField("Upgrade to which version?", newerThan(m.installedVersion()))))
	return m.form.Init()
}

func (m *model) installedVersion() string {
	if r := m.pre.obs.Ready; r != nil {
		return r.Version
	}
	if s := m.pre.obs.State; s != nil {
		return s.Version
	}
	return ""
}

// newerThan filters the version list to what an upgrade from cur can reach.
func newerThan(cur string) func(versionChoice) bool {
	cv, ok := install.ParseVersion(cur)
	return func(c versionChoice) bool {
		v, isVer := install.ParseVersion(c.Tag)
		return !ok || !isVer || cv.LessThan(v)
	}
}

func (m *model) updateUpgrade(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "esc" && !m.filtering() {
		m.screen, m.form = scrExisting, nil
		return nil
	}
	cmd := m.updateForm(msg)
	if m.form.State == huh.StateCompleted {
		m.form = nil
		return m.finish(ActionUpgrade, m.current())
	}
	return cmd
}
