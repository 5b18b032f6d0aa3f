package certs

import (
	"bytes"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

// kpCase is one LoadKeyPair input and what the person must be told.
type kpCase struct {
	name     string
	in       KeyPairInput
	kind     Kind     // "" = success
	msg      []string // substrings of Error() (errors) ...
	hint     string   // ... and of Hint
	notes    []string // substrings that must each appear in some note
	warnings []string // substrings that must each appear in some warning
	check    func(t *testing.T, kp *KeyPair)
}

func runKP(t *testing.T, cases []kpCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in.CertFile == "" {
				in.CertFile = "cert.pem"
			}
			if in.KeyFile == "" {
				in.KeyFile = "key.pem"
			}
			if in.Now.IsZero() {
				in.Now = now
			}
			kp, err := LoadKeyPair(in)
			if tc.kind != "" {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("want *Error of kind %s, got %v (%+v)", tc.kind, err, kp)
				}
				if e.Kind != tc.kind {
					t.Fatalf("kind = %s, want %s (%v)", e.Kind, tc.kind, err)
				}
				if e.File == "" || !strings.HasPrefix(err.Error(), e.File+": ") {
					t.Errorf("error does not name the file: %q", err)
				}
				for _, m := range tc.msg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q lacks %q", err, m)
					}
				}
				if e.Hint == "" || !strings.Contains(e.Hint, tc.hint) {
					t.Errorf("hint %q lacks %q", e.Hint, tc.hint)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v (hint: %s)", err, hintOf(err))
			}
			assertSome(t, "note", kp.Notes, tc.notes)
			assertSome(t, "warning", kp.Warnings, tc.warnings)
			assertServable(t, kp)
			if tc.check != nil {
				tc.check(t, kp)
			}
		})
	}
}

func hintOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}

func assertSome(t *testing.T, what string, got, want []string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.Contains(g, w)
		}
		if !found {
			t.Errorf("no %s contains %q; got %q", what, w, got)
		}
	}
	if len(want) == 0 && len(got) > 0 && what == "warning" {
		t.Errorf("unexpected warnings: %q", got)
	}
}

// assertServable checks the output the way Caddy will read it: the key
// matches the first certificate, the key is plain, and the fullchain holds
// certificates only, leaf first.
func assertServable(t *testing.T, kp *KeyPair) {
	t.Helper()
	if bytes.Contains(kp.FullchainPEM, []byte("PRIVATE KEY")) {
		t.Fatal("the key was written into the fullchain")
	}
	if bytes.Contains(kp.PrivkeyPEM, []byte("ENCRYPTED")) {
		t.Fatal("the installed key is still encrypted")
	}
	chain, err := ReadPEMCerts(kp.FullchainPEM)
	if err != nil {
		t.Fatal(err)
	}
	if len(chain) != len(kp.Chain) || !chain[0].Equal(kp.Leaf) {
		t.Fatalf("fullchain has %d certs (first %s), Chain %d, leaf %s", len(chain), name(chain[0]), len(kp.Chain), name(kp.Leaf))
	}
	b, _ := pem.Decode(kp.PrivkeyPEM)
	if b == nil {
		t.Fatal("privkey is not PEM")
	}
	key, err := parseKeyDER(b.Type, b.Bytes)
	if err != nil || !matches(kp.Leaf, key) {
		t.Fatalf("privkey does not match the leaf: %v", err)
	}
}

func TestLoadKeyPairDates(t *testing.T) {
	p := newPKI(t)
	mk := func(s spec) KeyPairInput {
		s.cn, s.dns = "app.example.com", []string{"app.example.com"}
		l := mint(t, s, p.inter)
		return KeyPairInput{CertPEM: pemCerts(l, p.inter), KeyPEM: keyPEM(t, l.key, "pkcs8")}
	}
	runKP(t, []kpCase{
		{name: "expired", in: mk(spec{notBefore: now.AddDate(-1, 0, 0), notAfter: now.AddDate(0, 0, -3)}),
			kind: KindExpired, msg: []string{"expired on 2026-05-29", "valid 2025-06-01 to 2026-05-29"}, hint: "renew"},
		{name: "not yet valid", in: mk(spec{notBefore: now.AddDate(0, 0, 2)}),
			kind: KindNotYetValid, msg: []string{"not valid before 2026-06-03"}, hint: "date -u"},
		{name: "expires in 12 days", in: mk(spec{notAfter: now.AddDate(0, 0, 12).Add(time.Hour)}),
			warnings: []string{"expires in 12 days (2026-06-13)"}},
		{name: "31 days left is quiet", in: mk(spec{notAfter: now.AddDate(0, 0, 31)})},
	})
}

