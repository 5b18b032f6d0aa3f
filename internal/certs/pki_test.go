// Tests mint 1024- and 512-bit RSA keys to check they are flagged; Go
// refuses to generate them without this.
//go:debug rsa1024min=0

package certs

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"
)

// now is the fixed "today" of every test, so dates never drift.
var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// issued is a certificate with its key, as a CA or server would hold it.
type issued struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// spec says what to put in a test certificate; zero values mean a normal
// server certificate valid from a month ago for a year.
type spec struct {
	cn        string
	org       string
	dns       []string
	notBefore time.Time
	notAfter  time.Time
	key       crypto.Signer // nil = a fresh P-256 key
	ca        bool
	noBC      bool // no BasicConstraints at all (an old-style v3 leaf)
	eku       []x509.ExtKeyUsage
}

var serial int64 = 1000

// mint signs s with parent (nil = self-signed).
func mint(t testing.TB, s spec, parent *issued) *issued {
	t.Helper()
	if s.key == nil {
		s.key = newKey(t, "p256")
	}
	if s.notBefore.IsZero() {
		s.notBefore = now.AddDate(0, -1, 0)
	}
	if s.notAfter.IsZero() {
		s.notAfter = now.AddDate(1, 0, 0)
	}
	serial++
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: s.cn},
		DNSNames:              s.dns,
		NotBefore:             s.notBefore,
		NotAfter:              s.notAfter,
		BasicConstraintsValid: !s.noBC,
		IsCA:                  s.ca,
		ExtKeyUsage:           s.eku,
		KeyUsage:              x509.KeyUsageDigitalSignature,
	}
	if s.org != "" {
		tmpl.Subject.Organization = []string{s.org}
	}
	if s.ca {
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	} else if s.eku == nil {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	parentCert, parentKey := tmpl, s.key
	if parent != nil {
		parentCert, parentKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, s.key.Public(), parentKey)
	if err != nil {
		t.Fatalf("mint %q: %v", s.cn, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &issued{cert: c, key: s.key}
}

// testPKI is a root, an intermediate under it, and a server certificate
// for app.example.com under the intermediate.
type testPKI struct{ root, inter, leaf *issued }

func newPKI(t testing.TB) testPKI {
	root := mint(t, spec{cn: "Test Root CA", ca: true}, nil)
	inter := mint(t, spec{cn: "Test Intermediate CA", ca: true}, root)
	leaf := mint(t, spec{cn: "app.example.com", dns: []string{"app.example.com"}}, inter)
	return testPKI{root, inter, leaf}
}

// RSA generation is slow; tests that only need "an RSA key" share these.
var (
	rsaOnce sync.Once
	rsaKeys [2]*rsa.PrivateKey
)

func newKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch kind {
	case "p256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "p224":
		k, err = ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	case "rsa512", "rsa1024":
		bits := 512
		if kind == "rsa1024" {
			bits = 1024
		}
		k, err = rsa.GenerateKey(rand.Reader, bits)
	case "rsa", "rsa2":
		rsaOnce.Do(func() {
			for i := range rsaKeys {
				if rsaKeys[i], err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
					return
				}
			}
		})
		k = rsaKeys[0]
		if kind == "rsa2" {
			k = rsaKeys[1]
		}
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemCerts(cs ...*issued) []byte {
	var out []byte
	for _, c := range cs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw})...)
	}
	return out
}

// keyBlock encodes k as "pkcs1" (RSA), "sec1" (ECDSA) or "pkcs8".
func keyBlock(t testing.TB, k crypto.Signer, format string) *pem.Block {
	t.Helper()
	switch format {
	case "pkcs1":
		return &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k.(*rsa.PrivateKey))}
	case "sec1":
		der, err := x509.MarshalECPrivateKey(k.(*ecdsa.PrivateKey))
		if err != nil {
			t.Fatal(err)
		}
		return &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return &pem.Block{Type: "PRIVATE KEY", Bytes: der}
}

func keyPEM(t testing.TB, k crypto.Signer, format string) []byte {
	return pem.EncodeToMemory(keyBlock(t, k, format))
}

// encryptedKeyPEM is what `openssl genrsa -aes256` writes: legacy
// "Proc-Type: 4,ENCRYPTED" PEM.
func encryptedKeyPEM(t testing.TB, k crypto.Signer, format, pass string) []byte {
	t.Helper()
	b := keyBlock(t, k, format)
	enc, err := x509.EncryptPEMBlock(rand.Reader, b.Type, b.Bytes, []byte(pass), x509.PEMCipherAES256) //nolint:staticcheck // producing the legacy format under test
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(enc)
}

func x25519PEM(t testing.TB) []byte {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
