package certs

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// contents is what one input file holds, sorted by what it is. People mix
// files up (a combined cert+key PEM, --cert and --key swapped, a binary
// export), so both files are read the same way and pooled.
type contents struct {
	file    string
	certs   []*x509.Certificate
	keys    []*pem.Block
	derKey  *privKey // a binary key file, already parsed
	others  []string // block types we do not use, for messages
	wasDER  bool
	hasCSR  bool
	hasPEM7 bool
}

func readContents(file string, data []byte) (*contents, error) {
	c := &contents{file: file}
	if blank(data) {
		return nil, fail(KindEmpty, file, "the file is empty", "check the path; a failed download or copy often leaves an empty file")
	}
	blocks, damaged := pemBlocks(data)
	if damaged > 0 {
		return nil, damagedErr(file, damaged)
	}
	if len(blocks) == 0 {
		return c, c.readDER(data)
	}
	for i, b := range blocks {
		switch {
		case isCertBlock(b.Type):
			cert, err := parseCertBlock(b)
			if err != nil {
				return nil, fail(KindBadPEM, file, fmt.Sprintf("PEM block %d (%s) cannot be read: %v", i+1, b.Type, err),
					"export the certificate again; if it is old, its CA may have encoded it in a way current software refuses")
			}
			c.certs = append(c.certs, cert)
		case isKeyBlock(b.Type):
			c.keys = append(c.keys, b)
		case b.Type == "EC PARAMETERS":
			// `openssl ecparam -genkey` writes the curve before the key;
			// the key block names the curve again, so this is redundant.
		default:
			c.hasCSR = c.hasCSR || strings.Contains(b.Type, "CERTIFICATE REQUEST")
			c.hasPEM7 = c.hasPEM7 || b.Type == "PKCS7"
			c.others = append(c.others, b.Type)
		}
	}
	return c, nil
}

// readDER accepts a binary (DER) certificate or key, as Windows and Java
// tools export them; we write PEM either way.
func (c *contents) readDER(data []byte) error {
	if certs, err := x509.ParseCertificates(data); err == nil && len(certs) > 0 {
		c.certs, c.wasDER = certs, true
		return nil
	}
	if k, err := readKeyDER(c.file, data); err == nil {
		c.derKey, c.wasDER = k, true
		return nil
	} else if e, ok := err.(*Error); ok {
		return e
	}
	return fail(KindBadPEM, c.file, "neither PEM nor a binary (DER) certificate or key", notPEMHint(c.file))
}

// whatElse explains a file that lacks what we looked for, from what it
// does hold: the mix-ups people make have recognisable contents.
func (c *contents) whatElse(want string) string {
	switch {
	case c.hasCSR:
		return "it holds a certificate signing request (CSR), which is what you sent the CA; pass the certificate the CA sent back"
	case c.hasPEM7:
		return "it is PKCS#7; " + notPEMHint(c.file)
	case want == "key" && len(c.certs) > 0:
		return "it holds certificates only: pass the file with -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY) with --key; are --cert and --key swapped?"
	case want == "certificate" && (len(c.keys) > 0 || c.derKey != nil):
		return "it holds a private key only: pass the certificate the CA sent with --cert; are --cert and --key swapped?"
	case len(c.keys) > 0 || c.derKey != nil:
		return "it holds a private key only: trusting a CA needs its certificate, never its key"
	case len(c.others) > 0:
		return "it holds only " + strings.Join(c.others, ", ") + " blocks; pass the PEM " + want
	}
	return "pass the PEM " + want + " file"
}

// uniqueCerts merges the certificates of both files in order, dropping
// exact copies: passing one combined file as both --cert and --key is fine.
func uniqueCerts(files ...*contents) []*x509.Certificate {
	var out []*x509.Certificate
	for _, f := range files {
	next:
		for _, c := range f.certs {
			for _, seen := range out {
				if seen.Equal(c) {
					continue next
				}
			}
			out = append(out, c)
		}
	}
	return out
}
