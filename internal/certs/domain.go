package certs

import (
	"crypto/x509"
	"fmt"
	"net"
	"strings"

	"golang.org/x/net/idna"
)

// ValidDomain checks a bare host name (no scheme, port, path; not an IP) and
// returns its ASCII form (IDNA, lookup profile), which is what certificates
// carry and what Caddy matches the TLS server name against.
func ValidDomain(d string) (string, error) {
	d = strings.TrimSpace(d)
	bad := func(why, hint string) error {
		return fail(KindBadDomain, "", fmt.Sprintf("%q is not a host name: %s", d, why), hint)
	}
	switch {
	case d == "":
		return "", bad("it is empty", "pass the name people type in the browser, e.g. --domain appsmith.example.com")
	case strings.Contains(d, "://"):
		return "", bad("it has a scheme", "drop the scheme: --domain "+hostOf(d))
	case strings.ContainsAny(d, "/?#@"):
		return "", bad("it has a path or user part", "pass only the host name: --domain "+hostOf(d))
	}
	if ip := net.ParseIP(strings.Trim(d, "[]")); ip != nil {
		return "", bad("it is an IP address", "a custom domain must be a DNS name that points at this host; leave --domain empty to serve by IP over HTTP")
	}
	if h, _, err := net.SplitHostPort(d); err == nil {
		return "", bad("it has a port", "drop the port (Caddy serves 80 and 443): --domain "+h)
	}
	if strings.HasPrefix(d, "*.") {
		return "", bad("it is a wildcard", "pass the one name this instance answers to, e.g. --domain appsmith."+d[2:])
	}
	// One trailing dot is the fully-qualified spelling of the same name;
	// Caddy and certificates use the form without it.
	d = strings.TrimSuffix(d, ".")
	ascii, err := idna.Lookup.ToASCII(d)
	if err != nil {
		return "", bad(err.Error(), "use letters, digits and hyphens (or an internationalised name); no underscores or spaces")
	}
	// The lookup profile does not enforce DNS lengths, and an empty label
	// ("a..b") passes it; resolvers and ACME both refuse them.
	if len(ascii) > 253 {
		return "", bad("it is longer than 253 characters", "use a shorter name")
	}
	for _, label := range strings.Split(ascii, ".") {
		if label == "" || len(label) > 63 {
			return "", bad("each dot-separated part must be 1 to 63 characters", "check for doubled dots or a very long part")
		}
	}
	return ascii, nil
}

// hostOf is a best effort at what the person meant, for hints only.
func hostOf(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	return s
}

// checkDomain resolves which domain the pair is for and that the leaf
// covers it. Matching is crypto/x509's VerifyHostname: DNS SANs only (no
// Common Name fallback, as browsers) and wildcards per RFC 6125 — "*" as
// the whole leftmost label, matching exactly one label.
func checkDomain(leaf *x509.Certificate, domain, certFile string) (ascii string, note string, err error) {
	if domain == "" {
		return domainFromLeaf(leaf, certFile)
	}
	ascii, err = ValidDomain(domain)
	if err != nil {
		return "", "", err
	}
	if leaf.VerifyHostname(ascii) != nil {
		// Show the punycode next to what was typed: the certificate lists
		// only the punycode, and the person may never have seen it.
		shown := ascii
		if d := strings.TrimSpace(domain); d != ascii {
			shown = d + " (" + ascii + ")"
		}
		return "", "", fail(KindSANMismatch, certFile,
			fmt.Sprintf("the certificate does not cover %s: it is for %s", shown, sanList(leaf)),
			"use a certificate whose names include "+ascii+" (a wildcard *.parent covers exactly one level), or pass --domain with one of its names")
	}
	return ascii, "", nil
}

// domainFromLeaf picks the domain when the person did not: only when the
// certificate leaves no choice, because serving the wrong name is a silent
// failure (the redirect and the certificate disagree).
func domainFromLeaf(leaf *x509.Certificate, certFile string) (string, string, error) {
	var names []string
	for _, n := range leaf.DNSNames {
		if !strings.HasPrefix(n, "*.") {
			names = append(names, n)
		}
	}
	if len(names) == 1 {
		if ascii, err := ValidDomain(names[0]); err == nil {
			return ascii, "took the domain " + ascii + " from the certificate", nil
		}
	}
	return "", "", fail(KindNeedDomain, certFile,
		"cannot tell which domain to serve: the certificate is for "+sanList(leaf),
		"pass --domain with the name people type in the browser")
}

func sanList(c *x509.Certificate) string {
	var all []string
	all = append(all, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		all = append(all, ip.String())
	}
	if len(all) == 0 {
		return "no DNS names (only the subject " + c.Subject.String() + ", which browsers ignore)"
	}
	return strings.Join(all, ", ")
}
