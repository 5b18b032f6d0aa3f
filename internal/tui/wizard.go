package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/appsmith-install/appsmith-install/install"
)

// screen is where the wizard is.
type screen int

const (
	scrPreflight screen = iota
	scrExisting         // an instance is already installed here
	scrChoices
	scrSummary
	scrSavePath
)

// model is the wizard: one bubbletea model that moves between screens. It
// holds the answers; huh forms are rebuilt from them whenever a screen is
// entered again, which is what makes going back lossless.
type model struct {
	ctx  context.Context
	env  Env
	opts WizardOptions
	a    *answers

	width, height int
	screen        screen
	spin          spinner.Model

	pre     preflight
	menu    int               // cursor of the existing-instance menu
	form    *huh.Form         // the form of the current screen, if it has one
	fields  map[huh.Field]int // the form's fields and their own heights
	live    verdict           // inline validation of the focused answer
	liveKey string
	notice  string // why the options were asked again, until a key is pressed
	db      dbChecks
	sum     summary
	saveTo  string

	offset   int    // scroll position of a tall screen
	scrolled screen // the screen offset belongs to

	plain     bool // accessible mode: words for symbols, no scrolling
	quitArmed bool // Ctrl-C was pressed once
	result    Result
	err       error
}

func newModel(ctx context.Context, initial install.Options, env Env, opts WizardOptions) *model {
	m := &model{
		ctx: ctx, env: env, opts: opts, a: answersFrom(initial),
		width: opts.Width, height: opts.Height,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(sDim)),
		db:   dbChecks{results: map[string]verdict{}}, fields: map[huh.Field]int{},
	}
	if m.width == 0 {
		m.width = 80
	}
	if m.height == 0 {
		m.height = 24
	}
	return m
}

func (m *model) Init() tea.Cmd {
	return tea.Batch(m.spin.Tick, m.startPreflight(), m.fetchTags())
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width > 0 && msg.Height > 0 { // 0×0: output is not a terminal; keep the last size
			m.width, m.height = msg.Width, msg.Height
			m.resizeForm()
		}
		return m, nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" {
			if m.quitArmed {
				return m.cancel()
			}
			m.quitArmed = true
			return m, nil
		}
		m.quitArmed = false
	case preflightMsg, tagsMsg:
		return m, m.updatePreflight(msg)
	case dbTickMsg, dbResultMsg:
		return m, m.updateDB(msg)
	case summaryMsg:
		m.sum.update(msg)
		return m, nil
	}
	switch m.screen {
	case scrPreflight:
		return m, m.keysPreflight(msg)
	case scrExisting:
		return m, m.keysExisting(msg)
	case scrChoices:
		return m, m.updateChoices(msg)
	case scrSummary:
		return m, m.keysSummary(msg)
	case scrSavePath:
		return m, m.updateSavePath(msg)
	}
	return m, nil
}

// cancel ends the wizard as an interrupted run: nothing was done.
func (m *model) cancel() (tea.Model, tea.Cmd) {
	m.err = context.Canceled
	return m, tea.Quit
}

// finish ends the wizard with a decision.
func (m *model) finish(action Action, o install.Options) tea.Cmd {
	m.result = Result{Options: o, Action: action, Confirmed: action == ActionInstall, SaveConfigPath: m.saveTo}
	return tea.Quit
}

// RunWizard asks for the install options: preflight, choices and summary
// (screens 1–3 of the install wizard). initial already merges the flags,
// the environment and the config file, and pre-fills every answer. It
// returns context.Canceled when the user quits with Ctrl-C (asked once, then
// confirmed) or ctx ends; nothing has been changed either way.
func RunWizard(ctx context.Context, in io.Reader, out io.Writer, initial install.Options, env Env, opts WizardOptions) (Result, error) {
	if opts.Accessible {
		return runAccessible(ctx, in, out, initial, env)
	}
	m := newModel(ctx, initial, env, opts)
	popts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out)}
	if opts.Width > 0 && opts.Height > 0 {
		popts = append(popts, tea.WithWindowSize(opts.Width, opts.Height))
	}
	if p := profile(opts.NoColor); p != nil {
		popts = append(popts, tea.WithColorProfile(*p))
	}
	final, err := tea.NewProgram(m, popts...).Run()
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	if err != nil && !errors.Is(err, tea.ErrInterrupted) {
		return Result{}, err
	}
	fm := final.(*model)
	// The screens were drawn on the alternate screen, now gone: what was
	// decided is printed once, in the normal scrollback.
	last := fm.render()
	if errors.Is(err, tea.ErrInterrupted) {
		last = "Cancelled: nothing was changed.\n"
	}
	cw := colorprofile.NewWriter(out, os.Environ())
	if p := profile(opts.NoColor); p != nil {
		cw.Profile = *p
	}
	fmt.Fprint(cw, last)
	if fm.err != nil || errors.Is(err, tea.ErrInterrupted) {
		return Result{}, context.Canceled
	}
	return fm.result, nil
}
