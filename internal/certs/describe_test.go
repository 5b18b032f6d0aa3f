package certs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		name     string
		c        *issued
		at       time.Time
		daysLeft int
		isCA     bool
	}{
		{name: "leaf, a year left", c: p.leaf, at: now, daysLeft: 365},
		{name: "root", c: p.root, at: now, daysLeft: 365, isCA: true},
		{name: "half a day left rounds down", c: p.leaf, at: p.leaf.cert.NotAfter.Add(-12 * time.Hour), daysLeft: 0},
		{name: "expired yesterday", c: p.leaf, at: p.leaf.cert.NotAfter.Add(25 * time.Hour), daysLeft: -2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := Describe(tc.c.cert, tc.at)
			sum := sha256.Sum256(tc.c.cert.Raw)
			if info.DaysLeft != tc.daysLeft || info.IsCA != tc.isCA || info.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("got %+v", info)
			}
			if info.Subject != tc.c.cert.Subject.String() || info.Issuer != tc.c.cert.Issuer.String() {
				t.Errorf("subject/issuer = %q / %q", info.Subject, info.Issuer)
			}
		})
	}
	info := Describe(p.leaf.cert, now)
	if len(info.SANs) != 1 || info.SANs[0] != "app.example.com" {
		t.Errorf("SANs = %q", info.SANs)
	}
	js, _ := json.Marshal(info)
	for _, k := range []string{`"subject"`, `"sans"`, `"not_after"`, `"days_left"`, `"is_ca"`, `"sha256"`} {
		if !strings.Contains(string(js), k) {
			t.Errorf("JSON lacks %s: %s", k, js)
		}
	}
}

func TestReadPEMCerts(t *testing.T) {
	p := newPKI(t)
	for _, tc := range []struct {
		name string
		data []byte
		n    int    // certificates expected
		err  string // "" = success
	}{
		{name: "fullchain", data: pemCerts(p.leaf, p.inter), n: 2},
		{name: "key blocks are skipped", data: cat(keyPEM(t, p.leaf.key, "pkcs8"), pemCerts(p.leaf)), n: 1},
		{name: "no certificate", data: keyPEM(t, p.leaf.key, "pkcs8"), err: "no PEM certificate"},
		{name: "empty", data: nil, err: "no PEM certificate"},
		{name: "damaged", data: []byte("-----BEGIN CERTIFICATE-----\n%%%\n-----END CERTIFICATE-----\n"), err: "damaged"},
		{name: "bad DER", data: []byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"), err: "PEM block 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadPEMCerts(tc.data)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(got) != tc.n {
				t.Fatalf("got %d certs, %v; want %d", len(got), err, tc.n)
			}
		})
	}
}
