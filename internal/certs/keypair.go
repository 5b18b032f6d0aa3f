package certs

import (
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"time"
)

// KeyPairInput is what the person gave for a custom certificate. The file
// names are only used in messages; the caller reads the files.
type KeyPairInput struct {
	CertFile   string
	CertPEM    []byte
	KeyFile    string
	KeyPEM     []byte
	Passphrase []byte    // contents of --key-passphrase-file (first line used), nil if not given
	Domain     string    // "" = the certificate's only host name
	Now        time.Time // zero = time.Now()
}

// KeyPair is a validated pair, ready to be written.
type KeyPair struct {
	Domain       string              // ASCII (punycode) form, for APPSMITH_CUSTOM_DOMAIN
	Leaf         *x509.Certificate   // the certificate the key belongs to
	Chain        []*x509.Certificate // leaf first, then intermediates in issuing order; no root
	FullchainPEM []byte              // for ssl/fullchain.pem: certificates only, never the key
	PrivkeyPEM   []byte              // for ssl/privkey.pem: unencrypted, in the key's own PEM type
	Notes        []string            // repairs we made, to be shown so nothing happens silently
	Warnings     []string            // servable, but someone will have a problem
}

// warnDays is how early an expiry is worth a warning: a monthly look at
// `appsmith tls status` still catches it.
const warnDays = 30

// LoadKeyPair checks a certificate and key the way Caddy and clients will,
// and returns what to write. Any *Error it returns names the file and the
// next thing to do.
func LoadKeyPair(in KeyPairInput) (*KeyPair, error) {
	now := in.Now
	if now.IsZero() {
		now = time.Now()
	}
	certIn, err := readContents(in.CertFile, in.CertPEM)
	if err != nil {
		return nil, err
	}
	keyIn, err := readContents(in.KeyFile, in.KeyPEM)
	if err != nil {
		return nil, err
	}
	kp := &KeyPair{}
	// The key file is searched first so that a combined file passed as
	// --cert does not win over the key the person named.
	keys, err := usableKeys(keyIn, certIn, firstLine(in.Passphrase))
	if err != nil {
		return nil, err
	}
	certs := uniqueCerts(certIn, keyIn)
	if len(certs) == 0 {
		return nil, fail(KindNoCertificate, in.CertFile, "no certificate found", certIn.whatElse("certificate"))
	}
	leaf, key := pickLeaf(certs, keys)
	if leaf == nil {
		return nil, fail(KindKeyMismatch, in.KeyFile,
			fmt.Sprintf("the private key does not belong to any certificate in %s (server certificate: %s)", in.CertFile, name(certs[0])),
			"pass the key generated together with this certificate's signing request; compare `openssl x509 -noout -pubkey -in "+
				sh(in.CertFile)+"` with `openssl pkey -pubout -in "+sh(in.KeyFile)+"`")
	}
	if err := checkDates(leaf, now, in.CertFile); err != nil {
		return nil, err
	}
	kp.Domain, err = domainAndNote(kp, leaf, in.Domain, in.CertFile)
	if err != nil {
		return nil, err
	}
	kp.Leaf, kp.PrivkeyPEM = leaf, key.pem
	others := make([]*x509.Certificate, 0, len(certs))
	for _, c := range certs {
		if c != leaf {
			others = append(others, c)
		}
	}
	ch := buildChain(leaf, others)
	kp.Chain = ch.chain
	for _, c := range kp.Chain {
		kp.FullchainPEM = append(kp.FullchainPEM, certPEM(c)...)
	}
	kp.explain(in, certIn, keyIn, key, certs, ch, now)
	return kp, nil
}

func domainAndNote(kp *KeyPair, leaf *x509.Certificate, domain, certFile string) (string, error) {
	d, note, err := checkDomain(leaf, domain, certFile)
	if note != "" {
		kp.Notes = append(kp.Notes, note)
	}
	return d, err
}

