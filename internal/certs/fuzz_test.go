package certs

import (
	"errors"
	"testing"
)

// The inputs are files people pick by hand: anything at all may arrive, and
// the answer must be a result or an *Error, never a panic.

func FuzzParseCAFile(f *testing.F) {
	p := newPKI(f)
	f.Add(pemCerts(p.root, p.inter))
	f.Add(p.root.cert.Raw)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAA\n"))
	f.Add([]byte("-----BEGIN TRUSTED CERTIFICATE-----\nMAA=\n-----END TRUSTED CERTIFICATE-----\n"))
	f.Add(keyPEM(f, p.root.key, "sec1"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cas, _, err := ParseCAFile("f.pem", data, now)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != "f.pem" || e.Hint == "" {
				t.Fatalf("error without file or hint: %#v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, ca := range cas {
			if seen[ca.Name] || sanitize(ca.Name) != ca.Name {
				t.Fatalf("bad or duplicate name %q", ca.Name)
			}
			seen[ca.Name] = true
		}
	})
}

func FuzzLoadKeyPair(f *testing.F) {
	p := newPKI(f)
	chain := pemCerts(p.leaf, p.inter)
	f.Add(chain, keyPEM(f, p.leaf.key, "pkcs8"), []byte(nil), "")
	f.Add(chain, encryptedKeyPEM(f, p.leaf.key, "sec1", "pw"), []byte("pw"), "app.example.com")
	f.Add(chain, encryptedKeyPEM(f, p.leaf.key, "sec1", "pw"), []byte("nope"), "")
	f.Add(p.leaf.cert.Raw, keyBlock(f, p.leaf.key, "pkcs8").Bytes, []byte(nil), "bücher.example")
	f.Fuzz(func(t *testing.T, cert, key, pass []byte, domain string) {
		kp, err := LoadKeyPair(KeyPairInput{CertFile: "c", CertPEM: cert, KeyFile: "k", KeyPEM: key, Passphrase: pass, Domain: domain, Now: now})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Hint == "" {
				t.Fatalf("error without hint: %#v", err)
			}
			return
		}
		if len(kp.Chain) == 0 || !kp.Chain[0].Equal(kp.Leaf) || len(kp.PrivkeyPEM) == 0 {
			t.Fatalf("incomplete result: %+v", kp)
		}
	})
}
