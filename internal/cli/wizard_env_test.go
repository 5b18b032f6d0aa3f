package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/install"
)

// selfSigned writes a certificate for dns and its key, as PEM files.
func selfSigned(t *testing.T, dns string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: dns}, DNSNames: []string{dns},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestWizardEnvOwnCertificate: for an own certificate with no domain typed,
// the wizard learns the domain the certificate is for, and the plan it
// shows has the step that writes the certificate (the installer the wizard
// asked had no TLS loaded, so its plan had none).
func TestWizardEnvOwnCertificate(t *testing.T) {
	cert, key := selfSigned(t, "app.example.com")
	o := install.Defaults()
	o.Dir, o.TLS, o.Cert, o.Key = filepath.Join(t.TempDir(), "appsmith"), install.TLSCustom, cert, key
	o, err := o.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	deps := fakeDeps(emptyEngine(t))
	in := &install.Installer{Connect: func(ctx context.Context) (install.Docker, error) { return deps.Docker(ctx) }, Host: deps.Host}
	env := wizardEnv(in, deps)
	if d, err := env.TLSDomain(o); err != nil || d != "app.example.com" {
		t.Errorf("TLSDomain = %q, %v; want app.example.com", d, err)
	}
	o.Domain = "app.example.com" // as the wizard then passes it
	p, err := env.Plan(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	tls := false
	for _, s := range p.Steps {
		titles = append(titles, s.Title)
		tls = tls || s.ID == "tls"
	}
	if !tls {
		t.Errorf("the wizard's plan has no TLS step: %q", titles)
	}
	if in.TLS != nil {
		t.Error("the wizard's checks changed the installer the install runs with")
	}
}
