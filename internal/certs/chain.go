package certs

import (
	"bytes"
	"crypto/x509"
	"fmt"
)

// chainResult is the served chain and what was left out of it, and why.
type chainResult struct {
	chain    []*x509.Certificate // leaf first, then each issuer in turn
	root     *x509.Certificate   // a self-signed issuer found in the input, left out
	unused   []*x509.Certificate // certificates that are not on the leaf's path
	warnings []string
}

// buildChain walks from the leaf up through the other certificates, each
// step to the certificate that issued the previous one, so the input order
// does not matter. It never fails: a short chain is still servable, and
// what looks wrong becomes a warning.
func buildChain(leaf *x509.Certificate, others []*x509.Certificate) chainResult {
	r := chainResult{chain: []*x509.Certificate{leaf}}
	pool := append([]*x509.Certificate(nil), others...)
	cur := leaf
	for !selfSigned(cur) {
		i, sigErr := findIssuer(cur, pool)
		if i < 0 {
			break
		}
		issuer := pool[i]
		pool = append(pool[:i], pool[i+1:]...)
		if sigErr != nil {
			r.warnings = append(r.warnings, fmt.Sprintf("the signature of %s does not verify against %s (%v): clients will reject the chain",
				name(cur), name(issuer), sigErr))
		}
		if selfSigned(issuer) {
			// A root is a trust anchor: a client trusts it because it
			// already has it, so sending it cannot help and costs bytes in
			// every handshake.
			r.root = issuer
			break
		}
		r.chain = append(r.chain, issuer)
		cur = issuer
	}
	r.unused = pool
	if len(r.chain) == 1 && r.root == nil && !selfSigned(leaf) {
		r.warnings = append(r.warnings, fmt.Sprintf(
			"the file has only the server certificate, issued by %s: if that is an intermediate CA, append its certificate, "+
				"or curl, Java and mobile apps will fail even where browsers work", leaf.Issuer.String()))
	}
	return r
}

// findIssuer returns the index in pool of the certificate that issued c, by
// name and, when both carry them, by key identifier. Among several (a
// re-keyed intermediate keeps its name) it prefers one whose signature
// verifies; sigErr is set when none does.
func findIssuer(c *x509.Certificate, pool []*x509.Certificate) (idx int, sigErr error) {
	idx = -1
	for i, p := range pool {
		if !bytes.Equal(c.RawIssuer, p.RawSubject) {
			continue
		}
		if len(c.AuthorityKeyId) > 0 && len(p.SubjectKeyId) > 0 && !bytes.Equal(c.AuthorityKeyId, p.SubjectKeyId) {
			continue
		}
		err := c.CheckSignatureFrom(p)
		if err == nil {
			return i, nil
		}
		if idx < 0 {
			idx, sigErr = i, err
		}
	}
	return idx, sigErr
}

// selfSigned is judged by names and key identifiers alone: old roots are
// often signed with SHA-1, which Go refuses to verify, yet they are roots.
func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	return len(c.AuthorityKeyId) == 0 || len(c.SubjectKeyId) == 0 || bytes.Equal(c.AuthorityKeyId, c.SubjectKeyId)
}

// inInputOrder reports whether the chain already appeared leaf first and in
// issuing order in the input, so the note about reordering is only made
// when we actually changed something.
func inInputOrder(chain, input []*x509.Certificate) bool {
	last := -1
	for _, c := range chain {
		pos := -1
		for i, in := range input {
			if in.Equal(c) {
				pos = i
				break
			}
		}
		if pos < last {
			return false
		}
		last = pos
	}
	return true
}

// name is how a certificate is called in messages: its CN when it has one.
func name(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return fmt.Sprintf("%q", c.Subject.CommonName)
	}
	return fmt.Sprintf("%q", c.Subject.String())
}
