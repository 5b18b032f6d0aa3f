package certs

import (
	"encoding/pem"
	"errors"
	"strings"
	"testing"
)

func TestParseCAFile(t *testing.T) {
	p := newPKI(t)
	corpA := mint(t, spec{cn: "Corp Root CA 2024", ca: true}, nil)
	corpB := mint(t, spec{cn: "Corp Root CA 2024", ca: true}, nil) // re-keyed, same name
	other := mint(t, spec{cn: "Other/CA: Ünïcode", ca: true}, nil)
	orgOnly := mint(t, spec{org: "Acme Corp", ca: true}, nil)
	anon := mint(t, spec{ca: true}, nil)
	expired := mint(t, spec{cn: "Old Root", ca: true, notBefore: now.AddDate(-10, 0, 0), notAfter: now.AddDate(0, 0, -1)}, nil)
	future := mint(t, spec{cn: "Future Root", ca: true, notBefore: now.AddDate(0, 0, 3)}, nil)
	legacyLeaf := mint(t, spec{cn: "legacy.internal", noBC: true}, nil)
	trusted := pem.EncodeToMemory(&pem.Block{Type: "TRUSTED CERTIFICATE", Bytes: cat(p.root.cert.Raw, []byte{0x30, 0})})
	for _, tc := range []struct {
		name     string
		data     []byte
		names    []string // "" = error
		warnings []string
		kind     Kind
		hint     string
	}{
		{name: "one PEM root", data: pemCerts(p.root), names: []string{"Test-Root-CA.crt"}},
		{name: "DER root", data: p.root.cert.Raw, names: []string{"Test-Root-CA.crt"}},
		{name: "bundle of three with a name clash", data: pemCerts(corpA, other, corpB),
			names: []string{"Corp-Root-CA-2024-" + fingerprint(corpA.cert)[:8] + ".crt", "Other-CA-n-code.crt", "Corp-Root-CA-2024-" + fingerprint(corpB.cert)[:8] + ".crt"}},
		{name: "named after O, then a hash", data: pemCerts(orgOnly, anon),
			names: []string{"Acme-Corp.crt", "ca-" + fingerprint(anon.cert)[:16] + ".crt"}},
		{name: "non-CA certificate is kept with a warning", data: pemCerts(p.leaf, legacyLeaf),
			names: []string{"app.example.com.crt", "legacy.internal.crt"}, warnings: []string{"\"app.example.com\" is not a CA", "\"legacy.internal\" is not a CA"}},
		{name: "expired CA", data: pemCerts(expired), names: []string{"Old-Root.crt"}, warnings: []string{"expired on 2026-05-31"}},
		{name: "CA not valid yet", data: pemCerts(future), names: []string{"Future-Root.crt"}, warnings: []string{"not valid before 2026-06-04"}},
		{name: "duplicate kept once", data: pemCerts(p.root, p.root), names: []string{"Test-Root-CA.crt"}, warnings: []string{"appear more than once"}},
		{name: "OpenSSL trusted certificate", data: trusted, names: []string{"Test-Root-CA.crt"}},
		{name: "private key is ignored", data: cat(keyPEM(t, p.root.key, "pkcs8"), pemCerts(p.root)),
			names: []string{"Test-Root-CA.crt"}, warnings: []string{"ignored a private key"}},
		{name: "empty", data: nil, kind: KindEmpty},
		{name: "whitespace", data: []byte("\r\n  \n"), kind: KindEmpty},
		{name: "garbage", data: []byte("<html>404 Not Found</html>"), kind: KindBadPEM, hint: "openssl"},
		{name: "damaged block", data: cat(pemCerts(p.root), []byte("-----BEGIN CERTIFICATE-----\nAAA\n")), kind: KindBadPEM},
		{name: "key only", data: keyPEM(t, p.root.key, "pkcs8"), kind: KindNoCertificate, hint: "needs its certificate, never its key"},
		{name: "PKCS#7 bundle", data: pem.EncodeToMemory(&pem.Block{Type: "PKCS7", Bytes: []byte{1}}), kind: KindNoCertificate, hint: "openssl pkcs7 -print_certs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cas, warns, err := ParseCAFile("corp.pem", tc.data, now)
			if tc.kind != "" {
				var e *Error
				if !errors.As(err, &e) || e.Kind != tc.kind {
					t.Fatalf("got %v, want kind %s", err, tc.kind)
				}
				if !strings.HasPrefix(err.Error(), "corp.pem: ") || !strings.Contains(e.Hint, tc.hint) || e.Hint == "" {
					t.Errorf("error %q / hint %q: want the file named and a hint with %q", err, e.Hint, tc.hint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ca := range cas {
				got = append(got, ca.Name)
				back, err := ReadPEMCerts(ca.PEM)
				if err != nil || len(back) != 1 || !back[0].Equal(ca.Cert) {
					t.Errorf("%s: PEM does not hold exactly its certificate: %v", ca.Name, err)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.names, " ") {
				t.Errorf("names = %q, want %q", got, tc.names)
			}
			assertSome(t, "warning", warns, tc.warnings)
			for _, w := range warns {
				if !strings.HasPrefix(w, "corp.pem: ") {
					t.Errorf("warning %q does not name the file", w)
				}
			}
		})
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"Corp Root CA 2024":     "Corp-Root-CA-2024",
		"../../etc/passwd":      "etc-passwd",
		".hidden":               "hidden",
		"a  /  b":               "a-b",
		"日本語":                   "",
		"DigiCert Global G2 ⚡":  "DigiCert-Global-G2",
		strings.Repeat("x", 80): strings.Repeat("x", 64),
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}
