package tui

import (
	"context"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/install"
)

// toNetwork walks from the checks to the HTTP port answer.
func (w *walk) toNetwork() {
	w.t.Helper()
	w.toOptions()
	w.next("Edition")
	w.next("Version")
	w.next("HTTP port")
}

// toTLS walks to the TLS mode and picks the one downs below "None".
func (w *walk) toTLS(downs int) {
	w.t.Helper()
	w.toNetwork()
	w.next("HTTPS port")
	w.next("TLS")
	for i := 0; i < downs; i++ {
		w.tm.Send(down)
	}
}

// refused submits the focused answer and checks the focus stays put.
func (w *walk) refused(title string) {
	w.t.Helper()
	w.tm.Send(enter)
	time.Sleep(150 * time.Millisecond) // time enough for a focus move
	focus(w.t, w.tm, title)
}

// TestInlineValidation: each bad answer shows its message as it is typed,
// in the CLI's words, and cannot be submitted.
func TestInlineValidation(t *testing.T) {
	sz := sizes[0]
	cases := []struct {
		name, field, value, want string
		to                       func(w *walk)
	}{
		{"port-taken", "HTTPS port", "8443", "port 8443 on 0.0.0.0 is in use: address already in use",
			func(w *walk) { w.toNetwork(); w.next("HTTPS port") }},
		{"bad-domain", "Domain", "bad_domain", `invalid --domain "bad_domain"`,
			func(w *walk) { w.toTLS(1); w.next("Domain") }},
		{"missing-cert-file", "Certificate file", "/etc/ssl/missing.pem", `invalid --cert "/etc/ssl/missing.pem": no such file or directory`,
			func(w *walk) { w.toTLS(2); w.next("Certificate file") }},
		{"unreadable-ca-file", "Custom CA roots", "/etc/ssl/ca.pem, /root/ca.pem", `invalid --ca-cert "/root/ca.pem": permission denied`,
			func(w *walk) { w.toTLS(0); w.next("Custom CA roots") }},
		{"bad-db-url", "External database URL", "http://db.example.com/appsmith", `invalid --db-url "http://db.example.com/appsmith": scheme "http" not`,
			func(w *walk) { w.toTLS(0); w.next("Custom CA roots"); w.next("External database URL") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake()
			f.busyPorts[8443] = true
			f.files["/root/ca.pem"] = errPermission
			w := newWalk(t, f, install.Defaults(), sz)
			c.to(w)
			w.set(c.value)
			goldenFrame(t, focus(t, w.tm, c.field, "✗ "+c.want), sz)
			w.refused(c.field)
		})
	}
}

// TestDatabaseUnreachable: a database this host cannot reach is a warning,
// not a refusal; the container may reach what the host cannot.
func TestDatabaseUnreachable(t *testing.T) {
	sz := sizes[0]
	f := newFake()
	url := "postgresql://appsmith@db.internal:5432/appsmith" // the password has its own field
	f.dbErr[url] = context.DeadlineExceeded
	w := newWalk(t, f, install.Defaults(), sz)
	w.toTLS(0)
	w.next("Custom CA roots")
	w.next("External database URL")
	w.set(url)
	goldenFrame(t, focus(t, w.tm, "External database URL", "⚠ this host cannot reach the database"), sz)
	w.next("Database password")
	w.next("External Redis URL")
}

// TestWizardGate: every answer is checked again when the form is done; one
// that went bad meanwhile (a port taken since) sends the user back, with why.
func TestWizardGate(t *testing.T) {
	f := newFake()
	w := newWalk(t, f, install.Defaults(), sizes[0])
	w.toTLS(0)
	w.next("Custom CA roots")
	w.next("External database URL")
	w.next("Embedded database")
	w.next("External Redis URL")
	w.next("Send anonymous usage data")
	f.setBusy(80)
	w.tm.Send(enter)
	w.golden("asked-again", focus(t, w.tm, "Install directory", "port 80 on 0.0.0.0 is in use"))
	w.tm.Type("x")
	frame(t, w.tm, "!port 80 on 0.0.0.0 is in use")
}
