package cli

import (
	"strings"
	"testing"
)

// A domain on an HTTPS port other than 443 breaks Appsmith's redirect from
// HTTP (it drops the port): the install says so before anything is done.
func TestDomainOnAnotherHTTPSPortIsWarned(t *testing.T) {
	for _, c := range []struct {
		port string
		warn bool
	}{{"8443", true}, {"443", false}} {
		r := run(t, fakeDeps(emptyEngine(t)), nil, "--dry-run", "--dir", t.TempDir()+"/a", "--version", "1.9.2", "--edition", "ce",
			"--link-dir", "", "--tls", "letsencrypt", "--domain", "appsmith.example.com", "--https-port", c.port, "--http-port", "8080", "--progress", "plain")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s", r.code, r.errOut)
		}
		if got := strings.Contains(r.errOut, "drops the port"); got != c.warn {
			t.Errorf("--https-port %s: warned=%v, want %v\n%s", c.port, got, c.warn, r.errOut)
		}
	}
}
