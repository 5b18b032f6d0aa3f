package tui

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/appsmith-install/appsmith-install/install"
)

// The wizard's screens, walked with keys at each size; every screen's frame
// is a golden under testdata/<test>/<size>/.

type walk struct {
	t  *testing.T
	tm *teatest.TestModel
	sz size
}

func newWalk(t *testing.T, f *fake, o install.Options, sz size) *walk {
	m := newModel(context.Background(), o, f.env(), WizardOptions{Width: sz.w, Height: sz.h})
	return &walk{t: t, tm: start(t, m, sz), sz: sz}
}

// next submits the focused answer and waits for the field titled title.
func (w *walk) next(title string, more ...string) string {
	w.t.Helper()
	w.tm.Send(enter)
	return focus(w.t, w.tm, title, more...)
}

// set replaces the focused input's text.
func (w *walk) set(text string) {
	w.tm.Send(ctrlU)
	w.tm.Type(text)
}

func (w *walk) golden(name, f string) {
	w.t.Helper()
	w.t.Run(name, func(t *testing.T) { goldenFrame(t, f, w.sz) })
}

// result ends the program and returns what the wizard decided.
func (w *walk) result() *model {
	w.t.Helper()
	return w.tm.FinalModel(w.t, teatest.WithFinalTimeout(5*time.Second)).(snapModel).r.(*model)
}

// toOptions waits for the checks and enters the options screen.
func (w *walk) toOptions() {
	w.t.Helper()
	frame(w.t, w.tm, "✓ disk", "releases")
	w.next("Install directory")
}

func TestWizardInstall(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.String(), func(t *testing.T) {
			f := newFake()
			f.gate = make(chan struct{})
			w := newWalk(t, f, install.Defaults(), sz)
			w.golden("1-checking", frame(t, w.tm, "Docker engine, CPU", "releases in the registry"))
			close(f.gate)
			w.golden("2-checked", frame(t, w.tm, "✓ disk"))
			w.golden("3-options-appsmith", w.next("Install directory"))
			w.next("Edition")
			w.next("Version")
			w.next("HTTP port")
			w.set("8080")
			w.next("HTTPS port")
			w.next("TLS")
			w.tm.Send(down)
			w.golden("4-options-network", frame(t, w.tm, "> Let's Encrypt"))
			w.next("Domain")
			w.set("appsmith.example.com")
			w.golden("5-options-letsencrypt", frame(t, w.tm, "> appsmith.example.com", "!✗"))
			w.golden("6-options-services", w.next("Custom CA roots"))
			w.next("External database URL")
			w.next("Embedded database")
			w.next("External Redis URL")
			w.golden("7-options-telemetry", w.next("Send anonymous usage data"))
			w.tm.Send(enter)
			w.golden("8-summary", frame(t, w.tm, "Ready to install", "⚠ memory"))
			w.tm.Send(press('s'))
			w.golden("9-save-as", focus(t, w.tm, "Save the options as"))
			w.tm.Send(enter)
			w.golden("10-summary-saved", frame(t, w.tm, "will be written to install.yaml"))
			w.tm.Send(ctrlC)
			w.golden("11-quit-asked", frame(t, w.tm, "Press Ctrl-C again"))
			w.tm.Send(press('x')) // any other key: not quitting after all
			frame(t, w.tm, "!Press Ctrl-C again")
			w.tm.Send(enter)

			m := w.result()
			want := install.Defaults()
			want.HTTPPort, want.TLS, want.Domain = 8080, "letsencrypt", "appsmith.example.com"
			if m.err != nil || m.result.Action != ActionInstall || !m.result.Confirmed || m.result.SaveConfigPath != "install.yaml" {
				t.Fatalf("result %+v, err %v", m.result, m.err)
			}
			if !reflect.DeepEqual(m.result.Options, want) {
				t.Errorf("options\n got %+v\nwant %+v", m.result.Options, want)
			}
			w.golden("12-farewell", normalize(m.render()))
		})
	}
}