// usableKeys reads every key block of both files. A key that cannot be used
// is only fatal when no other key can be: its error is then the best
// explanation we have.
func usableKeys(keyIn, certIn *contents, passphrase []byte) ([]*privKey, error) {
	var keys []*privKey
	var firstErr error
	for _, f := range []*contents{keyIn, certIn} {
		if f.derKey != nil {
			keys = append(keys, f.derKey)
		}
		for _, b := range f.keys {
			k, err := readKeyBlock(f.file, b, passphrase)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		return keys, nil
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, fail(KindNoKey, keyIn.file, "no private key found", keyIn.whatElse("key"))
}

// pickLeaf finds the certificate the key belongs to, wherever it is in the
// files. A renewal often keeps the key, so several may match: the latest
// one wins.
func pickLeaf(certs []*x509.Certificate, keys []*privKey) (*x509.Certificate, *privKey) {
	for _, k := range keys {
		var best *x509.Certificate
		for _, c := range certs {
			if matches(c, k.signer) && (best == nil || c.NotAfter.After(best.NotAfter)) {
				best = c
			}
		}
		if best != nil {
			return best, k
		}
	}
	return nil, nil
}

func checkDates(leaf *x509.Certificate, now time.Time, file string) error {
	span := fmt.Sprintf("(valid %s to %s)", day(leaf.NotBefore), day(leaf.NotAfter))
	switch {
	case now.After(leaf.NotAfter):
		return fail(KindExpired, file, fmt.Sprintf("the certificate for %s expired on %s %s", name(leaf), day(leaf.NotAfter), span),
			"renew it with your CA and pass the new certificate; or use --tls letsencrypt to have Caddy renew automatically")
	case now.Before(leaf.NotBefore):
		return fail(KindNotYetValid, file, fmt.Sprintf("the certificate for %s is not valid before %s %s", name(leaf), leaf.NotBefore.UTC().Format(time.RFC3339), span),
			"wait until then, or check this host's clock with `date -u` (a wrong clock makes every certificate look wrong)")
	}
	return nil
}

// explain records the repairs (notes) and the risks (warnings), so the
// person sees everything that differs from what they gave.
func (kp *KeyPair) explain(in KeyPairInput, certIn, keyIn *contents, key *privKey, certs []*x509.Certificate, ch chainResult, now time.Time) {
	note := func(f string, a ...any) { kp.Notes = append(kp.Notes, fmt.Sprintf(f, a...)) }
	warn := func(f string, a ...any) { kp.Warnings = append(kp.Warnings, fmt.Sprintf(f, a...)) }
	if key.file != in.KeyFile {
		note("used the private key found in %s", key.file)
		if len(keyIn.keys) > 0 || keyIn.derKey != nil {
			warn("the private key in %s belongs to none of the certificates; used the one in %s", in.KeyFile, key.file)
		}
	}
	if key.decrypted {
		note("decrypted the key with the passphrase (Caddy needs it unencrypted; it is installed with mode 0600)")
	} else if in.Passphrase != nil {
		note("the key is not encrypted: the passphrase was not needed")
	}
	if certIn.wasDER || keyIn.wasDER {
		note("converted the binary (DER) input to PEM")
	}
	if !inInputOrder(ch.chain, certs) {
		note("reordered the chain: server certificate first, then each issuer (Caddy and clients need this order)")
	}
	if ch.root != nil {
		note("left out the root CA %s: clients already have it (that is what makes them trust it), so sending it only slows every handshake", name(ch.root))
	}
	for _, c := range ch.unused {
		warn("left out %s: it is not part of the chain of %s", name(c), name(kp.Leaf))
	}
	kp.Warnings = append(kp.Warnings, ch.warnings...)
	if d := daysLeft(kp.Leaf, now); d < warnDays {
		warn("the certificate expires in %d days (%s): renew it soon and run `appsmith tls use-cert` again", d, day(kp.Leaf.NotAfter))
	}
	for _, c := range kp.Chain[1:] {
		if now.After(c.NotAfter) {
			warn("intermediate %s expired on %s: get the current one from your CA", name(c), day(c.NotAfter))
		}
	}
	if k, ok := key.signer.(*rsa.PrivateKey); ok && k.N.BitLen() < 2048 {
		warn("the RSA key has %d bits: public CAs and many clients require 2048 or more", k.N.BitLen())
	}
	if selfSigned(kp.Leaf) {
		warn("the certificate is self-signed: browsers will warn until it is trusted on each client")
	}
	if !serverAuth(kp.Leaf) {
		warn("the certificate is not for TLS servers (its extended key usage lacks serverAuth): browsers will refuse it")
	}
	for _, t := range append(certIn.others, keyIn.others...) {
		warn("ignored a %s block", t)
	}
}

func serverAuth(c *x509.Certificate) bool {
	if len(c.ExtKeyUsage) == 0 {
		return true
	}
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageServerAuth || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}
