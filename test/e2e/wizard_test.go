package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// tmux drives the real binary in a real terminal.
type tmux struct {
	t       *testing.T
	session string
}

func newTmux(t *testing.T, command string) *tmux { return newTmuxSized(t, 100, 32, command) }

// newTmuxSized runs command in a terminal of w×h cells.
func newTmuxSized(t *testing.T, w, h int, command string) *tmux {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("tmux is needed for the wizard's end-to-end test (make test installs it): %v", err)
		}
		t.Skipf("tmux not installed: %v", err)
	}
	m := &tmux{t: t, session: testenv.UniqueName(t, "wiz")}
	out, err := exec.Command("tmux", "new-session", "-d", "-s", m.session, "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "bash", "-c", command).CombinedOutput()
	if err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", m.session).Run() })
	return m
}

func (m *tmux) screen() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", m.session).Output()
	return string(out)
}

// scrollback is everything the terminal holds: the history above the
// screen, then the screen.
func (m *tmux) scrollback() string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-S", "-", "-t", m.session).Output()
	return string(out)
}

func (m *tmux) keys(keys ...string) {
	if out, err := exec.Command("tmux", append([]string{"send-keys", "-t", m.session}, keys...)...).CombinedOutput(); err != nil {
		m.t.Fatalf("send-keys %v: %v\n%s", keys, err, out)
	}
}

