package install

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A dir root cannot write is on a read-only filesystem: "run as root" would
// send the user in circles.
func TestReadOnlyDirDoesNotSayRunAsRoot(t *testing.T) {
	f := newFixture(t)
	f.in.Host.Writable = func(dir string) error {
		return &os.PathError{Op: "open", Path: dir, Err: syscall.EROFS}
	}
	_, obs, err := f.plan(t)
	if err == nil {
		t.Fatal("preflight passed")
	}
	all := fmt.Sprint(obs.Findings)
	if !strings.Contains(all, "read-only") || strings.Contains(all, "run as root") {
		t.Fatalf("findings: %s", all)
	}
}

// A certificate that does not cover --domain names the domain as the bad
// value, not the certificate's path.
func TestDomainMismatchNamesTheDomain(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "app.example.com"},
		DNSNames: []string{"app.example.com"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	cert, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600)

	o, err := NormalizeTLS(Options{TLS: TLSCustom, Cert: cert, Key: keyFile, Domain: "other.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadTLS(o, time.Now())
	var fe *FieldError
	if !errors.As(err, &fe) {
		t.Fatalf("want a FieldError, got %v", err)
	}
	if fe.Field != "domain" || fe.Value != "other.example.com" {
		t.Fatalf("field %q value %q (%s); want domain other.example.com", fe.Field, fe.Value, fe.Reason)
	}
}
