package tui

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Frames are compared as text: colour codes are stripped (NO_COLOR is the
// terminal's business) and the spinner, whose frame depends on timing,
// is shown as "*". Goldens are rewritten with `go test -update`.

// renderer is a model whose current frame can be read as text.
type renderer interface {
	tea.Model
	render() string
}

// snapMsg asks the running program for its frame. It goes through the
// program's message queue, so the frame is read without a data race and
// after every message sent before it.
type snapMsg struct{ ch chan string }

type snapModel struct{ r renderer }

func (s snapModel) Init() tea.Cmd { return s.r.Init() }
func (s snapModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if sm, ok := msg.(snapMsg); ok {
		sm.ch <- s.r.render()
		return s, nil
	}
	_, cmd := s.r.Update(msg)
	return s, cmd
}
func (s snapModel) View() tea.View { return s.r.View() }

type size struct{ w, h int }

var sizes = []size{{80, 24}, {120, 40}}

func (s size) String() string { return fmt.Sprintf("%dx%d", s.w, s.h) }

func start(t *testing.T, r renderer, sz size) *teatest.TestModel {
	t.Helper()
	tm := teatest.NewTestModel(t, snapModel{r}, teatest.WithInitialTermSize(sz.w, sz.h))
	t.Cleanup(func() { _ = tm.Quit() })
	return tm
}

var spinnerGlyphs = regexp.MustCompile(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]`)

func normalize(frame string) string {
	lines := strings.Split(spinnerGlyphs.ReplaceAllString(ansi.Strip(frame), "*"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// frame waits until the program's frame contains every one of want (and
// none of the strings after a "!" prefix), then returns it.
func frame(t *testing.T, tm *teatest.TestModel, want ...string) string {
	t.Helper()
	var last string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		ch := make(chan string, 1)
		tm.Send(snapMsg{ch})
		select {
		case last = <-ch:
		case <-time.After(time.Second):
			continue
		}
		last = normalize(last)
		if matches(last, want) {
			return last
		}
	}
	t.Fatalf("no frame matches %q; last frame:\n%s", want, last)
	return ""
}

func matches(f string, want []string) bool {
	for _, w := range want {
		if not, ok := strings.CutPrefix(w, "!"); ok {
			if strings.Contains(f, not) {
				return false
			}
		} else if !strings.Contains(f, w) {
			return false
		}
	}
	return true
}

// golden checks a frame against testdata/<test name>.golden, and that it
// fits the terminal: a frame that does not would scroll and smear.
func goldenFrame(t *testing.T, f string, sz size) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(f, "\n"), "\n")
	if len(lines) > sz.h {
		t.Errorf("frame has %d lines, terminal %d", len(lines), sz.h)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > sz.w {
			t.Errorf("line %d is %d wide, terminal %d: %q", i+1, w, sz.w, l)
		}
	}
	golden.RequireEqual(t, f)
}

func press(code rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: code} }

var (
	enter    = press(tea.KeyEnter)
	esc      = press(tea.KeyEscape)
	down     = press(tea.KeyDown)
	shiftTab = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	ctrlC    = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	ctrlU    = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl} // clears an input
)

// fake is the world as the wizard tests see it.
type fake struct {
	mu         sync.Mutex // busyPorts may change while the wizard runs
	busyPorts  map[int]bool
	files      map[string]error // path → error; a path not listed does not exist
	tags       []string
	tagsErr    error
	findings   []install.Finding
	obs        *install.Observation
	dbErr      map[string]error
	gate       chan struct{} // when set, Preflight waits for it
	plan       []string
	preflights atomic.Int32
}

func newFake() *fake {
	return &fake{
		busyPorts: map[int]bool{},
		obs:       &install.Observation{},
		files:     map[string]error{"/etc/ssl/app.pem": nil, "/etc/ssl/app.key": nil, "/etc/ssl/ca.pem": nil, "/etc/ssl/other.key": nil},
		tags:      []string{"v1.9.1", "v1.99", "v1.9.2", "v1.100", "v1.100-rc1", "latest", "v1.98.1", "v1.10"},
		findings: []install.Finding{
			{Check: "engine", Level: install.OK, Message: "Docker 20.10.24 (API 1.41) at unix:///var/run/docker.sock"},
			{Check: "cpu", Level: install.OK, Message: "CPU architecture x86_64"},
			{Check: "memory", Level: install.Warn, Message: "1.5 GiB of memory: Appsmith needs at least 2 GiB", Hint: "give the machine at least 2 GiB (4 GiB recommended), or add swap"},
			{Check: "ports", Level: install.OK, Message: "ports 80 and 443 are free on 0.0.0.0"},
			{Check: "disk", Level: install.OK, Message: "41.2 GiB free at /opt/appsmith"},
		},
		dbErr: map[string]error{},
		plan:  []string{"Pull appsmith/appsmith-ee:latest", "Create the stacks directory", "Write docker.env with new secrets", "Create the container appsmith", "Start the container", "Wait until Appsmith is ready"},
	}
}

func (f *fake) busy(port int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.busyPorts[port]
}

func (f *fake) setBusy(port int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.busyPorts[port] = true
}

func (f *fake) env() Env {
	return Env{
		Preflight: func(ctx context.Context, o install.Options) ([]install.Finding, *install.Observation, error) {
			f.preflights.Add(1)
			if f.gate != nil {
				select {
				case <-f.gate:
				case <-ctx.Done():
					return nil, nil, ctx.Err()
				}
			}
			// The ports finding follows the options, as Observe's does.
			var fs []install.Finding
			for _, fd := range f.findings {
				if fd.Check == "ports" {
					fd.Message = fmt.Sprintf("ports %d and %d are free on %s", o.HTTPPort, o.HTTPSPort, o.BindAddress)
				}
				if fd.Check == "ports" && (f.busy(o.HTTPPort) || f.busy(o.HTTPSPort)) {
					fd = install.Finding{Check: "ports", Level: install.Fail, Hint: "free the port, or choose another with --http-port",
						Message: fmt.Sprintf("port %d on %s is in use: address already in use", o.HTTPPort, o.BindAddress)}
				}
				fs = append(fs, fd)
			}
			return fs, &install.Observation{Findings: fs, Container: f.obs.Container, Ready: f.obs.Ready}, nil
		},
		PortFree: func(ip string, port int) error {
			if f.busy(port) {
				return fmt.Errorf("listen tcp %s:%d: bind: address already in use", ip, port)
			}
			return nil
		},
		FileReadable: func(path string) error {
			err, ok := f.files[path]
			if !ok {
				return &fs.PathError{Op: "open", Path: path, Err: syscall.ENOENT}
			}
			return err
		},
		Tags: func(context.Context, install.Options) ([]string, error) { return f.tags, f.tagsErr },
		CheckTLS: func(o install.Options) error {
			// As the certs package would find a key of another pair.
			if o.TLS == "custom" && o.Key == "/etc/ssl/other.key" {
				return &install.FieldError{Field: "key", Value: o.Key, Reason: "the key does not match the certificate"}
			}
			return nil
		},
		TLSDomain: func(o install.Options) (string, error) {
			// The certificate of the fake's files names one host.
			if o.Cert == "/etc/ssl/app.pem" {
				return "app.example.com", nil
			}
			return "", fmt.Errorf("no certificate at %s", o.Cert)
		},
		CheckDB: func(_ context.Context, url string) error { return f.dbErr[url] },
		Plan: func(_ context.Context, o install.Options) (engine.Plan, error) {
			p := engine.Plan{Name: "install"}
			for _, s := range f.plan {
				p.Steps = append(p.Steps, engine.Step{Title: s})
			}
			return p, nil
		},
	}
}

var errPermission = &fs.PathError{Op: "open", Path: "/root/ca.pem", Err: syscall.EACCES}

// focus waits until the field titled title has the focus (huh marks it
// with a bar). Keys must wait for it: huh moves the focus in a command,
// which runs after keys already queued.
func focus(t *testing.T, tm *teatest.TestModel, title string, more ...string) string {
	t.Helper()
	return frame(t, tm, append([]string{"┃ " + title}, more...)...)
}
