package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/appsmith-install/appsmith-install/install"
)

// preflight is screen 1: the checks of install.Installer.Observe for the
// current answers, and the registry's version list, both fetched live.
type preflight struct {
	gen      int // a result from an earlier run is dropped
	running  bool
	findings []install.Finding
	obs      *install.Observation
	err      error

	tagsRunning bool
	tags        []string
	tagsErr     error
}

type preflightMsg struct {
	gen      int
	findings []install.Finding
	obs      *install.Observation
	err      error
}

type tagsMsg struct {
	tags []string
	err  error
}

func (m *model) startPreflight() tea.Cmd {
	m.pre.gen++
	m.pre.running, m.pre.findings, m.pre.obs, m.pre.err = true, nil, nil, nil
	gen, ctx, env := m.pre.gen, m.ctx, m.env
	o, err := m.a.options()
	if err == nil {
		o, err = o.Normalize()
	}
	if err != nil || env.Preflight == nil {
		return func() tea.Msg { return preflightMsg{gen: gen, err: err} }
	}
	return func() tea.Msg {
		f, obs, err := env.Preflight(ctx, o)
		return preflightMsg{gen: gen, findings: f, obs: obs, err: err}
	}
}

func (m *model) fetchTags() tea.Cmd {
	if m.env.Tags == nil || m.a.image() != "" {
		return nil
	}
	m.pre.tagsRunning = true
	ctx, env := m.ctx, m.env
	o, _ := m.a.options()
	return func() tea.Msg {
		tags, err := env.Tags(ctx, o)
		return tagsMsg{tags: tags, err: err}
	}
}

func (m *model) updatePreflight(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case preflightMsg:
		if msg.gen != m.pre.gen {
			return nil
		}
		m.pre.running, m.pre.findings, m.pre.obs, m.pre.err = false, msg.findings, msg.obs, msg.err
		if m.screen == scrPreflight && m.existing() {
			m.screen, m.menu = scrExisting, 0
		}
	case tagsMsg:
		m.pre.tagsRunning, m.pre.tags, m.pre.tagsErr = false, msg.tags, msg.err
		if msg.err == nil && len(msg.tags) > 0 {
			m.a.releases = msg.tags
		}
	}
	return nil
}

// existing reports whether the directory already holds our instance: then
// the wizard offers its status, never an install over it.
func (m *model) existing() bool { return m.pre.obs != nil && m.pre.obs.Container != nil }

func (m *model) keysPreflight(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || m.pre.running {
		return nil
	}
	switch k.String() {
	case "enter":
		if m.existing() {
			m.screen = scrExisting
			return nil
		}
		return m.enterChoices()
	case "r":
		return m.startPreflight()
	case "up", "k":
		m.offset--
	case "down", "j":
		m.offset++
	case "q":
		return m.finish(ActionQuit, m.current())
	}
	return nil
}

func (m *model) viewPreflight() (body, help string) {
	var b strings.Builder
	b.WriteString(sLabel.Render("Checking this machine") + "\n\n")
	if m.pre.running {
		fmt.Fprintf(&b, "%s Docker engine, CPU, memory, ports, disk and %s\n", m.spin.View(), m.a.Dir)
	} else {
		b.WriteString(m.findingsView(false))
	}
	b.WriteString(m.tagsLine() + "\n")
	if m.pre.running {
		return b.String(), keys("ctrl+c", "quit")
	}
	if n := countFails(m.pre.findings); n > 0 || m.pre.err != nil {
		b.WriteString("\n" + render(sWarn, wrapText("The install cannot start until the failures are fixed. Ports and the directory can be changed on the next screen; the summary checks again.", m.width, "")) + "\n")
	}
	return b.String(), keys("enter", "choose options", "r", "check again", "q", "quit")
}

// findingsView lists the findings, each problem with its fix. onlyProblems
// leaves the passed checks out where space is short.
func (m *model) findingsView(onlyProblems bool) string {
	var b strings.Builder
	if m.pre.err != nil {
		fmt.Fprintf(&b, "%s %s\n", m.mark(install.Fail), wrapText("preflight could not run: "+m.pre.err.Error(), m.width, "  "))
	}
	for _, f := range m.pre.findings {
		if onlyProblems && f.Level == install.OK {
			continue
		}
		problem := f.Hint != "" && f.Level != install.OK
		b.WriteString(m.row(m.mark(f.Level), f.Check, f.Message) + "\n")
		switch {
		case problem && m.plain:
			fmt.Fprintf(&b, "    fix: %s\n", f.Hint)
		case problem:
			fmt.Fprintf(&b, "%s%s\n", indent12, render(sDim, wrapText("fix: "+f.Hint, m.width, indent12)))
		}
	}
	return b.String()
}

func (m *model) tagsLine() string {
	switch {
	case m.a.image() != "":
		return m.row(m.mark(install.OK), "image", m.a.image()+" (given with --image: it sets the edition and version)")
	case m.env.Tags == nil:
		return m.row(m.mark(install.Warn), "versions", "no registry lookup: type the version")
	case m.pre.tagsRunning:
		return m.row(m.spin.View(), "versions", "reading the version list from the registry")
	case m.pre.tagsErr != nil:
		return m.row(m.mark(install.Warn), "versions", "registry unreachable ("+lastPart(m.pre.tagsErr)+"): type the version")
	}
	n := len(versionChoices(m.pre.tags, "")) - 1
	return m.row(m.mark(install.OK), "versions", fmt.Sprintf("%d releases in the registry", n))
}

// row is one check: its mark, its name and what it found, in columns on a
// screen and as a sentence in line mode (a screen reader reads columns as
// noise, and a dumb terminal wraps lines itself).
func (m *model) row(sym, check, msg string) string {
	if m.plain {
		return fmt.Sprintf("%s %s: %s", sym, check, msg)
	}
	return fmt.Sprintf("%s %-9s %s", sym, check, wrapText(msg, m.width, indent12))
}

func countFails(fs []install.Finding) int {
	n := 0
	for _, f := range fs {
		if f.Level == install.Fail {
			n++
		}
	}
	return n
}
