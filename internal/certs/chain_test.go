package certs

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
)

// chainIs checks the served chain, by CN, leaf first.
func chainIs(cns ...string) func(*testing.T, *KeyPair) {
	return func(t *testing.T, kp *KeyPair) {
		t.Helper()
		var got []string
		for _, c := range kp.Chain {
			got = append(got, c.Subject.CommonName)
		}
		if len(got) != len(cns) {
			t.Fatalf("chain = %q, want %q", got, cns)
		}
		for i := range cns {
			if got[i] != cns[i] {
				t.Fatalf("chain = %q, want %q", got, cns)
			}
		}
	}
}

func TestLoadKeyPairChain(t *testing.T) {
	p := newPKI(t)
	key := keyPEM(t, p.leaf.key, "pkcs8")
	stranger := mint(t, spec{cn: "Unrelated CA", ca: true}, nil)
	// A re-keyed intermediate keeps its name: only the key identifier and
	// the signature tell which one issued the leaf.
	oldInter := mint(t, spec{cn: "Test Intermediate CA", ca: true}, p.root)
	selfLeaf := mint(t, spec{cn: "app.example.com", dns: []string{"app.example.com"}}, nil)
	// A damaged leaf signature verifies against no issuer; the key
	// identifier must still pick the right one, and the person be told.
	tampered := append([]byte(nil), p.leaf.cert.Raw...)
	tampered[len(tampered)-1] ^= 0xff
	badSig, err := x509.ParseCertificate(tampered)
	if err != nil {
		t.Fatal(err)
	}
	oldChain := mint(t, spec{cn: "Expired Intermediate CA", ca: true, notAfter: now.AddDate(0, 0, -1)}, p.root)
	underOld := mint(t, spec{cn: "app.example.com", dns: []string{"app.example.com"}, key: p.leaf.key}, oldChain)
	twoLevel := mint(t, spec{cn: "Test Sub CA", ca: true}, p.inter)
	deepLeaf := mint(t, spec{cn: "app.example.com", dns: []string{"app.example.com"}, key: p.leaf.key}, twoLevel)
	runKP(t, []kpCase{
		{name: "in order", in: KeyPairInput{CertPEM: pemCerts(p.leaf, p.inter), KeyPEM: key},
			check: chainIs("app.example.com", "Test Intermediate CA")},
		{name: "intermediate first is reordered", in: KeyPairInput{CertPEM: pemCerts(p.inter, p.leaf), KeyPEM: key},
			notes: []string{"reordered the chain"}, check: chainIs("app.example.com", "Test Intermediate CA")},
		{name: "three levels shuffled", in: KeyPairInput{CertPEM: pemCerts(p.inter, deepLeaf, p.root, twoLevel), KeyPEM: key},
			notes: []string{"reordered the chain", "left out the root CA \"Test Root CA\""},
			check: chainIs("app.example.com", "Test Sub CA", "Test Intermediate CA")},
		{name: "root is left out", in: KeyPairInput{CertPEM: pemCerts(p.leaf, p.inter, p.root), KeyPEM: key},
			notes: []string{"left out the root CA"}, check: chainIs("app.example.com", "Test Intermediate CA")},
		{name: "unrelated certificate is left out", in: KeyPairInput{CertPEM: pemCerts(p.leaf, stranger, p.inter), KeyPEM: key},
			warnings: []string{"left out \"Unrelated CA\""}, check: chainIs("app.example.com", "Test Intermediate CA")},
		{name: "re-keyed intermediate chosen by key id", in: KeyPairInput{CertPEM: pemCerts(p.leaf, oldInter, p.inter), KeyPEM: key},
			warnings: []string{"left out \"Test Intermediate CA\""}, check: func(t *testing.T, kp *KeyPair) {
				if !kp.Chain[1].Equal(p.inter.cert) {
					t.Error("picked the intermediate that did not issue the leaf")
				}
			}},
		{name: "bad signature: key id decides, warning given", in: KeyPairInput{CertPEM: cat(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: badSig.Raw}), pemCerts(oldInter, p.inter)), KeyPEM: key},
			warnings: []string{"does not verify against \"Test Intermediate CA\"", "left out \"Test Intermediate CA\""}, check: func(t *testing.T, kp *KeyPair) {
				if len(kp.Chain) != 2 || !kp.Chain[1].Equal(p.inter.cert) {
					t.Error("followed the intermediate whose key identifier does not match")
				}
			}},
		{name: "expired intermediate", in: KeyPairInput{CertPEM: pemCerts(underOld, oldChain), KeyPEM: key},
			warnings: []string{"intermediate \"Expired Intermediate CA\" expired on 2026-05-31"}},
		{name: "leaf alone warns about intermediates", in: KeyPairInput{CertPEM: pemCerts(p.leaf), KeyPEM: key},
			warnings: []string{"only the server certificate, issued by CN=Test Intermediate CA"}},
		{name: "self-signed leaf", in: KeyPairInput{CertPEM: pemCerts(selfLeaf), KeyPEM: keyPEM(t, selfLeaf.key, "pkcs8")},
			warnings: []string{"self-signed"}, check: chainIs("app.example.com")},
	})
}

