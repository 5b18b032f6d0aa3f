package tui

import (
	"github.com/appsmith-install/appsmith-install/internal/stacks"

	"fmt"
	"net/url"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// summary is screen 3: the options, the checks run again for exactly
// these options, what the install will do, and the unattended equivalent.
type summary struct {
	summaryMsg
	running bool
}

type summaryMsg struct {
	gen      int
	findings []install.Finding
	err      error
	steps    []engine.Step
	planErr  error
	// certDomain is the domain taken from the certificate when none was
	// typed, for the certificate files named by certOf.
	certDomain, certFor string
}

// certOf names the certificate answers a domain taken from them belongs to.
func certOf(o install.Options) string {
	return o.Cert + "\x00" + o.Key + "\x00" + o.KeyPassphraseFile
}

func (s *summary) update(msg summaryMsg) {
	if msg.gen == s.gen {
		s.summaryMsg, s.running = msg, false
	}
}

func (m *model) enterSummary() tea.Cmd {
	m.screen, m.form = scrSummary, nil
	m.sum = summary{summaryMsg: summaryMsg{gen: m.sum.gen + 1}, running: true}
	gen, ctx, env, o := m.sum.gen, m.ctx, m.env, m.current()
	return func() tea.Msg {
		msg := summaryMsg{gen: gen}
		if o.TLS == tlsCustom && o.Domain == "" && env.TLSDomain != nil {
			// "Empty: taken from the certificate": take it now, so the
			// plan, the command and install.yaml all name it.
			if d, err := env.TLSDomain(o); err == nil && d != "" {
				o.Domain, msg.certDomain, msg.certFor = d, d, certOf(o)
			}
		}
		if env.Preflight != nil {
			msg.findings, _, msg.err = env.Preflight(ctx, o)
		}
		if env.Plan != nil && msg.err == nil && countFails(msg.findings) == 0 {
			p, err := env.Plan(ctx, o)
			msg.steps, msg.planErr = p.Steps, err
		}
		return msg
	}
}

// blocked says why the install cannot start from here, or "".
func (s *summary) blocked() string {
	switch {
	case s.running:
		return "checking…"
	case s.err != nil:
		return "the checks could not run: " + s.err.Error()
	case countFails(s.findings) > 0:
		return "a check failed. Change the options, or fix the machine and check again."
	case s.planErr != nil:
		return "no plan: " + s.planErr.Error()
	}
	return ""
}

func (m *model) keysSummary(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch k.String() {
	case "enter":
		if m.sum.blocked() == "" {
			return m.finish(ActionInstall, m.current())
		}
	case "esc", "b":
		return m.enterChoices()
	case "r":
		return m.enterSummary()
	case "s":
		return m.enterSavePath()
	case "q":
		return m.finish(ActionQuit, m.current())
	case "up", "k":
		m.offset--
	case "down", "j":
		m.offset++
	}
	return nil
}

func (m *model) viewSummary() (body, help string) {
	o := m.current()
	var b strings.Builder
	title := "Ready to install"
	switch {
	case m.sum.running:
		title = "Summary"
	case m.sum.blocked() != "":
		title = "Not ready to install"
	}
	b.WriteString(sLabel.Render(title) + "\n\n")
	b.WriteString(m.optionRows(o))
	b.WriteString("\n" + m.checksView())
	b.WriteString("\n" + sLabel.Render("The same install, unattended (scripts, cloud-init):") + "\n")
	for _, l := range strings.Split(wrapWords(commandWords(o), m.width, "  "), "\n") {
		b.WriteString(sCode.Render(l) + "\n")
	}
	if m.saveTo != "" {
		fmt.Fprintf(&b, "%s install.yaml will be written to %s\n", m.mark(install.OK), m.saveTo)
	}
	// The steps come last: on a short terminal they are what scrolls.
	if len(m.sum.steps) > 0 {
		b.WriteString("\n" + sLabel.Render("What will happen") + "\n")
		for i, s := range m.sum.steps {
			fmt.Fprintf(&b, "  %d. %s\n", i+1, s.Title)
		}
	}
	body = b.String()
	if why := m.sum.blocked(); why != "" && !m.sum.running {
		return body, render(sFail, wrapText("Can't install: "+why, m.width, "")) + "\n" + keys("esc", "back", "r", "check again", "s", "save install.yaml", "q", "quit")
	}
	return body, keys("enter", "install", "esc", "back", "s", "save install.yaml", "q", "quit")
}

// optionRows are the options as the summary lists them; the wizard's last
// words repeat them, so the scrollback keeps what was installed.
func (m *model) optionRows(o install.Options) string {
	var b strings.Builder
	row := func(label, value string) { fmt.Fprintf(&b, "  %-10s %s\n", label, value) }
	row("Directory", o.Dir)
	if o.Image != "" {
		row("Image", o.Image) // it fixes the edition and version: no answer for them
	} else {
		row("Appsmith", fmt.Sprintf("%s, %s edition", o.Version, map[string]string{"ee": "Business/Enterprise (ee)", "ce": "Community (ce)"}[o.Edition]))
	}
	row("Ports", fmt.Sprintf("http %d, https %d on %s", o.HTTPPort, o.HTTPSPort, o.BindAddress))
	tls := tlsText(m.a.TLS, o.Domain)
	if o.TLS == tlsCustom && strings.TrimSpace(m.a.Domain) == "" && o.Domain != "" {
		tls += " (the name in the certificate)"
	}
	row("TLS", tls)
	if o.DBURL != "" {
		row("Database", external(o.DBURL))
	} else {
		row("Database", stacks.DatabaseLabel(o.Database()))
	}
	row("Redis", external(o.RedisURL))
	if len(o.CACerts) > 0 {
		row("CA roots", strings.Join(o.CACerts, ", "))
	}
	row("Telemetry", map[bool]string{true: "on", false: "off"}[o.Telemetry])
	return b.String()
}

func (m *model) checksView() string {
	if m.sum.running {
		return m.spin.View() + " checking the machine again for these options\n"
	}
	var probs []string
	if v := releaseVerdict(m.a, m.a.Version); v.level != install.OK {
		probs = append(probs, m.row(m.mark(v.level), "version", v.msg))
	}
	for _, f := range m.sum.findings {
		if f.Level != install.OK {
			probs = append(probs, m.row(m.mark(f.Level), f.Check, f.Message))
		}
	}
	if m.sum.err != nil {
		probs = append(probs, fmt.Sprintf("%s %s", m.mark(install.Fail), m.sum.err))
	}
	if len(probs) == 0 {
		return m.mark(install.OK) + " all checks pass\n"
	}
	return strings.Join(probs, "\n") + "\n"
}

func tlsText(mode, domain string) string {
	var s string
	switch mode {
	case tlsLetsEncrypt:
		s = "Let's Encrypt"
	case tlsCustom:
		s = "your certificate"
	case tlsProxy:
		s = "behind a proxy"
	default:
		s = "none (plain HTTP)"
	}
	if domain != "" {
		s += " for " + domain
	}
	return s
}

// external shows an external service's URL without its password.
func external(raw string) string {
	if raw == "" {
		return "embedded"
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "external"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return "external: " + u.String()
}

// wrapWords lays shell words out in lines of at most width, continued with
// a backslash, so the command can be pasted as it is shown.
func wrapWords(words []string, width int, indent string) string {
	var lines []string
	cur, n := indent, 0 // n: words on the current line
	for _, w := range words {
		if n > 0 && len(cur)+1+len(w)+2 > width {
			lines = append(lines, cur+" \\")
			cur, n = indent+"  ", 0
		}
		if n > 0 {
			cur += " "
		}
		cur += w
		n++
	}
	return strings.Join(append(lines, cur), "\n")
}

func (m *model) enterSavePath() tea.Cmd {
	m.screen, m.fields = scrSavePath, map[huh.Field]int{}
	path := m.saveTo
	if path == "" {
		path = "install.yaml"
	}
	m.newForm(huh.NewGroup(huh.NewInput().Key("save").Title("Save the options as").
		Description("A YAML file for appsmith-install --yes --config FILE. Passwords are left out.").
		Value(&path).Validate(func(s string) error {
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("want a file name")
		}
		return nil
	})))
	return m.form.Init()
}

func (m *model) updateSavePath(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "esc" {
		m.screen, m.form = scrSummary, nil
		return nil
	}
	cmd := m.updateForm(msg)
	if m.form.State == huh.StateCompleted {
		m.saveTo = strings.TrimSpace(m.form.GetString("save"))
		m.screen, m.form = scrSummary, nil
	}
	return cmd
}
