package doctor

import (
	"context"
	"crypto/x509"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/certs"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// warnDays: Caddy renews 30 days before expiry, so 14 days left means a
// renewal has failed for two weeks; a custom certificate needs a person.
const warnDays = 14

func checkCertificate(_ context.Context, e *Env) []Finding {
	l := e.stacks()
	var out []Finding
	domain := ""
	if env, err := e.dockerEnv(); err == nil {
		domain, _ = env.Get(stacks.KeyCustomDomain)
	}
	if data, err := os.ReadFile(l.FullchainPEM()); err == nil {
		fix := e.cmd("tls use-cert --cert FILE --key FILE") + " with a renewed certificate"
		cs, err := certs.ReadPEMCerts(data)
		if err != nil {
			out = append(out, Finding{Status: Fail, Path: l.FullchainPEM(), Message: "the custom certificate cannot be read: " + err.Error(), Fix: fix})
		} else {
			out = append(out, certFinding(e, l.FullchainPEM(), "the custom certificate", cs[0], fix))
		}
	}
	// Caddy keeps what it obtained under data/caddy/certificates/<CA>/<name>/<name>.crt.
	leFix := "Caddy renews it itself: make " + orNone(domain) + " resolve to this host and ports 80 and 443 reachable from the internet; " + e.cmd("logs editor") + " says why renewal fails"
	_ = filepath.WalkDir(filepath.Join(l.CaddyDir(), "certificates"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".crt") {
			return nil
		}
		name := strings.TrimSuffix(d.Name(), ".crt")
		if domain != "" && !strings.EqualFold(name, domain) {
			return nil // an older domain's: Caddy no longer serves it
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		if cs, err := certs.ReadPEMCerts(data); err == nil {
			out = append(out, certFinding(e, p, "the Let's Encrypt certificate of "+name, cs[0], leFix))
		}
		return nil
	})
	if len(out) == 0 {
		return []Finding{{Status: Info, Message: "no certificate in stacks/ssl/ nor in Caddy's data: plain HTTP (or Caddy's own), or Let's Encrypt has not issued one yet"}}
	}
	return out
}

func certFinding(e *Env, path, what string, c *x509.Certificate, fix string) Finding {
	info := certs.Describe(c, e.Now)
	until := c.NotAfter.UTC().Format("2006-01-02")
	switch {
	case e.Now.After(c.NotAfter):
		return Finding{Status: Fail, Path: path, Fix: fix, Message: fmt.Sprintf("%s (%s) expired on %s: browsers refuse it", what, info.Subject, until)}
	case c.NotAfter.Sub(e.Now).Hours() <= warnDays*24:
		return Finding{Status: Warn, Path: path, Fix: fix, Message: fmt.Sprintf("%s (%s) expires on %s, in %d days", what, info.Subject, until, info.DaysLeft)}
	}
	return Finding{Status: OK, Path: path, Message: fmt.Sprintf("%s (%s) is valid until %s", what, info.Subject, until)}
}

func checkCACerts(_ context.Context, e *Env) []Finding {
	dir := e.stacks().CACertsDir()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return []Finding{{Status: Warn, Path: dir, Message: "cannot list the CA roots: " + err.Error()}}
	}
	var out []Finding
	n := 0
	for _, d := range ents {
		p := filepath.Join(dir, d.Name())
		if d.IsDir() {
			continue
		}
		if !strings.HasSuffix(d.Name(), ".crt") {
			out = append(out, Finding{Status: Warn, Path: p,
				Message: d.Name() + " is ignored by the image, which trusts only .crt files (and its entrypoint still feeds every file here to the Java truststore)",
				Fix:     e.cmd("tls add-ca "+p) + " adds it as a .crt; then remove " + p})
			continue
		}
		data, err := os.ReadFile(p)
		if err == nil {
			_, _, err = certs.ParseCAFile(d.Name(), data, e.Now)
		}
		if err != nil {
			out = append(out, Finding{Status: Warn, Path: p, Message: d.Name() + " does not parse as a certificate: " + err.Error(),
				Fix: "replace it with the CA's certificate: " + e.cmd("tls add-ca FILE") + "; then remove " + p})
			continue
		}
		n++
	}
	if len(out) == 0 {
		out = append(out, Finding{Status: OK, Path: dir, Message: fmt.Sprintf("%d custom CA file(s), all readable", n)})
	}
	return out
}
