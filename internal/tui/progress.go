package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// The progress view (screen 4) follows a running plan from its events. All
// times shown come from the events and from clock, so a scripted plan
// renders the same frame every time.

type stepStatus int

const (
	stepRunning stepStatus = iota
	stepDone
	stepFailed
)

type stepState struct {
	index   int
	title   string
	status  stepStatus
	started time.Time
	elapsed time.Duration // set when the step ends
	msg     string        // failure
	pull    *pullState    // per-layer progress, for a step that pulls
}

// pullState follows the layers of an image pull. Docker reports a layer
// through a series of statuses, only some with byte counts.
type pullState struct {
	layers      []*layerState // in order of first appearance, so rows stay put
	byID        map[string]*layerState
	first, last time.Time // first downloaded byte, latest event: the rate
}

type layerState struct {
	id            string
	status        string
	current, size int64
}

// downloaded: statuses after which all of a layer's bytes are here.
var downloaded = map[string]bool{"Verifying Checksum": true, "Download complete": true,
	"Extracting": true, "Pull complete": true, "Already exists": true}

func (l *layerState) complete() bool {
	return l.status == "Pull complete" || l.status == "Already exists"
}

// done is the layer's downloaded bytes.
func (l *layerState) done() int64 {
	switch {
	case downloaded[l.status]:
		return l.size
	case l.status == "Downloading":
		return min(l.current, l.size)
	}
	return 0
}

// fraction is how far the layer's current phase is, for its bar.
func (l *layerState) fraction() float64 {
	switch {
	case l.complete():
		return 1
	case l.size <= 0:
		return 0
	case l.status == "Downloading", l.status == "Extracting":
		return min(float64(l.current)/float64(l.size), 1)
	case downloaded[l.status]:
		return 1
	}
	return 0
}

func (p *pullState) update(e engine.Event) {
	id := strings.TrimPrefix(e.Layer, "sha256:")
	if len(id) > 12 {
		id = id[:12] // as Docker shows them
	}
	l := p.byID[id]
	if l == nil {
		l = &layerState{id: id}
		p.byID[id] = l
		p.layers = append(p.layers, l)
	}
	l.status, l.current = e.Status, e.Current
	l.size = max(l.size, e.Size)
	if p.first.IsZero() && e.Status == "Downloading" && e.Current > 0 {
		p.first = e.Time
	}
	p.last = e.Time
}

// totals are the bytes downloaded and known, and the layers complete.
func (p *pullState) totals() (done, size int64, complete int) {
	for _, l := range p.layers {
		done, size = done+l.done(), size+l.size
		if l.complete() {
			complete++
		}
	}
	return done, size, complete
}

// rate is bytes per second since the first byte: an average, because
// Docker's reports come in bursts that make a sliding window jump about.
func (p *pullState) rate() float64 {
	d := p.last.Sub(p.first)
	if p.first.IsZero() || d < 500*time.Millisecond {
		return 0
	}
	done, _, _ := p.totals()
	return float64(done) / d.Seconds()
}

// maxLogLines is how much of the container log is kept for the tail.
const maxLogLines = 200

type progressModel struct {
	opts          WizardOptions
	width, height int
	clock         func() time.Time
	spin          spinner.Model

	started  time.Time // the plan event
	ended    time.Duration
	running  bool
	steps    []*stepState
	warnings []string
	logs     []string
	final    *FinalSummary

	quitArmed, stopping bool
	plain               bool // accessible mode: words for symbols

	tallest int // rows of the tallest frame drawn: see View
	pad     int // blank rows above the footer or under the end of the last one
}

type eventMsg struct{ e engine.Event }
type doneMsg struct{ s FinalSummary }
type clockMsg struct{}

func newProgressModel(opts WizardOptions, clock func() time.Time) *progressModel {
	m := &progressModel{opts: opts, width: opts.Width, height: opts.Height, clock: clock,
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(sDim))}
	if m.width == 0 {
		m.width = 80
	}
	if m.height == 0 {
		m.height = 24
	}
	return m
}

func (m *progressModel) Init() tea.Cmd { return tea.Batch(m.spin.Tick, tickClock()) }

// tickClock redraws the elapsed time between events.
func tickClock() tea.Cmd { return tea.Tick(time.Second, func(time.Time) tea.Msg { return clockMsg{} }) }

func (m *progressModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width > 0 && msg.Height > 0 { // see model.Update
			m.width, m.height = msg.Width, msg.Height
		}
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case clockMsg:
		if m.final == nil {
			return m, tickClock()
		}
	case eventMsg:
		m.apply(msg.e)
	case doneMsg:
		m.final = &msg.s
	case tea.KeyPressMsg:
		if msg.String() != "ctrl+c" || m.final != nil || m.stopping {
			m.quitArmed = false
			return m, nil
		}
		if !m.quitArmed {
			m.quitArmed = true
			return m, nil
		}
		m.quitArmed, m.stopping = false, true
		if m.opts.Interrupt != nil {
			m.opts.Interrupt()
		}
	}
	return m, nil
}

func (m *progressModel) current() *stepState {
	if n := len(m.steps); n > 0 && m.steps[n-1].status == stepRunning {
		return m.steps[n-1]
	}
	return nil
}

func (m *progressModel) apply(e engine.Event) {
	switch e.Kind {
	case engine.KindPlan:
		m.started, m.running = e.Time, true
	case engine.KindStepStart:
		m.steps = append(m.steps, &stepState{index: e.Index, title: e.Title, started: e.Time})
	case engine.KindStepDone, engine.KindStepFailed:
		if s := m.current(); s != nil {
			s.status, s.elapsed, s.msg = stepDone, time.Duration(e.ElapsedMS)*time.Millisecond, e.Message
			if e.Kind == engine.KindStepFailed {
				s.status = stepFailed
			}
		}
	case engine.KindProgress:
		if s := m.current(); s != nil && e.Layer != "" {
			if s.pull == nil {
				s.pull = &pullState{byID: map[string]*layerState{}}
			}
			s.pull.update(e)
		}
	case engine.KindLog:
		for _, l := range strings.Split(strings.TrimRight(e.Message, "\r\n"), "\n") {
			m.logs = append(m.logs, cleanLine(l))
		}
		if len(m.logs) > maxLogLines {
			m.logs = m.logs[len(m.logs)-maxLogLines:]
		}
	case engine.KindWarning:
		m.warnings = append(m.warnings, cleanLine(e.Message))
	case engine.KindPlanDone, engine.KindPlanFailed:
		m.running, m.ended = false, time.Duration(e.ElapsedMS)*time.Millisecond
	}
}

// cleanLine makes a container log line safe to draw: colour codes, carriage
// returns and cursor movements would corrupt the redrawn area.
func cleanLine(s string) string {
	s = ansi.Strip(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}
