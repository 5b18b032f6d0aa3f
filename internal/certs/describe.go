package certs

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"math"
	"time"
)

// Info is what `appsmith tls status` shows of a certificate; the JSON names
// are part of the --json output that scripts read.
type Info struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	SANs      []string  `json:"sans"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DaysLeft  int       `json:"days_left"` // whole days; negative once expired
	IsCA      bool      `json:"is_ca"`
	SHA256    string    `json:"sha256"` // lower-case hex of the DER, as `openssl x509 -fingerprint -sha256` without colons
}

// Describe summarises c as of now.
func Describe(c *x509.Certificate, now time.Time) Info {
	sans := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		sans = append(sans, ip.String())
	}
	return Info{
		Subject:   c.Subject.String(),
		Issuer:    c.Issuer.String(),
		SANs:      sans,
		NotBefore: c.NotBefore.UTC(),
		NotAfter:  c.NotAfter.UTC(),
		DaysLeft:  daysLeft(c, now),
		IsCA:      c.BasicConstraintsValid && c.IsCA,
		SHA256:    fingerprint(c),
	}
}

// daysLeft rounds down, so "0 days" means "today" and an expired
// certificate is never shown with days left.
func daysLeft(c *x509.Certificate, now time.Time) int {
	return int(math.Floor(c.NotAfter.Sub(now).Hours() / 24))
}

func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// day formats a date for messages in UTC, the way certificates state them.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