func TestLoadKeyPairDomain(t *testing.T) {
	p := newPKI(t)
	mk := func(dns ...string) []byte {
		l := mint(t, spec{cn: dns[0], dns: dns, key: p.leaf.key}, p.inter)
		return pemCerts(l, p.inter)
	}
	key := keyPEM(t, p.leaf.key, "pkcs8")
	wild := mk("*.example.com")
	domainIs := func(want string) func(*testing.T, *KeyPair) {
		return func(t *testing.T, kp *KeyPair) {
			if kp.Domain != want {
				t.Errorf("Domain = %q, want %q", kp.Domain, want)
			}
		}
	}
	runKP(t, []kpCase{
		{name: "given and covered", in: KeyPairInput{CertPEM: mk("app.example.com"), KeyPEM: key, Domain: "App.Example.com"}, check: domainIs("app.example.com")},
		{name: "wrong SAN", in: KeyPairInput{CertPEM: mk("other.example.com"), KeyPEM: key, Domain: "app.example.com"},
			kind: KindSANMismatch, msg: []string{"does not cover app.example.com", "other.example.com"}, hint: "--domain"},
		{name: "wildcard covers one label", in: KeyPairInput{CertPEM: wild, KeyPEM: key, Domain: "a.example.com"}, check: domainIs("a.example.com")},
		{name: "wildcard does not cover the apex", in: KeyPairInput{CertPEM: wild, KeyPEM: key, Domain: "example.com"},
			kind: KindSANMismatch, hint: "exactly one level"},
		{name: "wildcard does not cover two labels", in: KeyPairInput{CertPEM: wild, KeyPEM: key, Domain: "a.b.example.com"},
			kind: KindSANMismatch},
		{name: "taken from the only SAN", in: KeyPairInput{CertPEM: mk("app.example.com"), KeyPEM: key},
			notes: []string{"took the domain app.example.com"}, check: domainIs("app.example.com")},
		{name: "apex chosen over its wildcard", in: KeyPairInput{CertPEM: mk("example.com", "*.example.com"), KeyPEM: key}, check: domainIs("example.com")},
		{name: "several SANs need --domain", in: KeyPairInput{CertPEM: mk("a.example.com", "b.example.com"), KeyPEM: key},
			kind: KindNeedDomain, msg: []string{"a.example.com, b.example.com"}, hint: "--domain"},
		{name: "only a wildcard needs --domain", in: KeyPairInput{CertPEM: wild, KeyPEM: key}, kind: KindNeedDomain},
		{name: "IDNA domain matches punycode SAN", in: KeyPairInput{CertPEM: mk("xn--bcher-kva.example"), KeyPEM: key, Domain: "bücher.example"},
			check: domainIs("xn--bcher-kva.example")},
		{name: "IDNA mismatch shows both forms", in: KeyPairInput{CertPEM: mk("app.example.com"), KeyPEM: key, Domain: "bücher.example"},
			kind: KindSANMismatch, msg: []string{"bücher.example (xn--bcher-kva.example)"}},
	})
}

// Bad domains are usage errors without a file; the rest of their checking
// is ValidDomain's table.
func TestLoadKeyPairBadDomain(t *testing.T) {
	p := newPKI(t)
	_, err := LoadKeyPair(KeyPairInput{CertFile: "c", CertPEM: pemCerts(p.leaf), KeyFile: "k", KeyPEM: keyPEM(t, p.leaf.key, "pkcs8"), Domain: "https://app.example.com", Now: now})
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindBadDomain || !strings.Contains(e.Hint, "--domain app.example.com") {
		t.Fatalf("got %v (%+v)", err, e)
	}
}