// waitFor waits until the screen shows one of texts and returns it.
func (m *tmux) waitFor(timeout time.Duration, texts ...string) string {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := m.screen()
		for _, text := range texts {
			if strings.Contains(s, text) {
				return text
			}
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("waited %s for %q; the screen:\n%s", timeout, texts, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestWizardInstallsInATerminal walks the wizard with keys to a healthy
// instance, in a 120×40 terminal; a second run shows the "already
// installed" path. The scrollback the wizard leaves holds one summary of
// what was installed, not every frame it drew.
func TestWizardInstallsInATerminal(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
	exitFile := filepath.Join(t.TempDir(), "exit")
	// Flags pre-fill the wizard; it still asks everything.
	cmd := fmt.Sprintf("%s --dir %s --registry %s --edition ce --version v1.9.2 --container-name %s --http-port %d --https-port %d --bind-address 127.0.0.1 --link-dir %s; echo $? > %[8]s.tmp && mv %[8]s.tmp %[8]s; sleep 600",
		binary, e.dir, e.reg.Host(), e.name, e.http, e.https, e.linkDir, exitFile)
	m := newTmuxSized(t, 120, 40, "TERM=xterm-256color "+cmd)

	m.waitFor(30*time.Second, "enter choose options")
	if s := m.screen(); !strings.Contains(s, "✓ engine") || !strings.Contains(s, "2 releases") {
		t.Errorf("checks screen:\n%s", s)
	}
	m.keys("Enter")
	// Accept every pre-filled answer, page by page, until the summary.
	for i := 0; i < 30; i++ {
		if m.waitFor(10*time.Second, "Ready to install", "enter next") == "Ready to install" {
			break
		}
		m.keys("Enter")
		time.Sleep(150 * time.Millisecond)
	}
	s := m.screen()
	for _, want := range []string{"v1.9.2", "Community (ce)", strconv.Itoa(e.http), "appsmith-install --yes"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	t.Logf("summary screen:\n%s", s)
	m.keys("Enter")
	deadline := time.Now().Add(90 * time.Second)
	for {
		if b, err := os.ReadFile(exitFile); err == nil {
			if code := strings.TrimSpace(string(b)); code != "0" {
				t.Fatalf("the wizard's install exited %s; the screen:\n%s", code, m.screen())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the install did not finish; the screen:\n%s", m.screen())
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("final screen:\n%s", m.screen())
	sb := m.scrollback()
	// One header: the progress view's. The wizard's screens were drawn
	// on the alternate screen and leave only what was decided. The final
	// frame is whole, to its last line.
	for text, want := range map[string]int{"Appsmith installer": 1, "Checks › Options": 0, "Installing Appsmith": 1, "appsmith-install --yes": 1, "Took": 1} {
		if n := strings.Count(sb, text); n != want {
			t.Errorf("the scrollback holds %q %d times, want %d:\n%s", text, n, want, sb)
		}
	}
	if st, code := e.status(); code != 0 || !st.Healthy || st.Version != "v1.9.2" {
		t.Fatalf("after the wizard: exit %d %+v", code, st)
	}

	// Second run: the wizard sees the install and offers its status, and
	// no upgrade (there is no upgrade command yet).
	exit2 := exitFile + "2"
	m2 := newTmux(t, fmt.Sprintf("TERM=xterm-256color %s --dir %s; echo $? > %[3]s.tmp && mv %[3]s.tmp %[3]s; sleep 600", binary, e.dir, exit2))
	m2.waitFor(30*time.Second, "already installed")
	s = m2.screen()
	if !strings.Contains(s, "Show its status") || !strings.Contains(s, e.name) || strings.Contains(s, "pgrade") {
		t.Errorf("existing-instance screen:\n%s", s)
	}
	m2.keys("Enter") // Show its status
	m2.waitFor(30*time.Second, "healthy")
	t.Logf("second run:\n%s", m2.screen())
	for i := 0; i < 50; i++ {
		if b, err := os.ReadFile(exit2); err == nil {
			if strings.TrimSpace(string(b)) != "0" {
				t.Fatalf("status from the wizard exited %s:\n%s", b, m2.screen())
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the second run did not end:\n%s", m2.screen())
}

// prompt waits until the last line on the screen, the one the cursor is
// on, contains text: the question being asked now.
func (m *tmux) prompt(timeout time.Duration, text string) {
	m.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		lines := strings.Split(strings.TrimRight(m.screen(), "\n "), "\n")
		if last := lines[len(lines)-1]; strings.Contains(last, text) {
			return
		}
		if time.Now().After(deadline) {
			m.t.Fatalf("waited %s for the question %q; the screen:\n%s", timeout, text, m.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestWizardLineModePasswordNotEchoed: in line mode (TERM=dumb, for screen
// readers) a database password is read from the terminal with echo off, so
// it is nowhere on the screen or in the scrollback.
func TestWizardLineModePasswordNotEchoed(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	exitFile := filepath.Join(t.TempDir(), "exit")
	const secret = "Tmux-s3cret-pw"
	cmd := fmt.Sprintf("%s --dir %s --registry %s --edition ce --version v1.9.2 --container-name %s --http-port %d --https-port %d --bind-address 127.0.0.1 --link-dir %s; echo $? > %[8]s.tmp && mv %[8]s.tmp %[8]s; sleep 600",
		binary, e.dir, e.reg.Host(), e.name, e.http, e.https, e.linkDir, exitFile)
	m := newTmuxSized(t, 120, 40, "TERM=dumb "+cmd)
	for _, q := range []string{"Install directory", "Enter a number between 1 and 2", "Version", "HTTP port", "HTTPS port", "Enter a number between 1 and 4", "Custom CA root files"} {
		m.prompt(30*time.Second, q)
		m.keys("Enter")
	}
	m.prompt(10*time.Second, "External database URL")
	m.keys("postgresql://appsmith@127.0.0.1:1/appsmith", "Enter")
	m.prompt(30*time.Second, "Database password")
	m.keys(secret)
	time.Sleep(300 * time.Millisecond) // let a terminal that echoes show it
	if s := m.screen(); strings.Contains(s, secret) {
		t.Fatalf("the password is echoed as it is typed:\n%s", s)
	}
	m.keys("Enter")
	for _, q := range []string{"External Redis URL", "Send anonymous usage data"} {
		m.prompt(10*time.Second, q)
		m.keys("Enter")
	}
	m.prompt(30*time.Second, "Enter a number between 1 and 4") // install, save, change, quit
	if sb := m.scrollback(); strings.Contains(sb, secret) || !strings.Contains(sb, "postgresql://appsmith:xxxxx@127.0.0.1:1/appsmith") {
		t.Errorf("the scrollback shows the password, or the summary does not show it was taken:\n%s", sb)
	}
	m.keys("4", "Enter") // quit: nothing installed
	for i := 0; ; i++ {
		if b, err := os.ReadFile(exitFile); err == nil {
			if code := strings.TrimSpace(string(b)); code != "0" {
				t.Fatalf("quitting the wizard exited %s:\n%s", code, m.scrollback())
			}
			break
		}
		if i == 100 {
			t.Fatalf("the wizard did not end:\n%s", m.scrollback())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "stacks")); !os.IsNotExist(err) {
		t.Errorf("quitting the wizard left %s/stacks: %v", e.dir, err)
	}
}
