package tui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"
	"golang.org/x/term"

	"github.com/appsmith-install/appsmith-install/install"
)

// Accessible mode (NO_COLOR, TERM=dumb): the same screens as plain lines
// and numbered prompts that are never redrawn, for screen readers and
// terminals that cannot move the cursor. huh runs each field as a prompt;
// the wizard runs the pages, since which pages are asked depends on
// earlier answers (huh's accessible mode would ask every group).

// lineReader hands out at most one line per Read. huh reads each prompt
// through a fresh bufio.Scanner, which would swallow the answers typed
// ahead (or piped in) for the prompts that follow.
type lineReader struct {
	br      *bufio.Reader
	pending []byte
	eof     bool
	tty     *os.File // the terminal the lines come from, if they do
}

// readSecret reads one line that the terminal must not echo: a password.
// From a terminal it is read with echo off; from a pipe (a script) nothing
// echoes it anyway, and it is a line like the others.
func (l *lineReader) readSecret() (string, error) {
	if len(l.pending) == 0 && l.br.Buffered() == 0 && l.tty != nil {
		b, err := term.ReadPassword(int(l.tty.Fd()))
		return string(b), err
	}
	s := string(l.pending)
	l.pending = nil
	if !strings.HasSuffix(s, "\n") {
		more, err := l.br.ReadString('\n')
		if s+more == "" && err != nil {
			l.eof = true
			return "", err
		}
		s += more
	}
	return strings.TrimRight(s, "\r\n"), nil
}

