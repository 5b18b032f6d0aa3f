package certs

import (
	"crypto/x509"
	"fmt"
	"strings"
	"time"
)

// CA is one trusted root to store as ca-certs/<Name>: the container reads
// only *.crt there, in PEM, whatever form it was given in.
type CA struct {
	Name string // readable file name like "Corp-Root-CA-2024.crt", unique within one ParseCAFile result
	Cert *x509.Certificate
	PEM  []byte
}

// ParseCAFile reads one file of CA roots: PEM (one certificate or a bundle)
// or DER, whatever its extension says. A bundle becomes one CA per
// certificate so each can be listed and removed on its own. Doubtful
// certificates are kept with a warning (the person chose to trust them);
// only a file with nothing usable in it is an error.
func ParseCAFile(file string, data []byte, now time.Time) (cas []CA, warnings []string, err error) {
	if now.IsZero() {
		now = time.Now()
	}
	in, err := readContents(file, data)
	if err != nil {
		return nil, nil, err
	}
	if len(in.keys) > 0 || in.derKey != nil {
		warnings = append(warnings, file+": ignored a private key: trusting a CA needs only its certificate; keep the key out of the instance")
	}
	for _, t := range in.others {
		warnings = append(warnings, fmt.Sprintf("%s: ignored a %s block", file, t))
	}
	if len(in.certs) == 0 {
		return nil, nil, fail(KindNoCertificate, file, "no certificate found", in.whatElse("CA certificate"))
	}
	certs := uniqueCerts(in)
	if dup := len(in.certs) - len(certs); dup > 0 {
		warnings = append(warnings, fmt.Sprintf("%s: %d certificate(s) appear more than once; each is kept once", file, dup))
	}
	names := caNames(certs)
	for i, c := range certs {
		cas = append(cas, CA{Name: names[i], Cert: c, PEM: certPEM(c)})
		warnings = append(warnings, caWarnings(file, c, now)...)
	}
	return cas, warnings, nil
}

func caWarnings(file string, c *x509.Certificate, now time.Time) []string {
	var w []string
	prefix := file + ": " + name(c)
	if !c.BasicConstraintsValid || !c.IsCA {
		w = append(w, prefix+" is not a CA certificate: it makes only itself trusted (fine for a self-signed server); "+
			"to trust the certificates a CA issued, add that CA's certificate")
	}
	switch {
	case now.After(c.NotAfter):
		w = append(w, fmt.Sprintf("%s expired on %s: it no longer makes anything trusted; get the current one from its owner", prefix, day(c.NotAfter)))
	case now.Before(c.NotBefore):
		w = append(w, fmt.Sprintf("%s is not valid before %s: it will not be trusted until then (or check this host's clock)", prefix, day(c.NotBefore)))
	}
	return w
}

// caNames names each certificate after what people call it (its CN, else
// its organisation). Names that clash all get a fingerprint suffix, so a
// certificate's name does not depend on which bundle it came in with.
func caNames(certs []*x509.Certificate) []string {
	base := make([]string, len(certs))
	count := map[string]int{}
	for i, c := range certs {
		b := sanitize(c.Subject.CommonName)
		if b == "" && len(c.Subject.Organization) > 0 {
			b = sanitize(c.Subject.Organization[0])
		}
		if b == "" {
			b = "ca-" + fingerprint(c)[:16]
		}
		base[i] = b
		count[strings.ToLower(b)]++ // case-insensitive file systems exist
	}
	out := make([]string, len(certs))
	for i, c := range certs {
		n := base[i]
		if count[strings.ToLower(n)] > 1 {
			n += "-" + fingerprint(c)[:8]
		}
		out[i] = n + ".crt"
	}
	return out
}

// sanitize keeps a name safe as a file name in any shell or file system:
// [A-Za-z0-9._-], runs of anything else become one "-", no leading dot.
func sanitize(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		ok := r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
		if ok {
			b.WriteRune(r)
			dash = r == '-'
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.Trim(b.String(), "-._")
	if len(out) > 64 {
		out = strings.TrimRight(out[:64], "-._")
	}
	return out
}
