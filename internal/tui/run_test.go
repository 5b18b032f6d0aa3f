package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/appsmith-install/appsmith-install/install"
)

// runWizard runs RunWizard in the background, as the CLI does.
func runWizard(ctx context.Context, in io.Reader, out io.Writer, f *fake, opts WizardOptions) chan error {
	done := make(chan error, 1)
	go func() {
		_, err := RunWizard(ctx, in, out, install.Defaults(), f.env(), opts)
		done <- err
	}()
	return done
}

func wait(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("RunWizard did not return")
		return nil
	}
}

// TestRunWizardCtrlCTwice types Ctrl-C twice at the terminal: the first
// asks, the second cancels, and RunWizard says context.Canceled.
func TestRunWizardCtrlCTwice(t *testing.T) {
	in, w := io.Pipe()
	defer w.Close()
	var out bytes.Buffer
	done := runWizard(context.Background(), in, &out, newFake(), WizardOptions{Width: 80, Height: 24})
	if _, err := w.Write([]byte{0x03}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("one Ctrl-C ended the wizard: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := w.Write([]byte{0x03}); err != nil {
		t.Fatal(err)
	}
	if err := wait(t, done); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

// TestRunWizardContextCancelled: the CLI cancels on SIGINT; the wizard
// then returns at once with the context's error.
func TestRunWizardContextCancelled(t *testing.T) {
	for _, accessible := range []bool{false, true} {
		in, w := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		f := newFake()
		f.gate = make(chan struct{}) // still checking when cancelled
		done := runWizard(ctx, in, io.Discard, f, WizardOptions{Width: 80, Height: 24, Accessible: accessible})
		time.Sleep(100 * time.Millisecond)
		cancel()
		if err := wait(t, done); !errors.Is(err, context.Canceled) {
			t.Errorf("accessible=%v: err %v, want context.Canceled", accessible, err)
		}
		w.Close()
	}
}

// TestAccessible walks the line-by-line wizard with typed answers (one per
// line, as a screen reader user or a script would give them) and keeps the
// transcript as a golden.
func TestAccessible(t *testing.T) {
	f := newFake()
	f.busyPorts[8443] = true
	answers := strings.Join([]string{
		"",                     // directory: keep
		"",                     // edition: keep
		"1.99",                 // version
		"8080",                 // http port
		"8443",                 // https port: in use, asked again
		"9443",                 //
		"2",                    // TLS: Let's Encrypt
		"bad_domain",           // refused, asked again
		"appsmith.example.com", //
		"",                     // CA roots: none
		"",                     // database: embedded
		"",                     // embedded database: Appsmith's default
		"",                     // redis: embedded
		"y",                    // telemetry
		"2",                    // save install.yaml
		"/tmp/appsmith.yaml",   //
		"1",                    // install
	}, "\n") + "\n"
	var out bytes.Buffer
	r, err := RunWizard(context.Background(), strings.NewReader(answers), &out, install.Defaults(), f.env(), WizardOptions{Accessible: true})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := install.Defaults()
	want.Version, want.HTTPPort, want.HTTPSPort, want.TLS, want.Domain, want.Telemetry = "v1.99", 8080, 9443, "letsencrypt", "appsmith.example.com", true
	if r.Action != ActionInstall || !r.Confirmed || r.SaveConfigPath != "/tmp/appsmith.yaml" || !reflect.DeepEqual(r.Options, want) {
		t.Errorf("result %+v\nwant options %+v", r, want)
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Error("escape sequences in accessible output")
	}
	golden.RequireEqual(t, out.String())
}

// TestAccessibleEOF: when input ends, the wizard stops instead of taking
// every default and installing.
func TestAccessibleEOF(t *testing.T) {
	r, err := RunWizard(context.Background(), strings.NewReader("\n\n"), io.Discard, install.Defaults(), newFake().env(), WizardOptions{Accessible: true})
	if !errors.Is(err, io.ErrUnexpectedEOF) || r.Confirmed {
		t.Errorf("result %+v, err %v", r, err)
	}
}

// TestAccessibleExisting: an installed instance is offered its status, and
// no upgrade, in line mode too.
func TestAccessibleExisting(t *testing.T) {
	f := newFake()
	f.obs = existingObservation()
	var out bytes.Buffer
	r, err := RunWizard(context.Background(), strings.NewReader("1\n"), &out, install.Defaults(), f.env(), WizardOptions{Accessible: true})
	if err != nil || r.Action != ActionStatus {
		t.Errorf("result %+v, err %v\n%s", r, err, out.String())
	}
	if s := out.String(); strings.Contains(s, "pgrade") || strings.Contains(s, "backup") {
		t.Errorf("line mode offers a command this build does not have:\n%s", s)
	}
	golden.RequireEqual(t, out.String())
}

// TestRunWizardDrawsOnTheAltScreen: the screens are drawn on the alternate
// screen, and only the outcome is written after it is left, so the
// scrollback holds it once and no old frame (drawn inline, every screen
// of a different height left its frames behind).
func TestRunWizardDrawsOnTheAltScreen(t *testing.T) {
	in, w := io.Pipe()
	defer w.Close()
	var out bytes.Buffer
	done := runWizard(context.Background(), in, &out, newFake(), WizardOptions{Width: 120, Height: 40})
	time.Sleep(300 * time.Millisecond) // the checks have answered: keys are read
	if _, err := w.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	if err := wait(t, done); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	const enter, leave = "\x1b[?1049h", "\x1b[?1049l"
	i, j := strings.Index(s, enter), strings.LastIndex(s, leave)
	if i < 0 || j < i || strings.Contains(s[:i], "Appsmith installer") {
		t.Fatalf("the wizard was not drawn on the alternate screen: %q", s)
	}
	if after := s[j:]; !strings.Contains(after, "Nothing was changed.") || strings.Contains(after, "Appsmith installer") {
		t.Errorf("after the alternate screen: %q; want only the outcome", after)
	}
}
