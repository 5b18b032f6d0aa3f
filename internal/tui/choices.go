package tui

import (
	"github.com/appsmith-install/appsmith-install/internal/stacks"

	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/appsmith-install/appsmith-install/install"
)

// formChrome is the rows around a form: header, gaps, the inline
// validation line and the help line.
const formChrome = 8

// newForm makes a huh form that fits the screen and leaves Ctrl-C, errors
// and help to the wizard, which shows them the same way on every screen.
func (m *model) newForm(groups ...*huh.Group) *huh.Form {
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithDisabled())
	f := huh.NewForm(groups...).WithKeyMap(km).WithShowHelp(false).WithShowErrors(false)
	// huh turns TERM=dumb into accessible mode with a fixed width; here the
	// wizard has already decided, and a redrawn form needs the real width.
	f.WithAccessible(false)
	m.form = f
	m.resizeForm()
	return f
}

func (m *model) resizeForm() {
	if m.form == nil {
		return
	}
	// huh only ever shrinks a field to fit a group's height: give every
	// field its own height back first, so growing the terminal grows it.
	for f, h := range m.fields {
		f.WithHeight(h)
	}
	m.form.WithWidth(min(m.width-2, 100)).WithHeight(max(m.height-formChrome, 6))
}

// sized registers a field of the form being built with its natural height
// (0 = as tall as its content), for resizeForm.
func (m *model) sized(f huh.Field, h int) huh.Field {
	m.fields[f] = h
	return f
}

func (m *model) updateForm(msg tea.Msg) tea.Cmd {
	f, cmd := m.form.Update(msg)
	m.form = f.(*huh.Form)
	return cmd
}

// filtering: esc then clears a select's filter rather than going back.
func (m *model) filtering() bool {
	if m.form == nil {
		return false
	}
	s, ok := m.form.GetFocusedField().(interface{ GetFiltering() bool })
	return ok && s.GetFiltering()
}

// validator is a huh Validate func for the answer name: the same check as
// the inline line, so a value the line flags cannot be submitted.
func (m *model) validator(name string) func(string) error {
	return func(s string) error { return check(m.env, m.a.with(name, m.plainAnswer(name, s)), name, true).err() }
}

// plainAnswer reads a line-mode answer: an empty line keeps the value, "-"
// clears it (an empty line cannot).
func (m *model) plainAnswer(name, s string) string {
	switch {
	case !m.plain:
		return s
	case strings.TrimSpace(s) == "":
		return *m.a.ptr(name)
	case strings.TrimSpace(s) == "-":
		return ""
	}
	return s
}

// input is a text answer. In line mode the title shows the value an empty
// line keeps, since the prompt has no room for an editable default.
func (m *model) input(name, title, desc string) *huh.Input {
	p := m.a.ptr(name)
	in := huh.NewInput().Key(name).Validate(m.validator(name))
	if m.plain {
		in.Title(fmt.Sprintf("%s [%s]", title, *p)).Accessor(&plainAccessor{p: p})
	} else {
		in.Title(title).Description(desc).Value(p)
	}
	m.sized(in, 0)
	return in
}

// secret is a password answer: masked as it is typed, and in line mode
// read without echo (see accessible.secret).
func (m *model) secret(name, title, desc string) *huh.Input {
	return m.input(name, title, desc).EchoMode(huh.EchoModePassword)
}

// plainAccessor stores "-" as "" (see plainAnswer).
type plainAccessor struct{ p *string }

func (a *plainAccessor) Get() string { return *a.p }
func (a *plainAccessor) Set(s string) {
	if strings.TrimSpace(s) == "-" {
		s = ""
	}
	*a.p = s
}

// versionField is a pick list when the registry answered and a text input
// when it did not, so an offline machine (or a mirror without a tag list)
// can still install a version it knows of.
func (m *model) versionField(title string, keep func(versionChoice) bool) huh.Field {
	if m.plain || m.pre.tagsErr != nil || len(m.pre.tags) == 0 {
		return m.input("version", title, "The registry's list is unavailable: type a version such as v1.9.2, or latest.")
	}
	var opts []huh.Option[string]
	for _, c := range versionChoices(m.pre.tags, m.a.Version) {
		if !keep(c) {
			continue
		}
		label := c.Tag
		if c.Note != "" {
			label = fmt.Sprintf("%-8s · %s", c.Tag, c.Note)
		}
		opts = append(opts, huh.NewOption(label, c.Tag))
	}
	h := 0 // a short list: as tall as it is
	if len(opts) > 7 {
		h = 10
	}
	return m.sized(huh.NewSelect[string]().Key("version").Title(title).
		Description("Newest first; / filters.").Options(opts...).Value(&m.a.Version).Height(h), h)
}

func all(versionChoice) bool { return true }