func TestLoadKeyPairInputForms(t *testing.T) {
	p := newPKI(t)
	key := keyPEM(t, p.leaf.key, "sec1")
	combined := cat(key, pemCerts(p.leaf, p.inter))
	renewed := mint(t, spec{cn: "app.example.com", dns: []string{"app.example.com"}, key: p.leaf.key, notAfter: now.AddDate(2, 0, 0)}, p.inter)
	clientCert := mint(t, spec{cn: "app.example.com", dns: []string{"app.example.com"}, key: p.leaf.key, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, p.inter)
	rsa1024 := mint(t, spec{cn: "app.example.com", dns: []string{"app.example.com"}, key: newKey(t, "rsa1024")}, p.inter)
	csr := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{1}})
	broken := []byte("-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n")
	runKP(t, []kpCase{
		{name: "one combined file as both", in: KeyPairInput{CertFile: "all.pem", CertPEM: combined, KeyFile: "all.pem", KeyPEM: combined},
			check: chainIs("app.example.com", "Test Intermediate CA")},
		{name: "key inside the cert file", in: KeyPairInput{CertPEM: combined, KeyPEM: pemCerts(p.leaf)},
			notes: []string{"used the private key found in cert.pem"}},
		{name: "wrong key file, right key in the cert file", in: KeyPairInput{CertPEM: combined, KeyPEM: keyPEM(t, newKey(t, "p256"), "pkcs8")},
			notes: []string{"found in cert.pem"}, warnings: []string{"the private key in key.pem belongs to none"}},
		{name: "swapped files", in: KeyPairInput{CertPEM: key, KeyPEM: pemCerts(p.leaf, p.inter)},
			notes: []string{"found in cert.pem"}, check: chainIs("app.example.com", "Test Intermediate CA")},
		{name: "openssl ecparam output and text around blocks",
			in: KeyPairInput{CertPEM: cat([]byte("subject=CN=app.example.com\n"), pemCerts(p.leaf, p.inter)),
				KeyPEM: cat([]byte("Bag Attributes\n"), pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8, 42, 134, 72, 206, 61, 3, 1, 7}}), key)}},
		{name: "DER certificate and key", in: KeyPairInput{CertPEM: p.leaf.cert.Raw, KeyPEM: keyBlock(t, p.leaf.key, "pkcs8").Bytes},
			notes: []string{"converted the binary (DER)"}, warnings: []string{"only the server certificate"}},
		{name: "renewal with the same key: newest wins", in: KeyPairInput{CertPEM: pemCerts(p.leaf, renewed, p.inter), KeyPEM: key},
			warnings: []string{"left out \"app.example.com\""}, check: func(t *testing.T, kp *KeyPair) {
				if !kp.Leaf.Equal(renewed.cert) {
					t.Error("served the older certificate")
				}
			}},
		{name: "client certificate", in: KeyPairInput{CertPEM: pemCerts(clientCert, p.inter), KeyPEM: key}, warnings: []string{"lacks serverAuth"}},
		{name: "1024-bit RSA key warns", in: KeyPairInput{CertPEM: pemCerts(rsa1024, p.inter), KeyPEM: keyPEM(t, rsa1024.key, "pkcs1")},
			warnings: []string{"RSA key has 1024 bits"}},
		{name: "extra block is reported", in: KeyPairInput{CertPEM: cat(pemCerts(p.leaf, p.inter), csr), KeyPEM: key}, warnings: []string{"ignored a CERTIFICATE REQUEST block"}},
		{name: "empty cert file", in: KeyPairInput{CertPEM: []byte(" \n"), KeyPEM: key}, kind: KindEmpty, msg: []string{"cert.pem: the file is empty"}, hint: "path"},
		{name: "empty key file", in: KeyPairInput{CertPEM: combined, KeyPEM: nil}, kind: KindEmpty, msg: []string{"key.pem: "}},
		{name: "garbage cert file", in: KeyPairInput{CertPEM: []byte("hello, I am not a certificate"), KeyPEM: key},
			kind: KindBadPEM, msg: []string{"cert.pem: neither PEM nor"}, hint: "openssl pkcs12"},
		{name: "damaged PEM block", in: KeyPairInput{CertPEM: cat(pemCerts(p.leaf), broken), KeyPEM: key},
			kind: KindBadPEM, msg: []string{"cert.pem: 1 PEM block(s) are damaged"}, hint: "-----END"},
		{name: "unparseable certificate", in: KeyPairInput{CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 3, 1, 1, 0}}), KeyPEM: key},
			kind: KindBadPEM, msg: []string{"PEM block 1 (CERTIFICATE) cannot be read"}},
		{name: "CSR instead of certificate", in: KeyPairInput{CertPEM: csr, KeyPEM: key},
			kind: KindNoCertificate, msg: []string{"cert.pem: no certificate"}, hint: "signing request"},
		{name: "key only everywhere", in: KeyPairInput{CertPEM: key, KeyPEM: key},
			kind: KindNoCertificate, hint: "private key only"},
	})
}