func TestWizardOwnCertificate(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.String(), func(t *testing.T) {
			w := newWalk(t, newFake(), install.Defaults(), sz)
			w.toOptions()
			w.next("Edition")
			w.next("Version")
			w.next("HTTP port")
			w.next("HTTPS port")
			w.next("TLS")
			w.tm.Send(down)
			w.tm.Send(down)
			frame(t, w.tm, "> Own certificate")
			w.next("Certificate file")
			w.set("/etc/ssl/app.pem")
			w.next("Private key file")
			w.set("/etc/ssl/other.key")
			w.tm.Send(enter) // the key is of another pair: CheckTLS says so, and it is not accepted
			w.golden("1-key-mismatch", focus(t, w.tm, "Private key file", "does not match the certificate"))
			w.set("/etc/ssl/app.key")
			w.next("Key passphrase file")
			w.golden("2-certificate", w.next("Domain", "taken from the certificate"))
			w.next("Custom CA roots")
			for _, title := range []string{"External database URL", "Embedded database", "External Redis URL", "Send anonymous usage data"} {
				w.next(title)
			}
			// No domain typed: the summary, its command and install.yaml
			// name the certificate's, so a re-run serves the same name.
			w.tm.Send(enter)
			w.golden("3-summary", frame(t, w.tm, "Ready to install", "your certificate for app.example.com", "--domain app.example.com"))
			w.tm.Send(enter)
			o := w.result().result.Options
			if o.Domain != "app.example.com" {
				t.Errorf("result domain %q, want the certificate's", o.Domain)
			}
			if y, _ := ConfigYAML(o); !strings.Contains(string(y), "domain: app.example.com") {
				t.Errorf("install.yaml has no domain:\n%s", y)
			}
		})
	}
}

func TestWizardOffline(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.String(), func(t *testing.T) {
			f := newFake()
			f.tags, f.tagsErr = nil, context.DeadlineExceeded
			w := newWalk(t, f, install.Defaults(), sz)
			w.golden("1-checked", frame(t, w.tm, "✓ disk", "registry unreachable"))
			w.next("Install directory")
			w.next("Edition")
			w.next("Version", "type a version")
			w.set("1.9.2")
			w.golden("2-version-typed", frame(t, w.tm, "> 1.9.2"))
			w.next("HTTP port")
		})
	}
}

func TestWizardPortTakenAtStart(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.String(), func(t *testing.T) {
			f := newFake()
			f.busyPorts[80] = true
			w := newWalk(t, f, install.Defaults(), sz)
			w.golden("1-checked", frame(t, w.tm, "✗ ports", "fix: free the port"))
			w.next("Install directory")
			w.next("Edition")
			w.next("Version")
			w.golden("2-port-flagged", w.next("HTTP port", "port 80 on 0.0.0.0 is in use"))
			w.set("8080")
			w.next("HTTPS port")
			w.tm.Send(esc) // back to the checks, run again for port 8080
			w.golden("3-checked-again", frame(t, w.tm, "✓ ports", "✓ disk"))
			if n := f.preflights.Load(); n != 2 {
				t.Errorf("%d preflight runs, want 2", n)
			}
		})
	}
}

// TestWizardSummaryBlocked: a check that fails for the chosen options keeps
// the install from starting, and the summary says what to do.
func TestWizardSummaryBlocked(t *testing.T) {
	f := newFake()
	f.findings = append(f.findings, install.Finding{Check: "disk", Level: install.Fail,
		Message: "0.4 GiB free at /opt/appsmith: at least 1 GiB is needed (5 GiB recommended)", Hint: "free some space, or choose another --dir"})
	w := newWalk(t, f, install.Defaults(), sizes[0])
	frame(t, w.tm, "✗ disk")
	w.next("Install directory")
	for _, title := range []string{"Edition", "Version", "HTTP port", "HTTPS port", "TLS", "Custom CA roots",
		"External database URL", "Embedded database", "External Redis URL", "Send anonymous usage data"} {
		w.next(title)
	}
	w.tm.Send(enter)
	w.golden("blocked", frame(t, w.tm, "Can't install", "✗ disk"))
	w.tm.Send(enter)
	time.Sleep(100 * time.Millisecond)
	frame(t, w.tm, "Can't install") // enter did not install
	w.tm.Send(press('q'))
	if r := w.result().result; r.Action != ActionQuit || r.Confirmed {
		t.Errorf("result %+v", r)
	}
}
