package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/youmark/pkcs8"
)

// privKey is a usable private key and the PEM we will write for it.
type privKey struct {
	signer    crypto.Signer
	pem       []byte
	file      string
	decrypted bool
}

func plainKeyHint(file string) string {
	return "decrypt it first with `openssl pkey -in " + sh(file) + " -out key-plain.pem` (it asks for the passphrase) and pass --key key-plain.pem"
}

// readKeyBlock turns one PEM key block into a usable key.
//
// The key keeps its PEM type (PKCS#1, SEC1 or PKCS#8): Caddy loads the pair
// with tls.X509KeyPair, which reads all three, and an unchanged type keeps
// the installed file comparable with the one the person has.
func readKeyBlock(file string, b *pem.Block, passphrase []byte) (*privKey, error) {
	der := b.Bytes
	decrypted := false
	if b.Type == "ENCRYPTED PRIVATE KEY" {
		// Encrypted PKCS#8 (PBES2) is what OpenSSL 3 writes by default; the
		// standard library has no decoder for it, youmark/pkcs8 does.
		if passphrase == nil {
			return nil, fail(KindEncryptedKey, file,
				"the private key is encrypted (PKCS#8) and Caddy cannot use an encrypted key",
				"pass --key-passphrase-file FILE (a file holding the passphrase): the installer decrypts the key and installs it with mode 0600")
		}
		key, err := pkcs8.ParsePKCS8PrivateKey(der, passphrase)
		if err != nil {
			if strings.Contains(err.Error(), "password") || strings.Contains(err.Error(), "decrypt") {
				return nil, badPassphrase(file)
			}
			return nil, fail(KindEncryptedKey, file, "cannot decrypt the PKCS#8 private key: "+err.Error(), plainKeyHint(file))
		}
		if der, err = x509.MarshalPKCS8PrivateKey(key); err != nil {
			return nil, unsupported(fmt.Sprintf("%T", key))
		}
		b = &pem.Block{Type: "PRIVATE KEY"}
		decrypted = true
	}
	// Legacy "Proc-Type: 4,ENCRYPTED" PEM is what `openssl genrsa -aes256`
	// and many CA portals still hand out. Go deprecated it because
	// unauthenticated CBC allows padding-oracle attacks, which need an
	// attacker feeding ciphertexts to a decryptor many times; here the owner
	// decrypts their own file once, locally, to give Caddy the plaintext key
	// it requires.
	if !decrypted && x509.IsEncryptedPEMBlock(b) || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED") { //nolint:staticcheck // legacy PEM, see above
		if passphrase == nil {
			return nil, fail(KindEncryptedKey, file,
				"the private key is encrypted (password-protected) and Caddy cannot use an encrypted key",
				"pass --key-passphrase-file FILE (a file holding the passphrase): the installer decrypts the key and installs it with mode 0600")
		}
		var err error
		der, err = x509.DecryptPEMBlock(b, passphrase) //nolint:staticcheck // legacy PEM, see above
		if errors.Is(err, x509.IncorrectPasswordError) {
			return nil, badPassphrase(file)
		}
		if err != nil {
			return nil, fail(KindEncryptedKey, file, "cannot decrypt the private key: "+err.Error(), plainKeyHint(file))
		}
		decrypted = true
	}
	signer, err := parseKeyDER(b.Type, der)
	if e, ok := err.(*Error); ok {
		e.File = file
		return nil, e
	}
	if err != nil {
		if decrypted {
			// The legacy format has no integrity check: about one wrong
			// passphrase in 256 gets past the padding check and yields
			// garbage that only the key parser notices.
			return nil, badPassphrase(file)
		}
		return nil, fail(KindBadPEM, file, "cannot read the "+b.Type+": "+err.Error(),
			"export the key again as PEM (`openssl pkey -in "+sh(file)+" -out key.pem`)")
	}
	out := pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: der})
	return &privKey{signer: signer, pem: out, file: file, decrypted: decrypted}, nil
}

func badPassphrase(file string) *Error {
	return fail(KindBadPassphrase, file, "the passphrase does not decrypt the private key",
		"check the passphrase file: only its first line is used, without the line break")
}

// readKeyDER accepts a binary key file, trying the three encodings in the
// order they are most common; we write it back as PEM of the type it was.
func readKeyDER(file string, der []byte) (*privKey, error) {
	var last error
	for _, t := range []string{"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"} {
		signer, err := parseKeyDER(t, der)
		if err == nil {
			return &privKey{signer: signer, pem: pem.EncodeToMemory(&pem.Block{Type: t, Bytes: der}), file: file}, nil
		}
		if e, ok := err.(*Error); ok {
			e.File = file
			return nil, e
		}
		last = err
	}
	return nil, last
}

// parseKeyDER returns a key Caddy can serve, or an *Error of kind
// unsupported-key (without File) for a key it cannot.
func parseKeyDER(pemType string, der []byte) (crypto.Signer, error) {
	var key any
	var err error
	switch pemType {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(der)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(der)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "OPENSSH PRIVATE KEY":
		return nil, fail(KindUnsupportedKey, "", "this is an SSH key, not a TLS key",
			"pass the key that was generated with the certificate's signing request")
	default:
		return nil, unsupported(pemType)
	}
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		// Parsing accepts any size, but Go (and so Caddy) refuses to sign
		// with fewer than 1024 bits: the pair would load and every
		// handshake fail.
		if bits := k.N.BitLen(); bits < 1024 {
			return nil, unsupported(fmt.Sprintf("RSA key of %d bits (Caddy refuses keys under 1024 bits)", bits))
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		// TLS signs only with these curves; Go parses P-224 keys but no
		// client will accept a signature made with one.
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return k, nil
		}
		return nil, unsupported("ECDSA " + k.Curve.Params().Name + " key")
	case *ecdh.PrivateKey:
		return nil, unsupported("X25519 key (it can agree on keys but not sign)")
	}
	return nil, unsupported(fmt.Sprintf("%T", key))
}

func unsupported(what string) *Error {
	return fail(KindUnsupportedKey, "", "unsupported private key: "+what,
		"use an RSA (2048 bits or more), ECDSA P-256/P-384/P-521 or Ed25519 key")
}

// firstLine applies openssl's -passin file: rule, so a passphrase file
// written by an editor (with a final newline) works as people expect.
func firstLine(p []byte) []byte {
	if p == nil {
		return nil
	}
	if i := bytes.IndexAny(p, "\r\n"); i >= 0 {
		p = p[:i]
	}
	return p
}

// matches reports whether key is the private half of c's public key.
func matches(c *x509.Certificate, key crypto.Signer) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(c.PublicKey)
}