// enterChoices builds screen 2 from the answers.
func (m *model) enterChoices() tea.Cmd {
	a := m.a
	m.screen, m.live, m.liveKey, m.fields = scrChoices, verdict{}, "", map[huh.Field]int{}
	m.newForm(
		huh.NewGroup(m.appsmithFields()...).Title("Appsmith"),
		huh.NewGroup(
			m.input("http-port", "HTTP port", "Host port for HTTP."),
			m.input("https-port", "HTTPS port", "Host port for HTTPS."),
			m.sized(huh.NewSelect[string]().Key("tls").Title("TLS").Value(&a.TLS).Options(m.tlsOptions()...).
				Validate(func(s string) error { return check(m.env, a.with("tls", s), "tls", true).err() }), 0),
		).Title("Network"),
		huh.NewGroup(
			m.input("domain", "Domain", "The name that points at this machine; Let's Encrypt reaches it on port 80."),
		).Title("Let's Encrypt").WithHideFunc(func() bool { return a.TLS != tlsLetsEncrypt }),
		huh.NewGroup(
			m.input("cert", "Certificate file", "PEM certificate chain."),
			m.input("key", "Private key file", "PEM private key."),
			m.input("key-passphrase-file", "Key passphrase file", "Only for an encrypted key (it is stored decrypted)."),
			m.input("domain", "Domain", "The name the certificate is for; empty: taken from the certificate."),
		).Title("Your certificate").WithHideFunc(func() bool { return a.TLS != tlsCustom }),
		huh.NewGroup(
			m.input("ca-cert", "Custom CA roots", "Files to trust for outgoing connections, comma-separated (optional)."),
			m.input("db-url", "External database URL", "MongoDB or PostgreSQL, without the password; empty: the embedded database."),
		).Title("Trust and services"),
		// A password is asked on its own, masked, and only for a URL given.
		huh.NewGroup(
			m.secret("db-password", "Database password", "Hidden as you type; empty: none."),
		).Title("External database").WithHideFunc(func() bool { return strings.TrimSpace(a.DBURL) == "" }),
		// Without a URL, which embedded database: Appsmith's default for the
		// version unless the user picks one (an installed instance keeps its own).
		huh.NewGroup(
			m.sized(m.dbSelect(), 0),
		).Title("Embedded database").WithHideFunc(func() bool { return strings.TrimSpace(a.DBURL) != "" }),
		huh.NewGroup(
			m.input("redis-url", "External Redis URL", "Without the password; empty: the embedded Redis."),
		).Title("Redis"),
		huh.NewGroup(
			m.secret("redis-password", "Redis password", "Hidden as you type; empty: none."),
		).Title("External Redis").WithHideFunc(func() bool { return strings.TrimSpace(a.RedisURL) == "" }),
		huh.NewGroup(
			m.sized(huh.NewConfirm().Key("telemetry").Title("Send anonymous usage data to Appsmith?").
				Description("Off unless you turn it on.").Affirmative("Send").Negative("Don't send").Value(&a.Telemetry), 0),
		).Title("Telemetry"),
	)
	return tea.Batch(m.form.Init(), m.refreshLive())
}

// appsmithFields are the directory, then what runs in it: the edition and
// version, or the --image given, which fixes both (asking would offer a
// choice that is then ignored).
func (m *model) appsmithFields() []huh.Field {
	dir := m.input("dir", "Install directory", "Data, secrets and backups live in its stacks directory.")
	if img := m.a.image(); img != "" {
		return []huh.Field{dir, m.sized(huh.NewNote().Title("Image").
			Description(img+"\nGiven with --image: it sets the edition and version."), 0)}
	}
	return []huh.Field{dir,
		m.sized(huh.NewSelect[string]().Key("edition").Title("Edition").Value(&m.a.Edition).Options(
			huh.NewOption("Business/Enterprise (ee) · runs on the free plan", "ee"),
			huh.NewOption("Community (ce) · open source", "ce")), 0),
		m.versionField("Version", all),
	}
}

// tlsOptions are the TLS modes; "keep" only where the options came from an
// existing install, whose TLS is changed with `appsmith tls`.
func (m *model) tlsOptions() []huh.Option[string] {
	var opts []huh.Option[string]
	if m.a.baseTLS == tlsKeep {
		opts = append(opts, huh.NewOption("Keep as installed · change it later with appsmith tls", tlsKeep))
	}
	return append(opts,
		huh.NewOption("None · plain HTTP (add TLS later with appsmith tls)", tlsNone),
		huh.NewOption("Let's Encrypt · a certificate for your domain", tlsLetsEncrypt),
		huh.NewOption("Own certificate · PEM files you provide", tlsCustom),
		huh.NewOption("Behind a proxy · it terminates TLS", tlsProxy))
}

func (m *model) updateChoices(msg tea.Msg) tea.Cmd {
	if _, ok := msg.(tea.KeyPressMsg); ok {
		m.notice = ""
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "esc" && !m.filtering() {
		// Back to the checks, run again for what was chosen so far.
		m.screen, m.form = scrPreflight, nil
		return m.startPreflight()
	}
	cmd := m.updateForm(msg)
	if m.form.State == huh.StateCompleted {
		if _, v := checkAll(m.env, m.a); v.level == install.Fail {
			// Only reachable when the machine changed meanwhile (a port
			// taken since): start over, with the reason in sight.
			c := m.enterChoices()
			m.notice = v.msg
			return c
		}
		return m.enterSummary()
	}
	return tea.Batch(cmd, m.refreshLive())
}

// dbSelect asks which embedded database a fresh install gets.
func (m *model) dbSelect() *huh.Select[string] {
	return huh.NewSelect[string]().Key("db").Title("Embedded database").
		Description("Appsmith's own default is PostgreSQL from v1.47, MongoDB before; an installed instance keeps its own.").
		Options(
			huh.NewOption("Appsmith's default for the version", ""),
			huh.NewOption("PostgreSQL", stacks.DBEmbeddedPostgreSQL),
			huh.NewOption("MongoDB", stacks.DBEmbeddedMongoDB)).
		Value(&m.a.DB)
}
