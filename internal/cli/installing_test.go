package cli

import (
	"testing"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A re-run's defaults come from the recorded options, also for a first
// install never seen ready; its TLS choice is kept as recorded, since its
// docker.env may not have been written yet.
func TestFromStateOfAFirstInstallNotFinished(t *testing.T) {
	s := &state.State{Status: state.StatusInstalling, Container: "apps", Edition: "ce", Tag: "v1.9.2", Registry: "mirror:5000",
		Image: "mirror:5000/appsmith/appsmith-ce:v1.9.2", HTTPPort: 8080, HTTPSPort: 8443, BindAddress: "127.0.0.1",
		TLS: install.TLSLetsEncrypt, Domain: "a.example.com"}
	l := newLoader(install.Defaults())
	l.fromState(s)
	o := l.opts
	if o.ContainerName != "apps" || o.Version != "v1.9.2" || o.Registry != "mirror:5000" || o.HTTPPort != 8080 ||
		o.HTTPSPort != 8443 || o.BindAddress != "127.0.0.1" || o.TLS != install.TLSLetsEncrypt || o.Domain != "a.example.com" {
		t.Fatalf("options %+v", o)
	}
	s.Status = ""
	l = newLoader(install.Defaults())
	l.fromState(s)
	if l.opts.TLS != install.TLSKeep {
		t.Errorf("installed: TLS %q, want keep (changes go through appsmith tls)", l.opts.TLS)
	}
}