func (l *lineReader) Read(p []byte) (int, error) {
	if len(l.pending) == 0 {
		s, err := l.br.ReadString('\n')
		if s == "" && err != nil {
			l.eof = true
			return 0, err
		}
		l.pending = []byte(s)
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

type accessible struct {
	m   *model
	in  *lineReader
	out io.Writer
}

func runAccessible(ctx context.Context, in io.Reader, out io.Writer, initial install.Options, env Env) (Result, error) {
	m := newModel(ctx, initial, env, WizardOptions{Width: 80, Height: 1 << 20})
	m.plain = true
	lr := &lineReader{br: bufio.NewReader(in)}
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		lr.tty = f
		// A password prompt turns echo off; Ctrl-C during it must not
		// leave the shell without echo.
		if st, err := term.GetState(int(f.Fd())); err == nil {
			defer func() { _ = term.Restore(int(f.Fd()), st) }()
		}
	}
	acc := &accessible{m: m, in: lr, out: &colorprofile.Writer{Forward: out, Profile: colorprofile.NoTTY}}
	type outcome struct {
		r   Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := acc.run()
		done <- outcome{r, err}
	}()
	// A prompt blocks in a read that cannot be interrupted: on Ctrl-C
	// (the CLI cancels ctx) the wizard returns and leaves it behind.
	select {
	case <-ctx.Done():
		return Result{}, ctx.Err()
	case o := <-done:
		return o.r, o.err
	}
}

// ask runs one page of fields as prompts.
func (acc *accessible) ask(fields ...huh.Field) error {
	f := huh.NewForm(huh.NewGroup(fields...)).WithAccessible(true).WithInput(acc.in).WithOutput(acc.out)
	if err := f.Run(); err != nil {
		return err
	}
	if acc.in.eof {
		return io.ErrUnexpectedEOF // no one is answering: do not loop on defaults
	}
	return nil
}

// secret asks the password answer name for the URL given, without echo;
// no URL, no question.
func (acc *accessible) secret(name, title, forURL string) error {
	if strings.TrimSpace(forURL) == "" {
		return nil
	}
	p := acc.m.a.ptr(name)
	keep := "none"
	if *p != "" {
		keep = "the one given"
	}
	fmt.Fprintf(acc.out, "%s (hidden as you type; enter keeps %s, - clears) ", title, keep)
	s, err := acc.in.readSecret()
	fmt.Fprintln(acc.out) // the Enter typed was not echoed either
	if err != nil {
		return err
	}
	switch strings.TrimSpace(s) {
	case "":
	case "-":
		*p = ""
	default:
		*p = s
	}
	return nil
}

func (acc *accessible) say(s string) { fmt.Fprintln(acc.out, strings.TrimRight(s, "\n")) }

func (acc *accessible) run() (Result, error) {
	m := acc.m
	acc.say("Appsmith installer: checking this machine")
	m.updatePreflight(m.startPreflight()())
	if c := m.fetchTags(); c != nil {
		m.updatePreflight(c())
	}
	acc.say(m.findingsView(false) + m.tagsLine())
	if m.existing() {
		return acc.existing()
	}
	for {
		if err := acc.choices(); err != nil {
			return Result{}, err
		}
		if _, v := checkAll(m.env, m.a); v.level == install.Fail {
			acc.say(fmt.Sprintf("\n%s %s: this changed since it was answered; the options are asked again.\n", m.mark(install.Fail), v.msg))
			continue
		}
		r, again, err := acc.summary()
		if err != nil || !again {
			return r, err
		}
	}
}

func (acc *accessible) existing() (Result, error) {
	m := acc.m
	acc.say("\n" + m.existingInfo(false))
	choice := ActionStatus
	var opts []huh.Option[Action]
	for i, it := range existingMenu {
		opts = append(opts, huh.NewOption(it.label+" ("+m.menuNote(i)+")", it.action))
	}
	if err := acc.ask(huh.NewSelect[Action]().Title("What now?").Options(opts...).Value(&choice)); err != nil {
		return Result{}, err
	}
	return Result{Options: m.current(), Action: choice}, nil
}

// choices asks screen 2 page by page; a page is asked only when an earlier
// answer makes it relevant.
func (acc *accessible) choices() error {
	m, a := acc.m, acc.m.a
	acc.say("\nOptions (enter keeps the value in brackets; - clears an optional one)")
	if len(m.pre.tags) > 0 && a.image() == "" {
		acc.say("Releases, newest first: " + releaseHint(versionChoices(m.pre.tags, ""), 8))
	}
	tls := huh.NewSelect[string]().Title("TLS").Value(&a.TLS).Options(m.tlsOptions()...)
	edition := huh.NewSelect[string]().Title("Edition").Value(&a.Edition).Options(
		huh.NewOption("Business/Enterprise (ee), runs on the free plan", "ee"),
		huh.NewOption("Community (ce), open source", "ce"))
	page := []huh.Field{m.input("dir", "Install directory", ""), edition, m.versionField("Version", all)}
	if a.image() != "" {
		acc.say("Image: " + a.image() + " (given with --image: it sets the edition and version)")
		page = page[:1]
	}
	page = append(page, m.input("http-port", "HTTP port", ""), m.input("https-port", "HTTPS port", ""), tls)
	if err := acc.ask(page...); err != nil {
		return err
	}
	if v := releaseVerdict(a, a.Version); v.level != install.OK && a.image() == "" {
		acc.say(m.mark(v.level) + " " + v.msg)
	}
	switch a.TLS {
	case tlsLetsEncrypt:
		if err := acc.ask(m.input("domain", "Domain (it must point at this machine)", "")); err != nil {
			return err
		}
	case tlsCustom:
		if err := acc.ask(m.input("cert", "Certificate file", ""), m.input("key", "Private key file", ""),
			m.input("key-passphrase-file", "Key passphrase file", ""), m.input("domain", "Domain", "")); err != nil {
			return err
		}
	}
	if err := acc.ask(m.input("ca-cert", "Custom CA root files, comma-separated", ""),
		m.input("db-url", "External database URL (MongoDB or PostgreSQL)", "")); err != nil {
		return err
	}
	if a.DBURL != "" && m.env.CheckDB != nil {
		m.db.want = a.DBURL
		if cmd := m.updateDB(dbTickMsg{seq: m.db.seq}); cmd != nil {
			m.updateDB(cmd())
		}
		if r, ok := m.db.results[a.DBURL]; ok {
			acc.say(m.mark(r.level) + " " + r.msg)
		}
	}
	if err := acc.secret("db-password", "Database password", a.DBURL); err != nil {
		return err
	}
	if strings.TrimSpace(a.DBURL) == "" {
		if err := acc.ask(m.dbSelect()); err != nil {
			return err
		}
	}
	if err := acc.ask(m.input("redis-url", "External Redis URL", "")); err != nil {
		return err
	}
	if err := acc.secret("redis-password", "Redis password", a.RedisURL); err != nil {
		return err
	}
	return acc.ask(huh.NewConfirm().Title("Send anonymous usage data to Appsmith?").Value(&a.Telemetry))
}

func releaseHint(cs []versionChoice, n int) string {
	var parts []string
	for _, c := range cs {
		if len(parts) == n {
			parts = append(parts, "…")
			break
		}
		if c.Note != "" && c.Tag != "latest" {
			parts = append(parts, c.Tag+" ("+c.Note+")")
		} else {
			parts = append(parts, c.Tag)
		}
	}
	return strings.Join(parts, ", ")
}

// summary shows screen 3 and asks what to do; again means "change the
// options".
func (acc *accessible) summary() (r Result, again bool, err error) {
	m := acc.m
	for {
		m.sum.update(m.enterSummary()().(summaryMsg))
		body, _ := m.viewSummary()
		acc.say("\nSummary\n" + body)
		if why := m.sum.blocked(); why != "" {
			acc.say(m.mark(install.Fail) + " Can't install: " + why)
		}
		const install, save, change, quit = "install", "save", "change", "quit"
		choice := install
		opts := []huh.Option[string]{huh.NewOption("Install now", install)}
		if m.sum.blocked() != "" {
			choice, opts = change, nil
		}
		opts = append(opts, huh.NewOption("Save the options as install.yaml", save),
			huh.NewOption("Change the options", change), huh.NewOption("Quit", quit))
		if err := acc.ask(huh.NewSelect[string]().Title("What now?").Options(opts...).Value(&choice)); err != nil {
			return Result{}, false, err
		}
		switch choice {
		case install:
			return Result{Options: m.current(), Action: ActionInstall, Confirmed: true, SaveConfigPath: m.saveTo}, false, nil
		case quit:
			return Result{Options: m.current(), Action: ActionQuit, SaveConfigPath: m.saveTo}, false, nil
		case change:
			return Result{}, true, nil
		}
		path := m.saveTo
		if path == "" {
			path = "install.yaml"
		}
		if err := acc.ask(huh.NewInput().Title("Save the options as [" + path + "]").Value(&path)); err != nil {
			return Result{}, false, err
		}
		m.saveTo = strings.TrimSpace(path)
	}
}
