package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// pemBlocks splits data into PEM blocks. pem.Decode silently skips a block
// it cannot decode (bad base64, missing END line), so the BEGIN lines are
// counted too: a file that lost a block must not pass as a shorter file.
func pemBlocks(data []byte) (blocks []*pem.Block, damaged int) {
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		blocks = append(blocks, b)
	}
	if n := bytes.Count(data, []byte("-----BEGIN ")); n > len(blocks) {
		damaged = n - len(blocks)
	}
	return blocks, damaged
}

func damagedErr(file string, n int) *Error {
	return fail(KindBadPEM, file,
		fmt.Sprintf("%d PEM block(s) are damaged (bad base64 or a missing -----END----- line)", n),
		"export the file again, or check it in a text editor: each -----BEGIN X----- needs its -----END X----- and only base64 between them")
}

// isCertBlock reports the block types that hold one certificate: the
// standard one, an old OpenSSL spelling, and OpenSSL's -trustout form.
func isCertBlock(t string) bool {
	return t == "CERTIFICATE" || t == "X509 CERTIFICATE" || t == "TRUSTED CERTIFICATE"
}

func isKeyBlock(t string) bool { return strings.HasSuffix(t, "PRIVATE KEY") }

func parseCertBlock(b *pem.Block) (*x509.Certificate, error) {
	der := b.Bytes
	if b.Type == "TRUSTED CERTIFICATE" {
		// OpenSSL appends its trust settings after the certificate; the
		// certificate is the first DER value and the settings are not ours
		// to keep (the container decides trust by where the file is).
		var raw asn1.RawValue
		if _, err := asn1.Unmarshal(der, &raw); err != nil {
			return nil, err
		}
		der = raw.FullBytes
	}
	return x509.ParseCertificate(der)
}

// certPEM is the canonical encoding we write: no headers, no text around it,
// so what lands on disk is exactly the certificate.
func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// ReadPEMCerts reads the certificates back from a file this package
// produced (ssl/fullchain.pem, ca-certs/*.crt). Other block types are
// skipped; a damaged block or no certificate at all is an error, which the
// caller prefixes with the path it read.
func ReadPEMCerts(data []byte) ([]*x509.Certificate, error) {
	blocks, damaged := pemBlocks(data)
	if damaged > 0 {
		return nil, fmt.Errorf("%d PEM block(s) are damaged", damaged)
	}
	var out []*x509.Certificate
	for i, b := range blocks {
		if !isCertBlock(b.Type) {
			continue
		}
		c, err := parseCertBlock(b)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", i+1, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no PEM certificate found")
	}
	return out, nil
}

// blank reports a file with nothing but whitespace, which deserves "empty"
// rather than "not a certificate": it is usually a failed copy or redirect.
func blank(data []byte) bool { return len(bytes.TrimSpace(data)) == 0 }

// notPEMHint covers the formats people most often mistake for PEM.
func notPEMHint(file string) string {
	f := sh(file)
	return "convert it to PEM first: from .pfx/.p12 with `openssl pkcs12 -in " + f + " -nodes -out converted.pem`, " +
		"from .p7b with `openssl pkcs7 -print_certs -in " + f + " -out converted.pem`"
}
