package install

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/certs"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// TLS modes (APPSMITH.md "TLS and CA roots"), as appsmith.yaml records them.
const (
	TLSNone        = state.TLSNone
	TLSLetsEncrypt = state.TLSLetsEncrypt
	TLSCustom      = state.TLSCustom
	TLSProxy       = state.TLSProxy
	// TLSKeep leaves an existing install's TLS files and domain as they are:
	// what a re-run does unless TLS options are given (changes go through
	// `appsmith tls`, which restarts and rolls back).
	TLSKeep = "keep"
)

// normalizeTLS derives the mode from the other TLS options when it is not
// given, and refuses combinations the container would misread.
func (o *Options) normalizeTLS() *FieldError {
	if o.TLS == "" {
		switch {
		case o.Cert != "" || o.Key != "":
			o.TLS = TLSCustom
		case o.Domain != "":
			o.TLS = TLSLetsEncrypt
		default:
			o.TLS = TLSNone
		}
	}
	for _, p := range []*string{&o.Cert, &o.Key, &o.KeyPassphraseFile} {
		if *p != "" {
			*p, _ = filepath.Abs(*p)
		}
	}
	for i := range o.CACerts {
		o.CACerts[i], _ = filepath.Abs(o.CACerts[i])
	}
	switch o.TLS {
	case TLSKeep:
		if o.Domain != "" || o.Cert != "" || o.Key != "" {
			return &FieldError{Field: "tls", Value: o.TLS, Reason: "keep takes no --domain, --cert or --key"}
		}
	case TLSNone, TLSProxy:
		if o.Domain != "" {
			why := "a domain makes Appsmith serve HTTPS itself: use --tls letsencrypt or --tls custom"
			if o.TLS == TLSProxy {
				why = "behind a proxy Appsmith must not know the domain (APPSMITH_CUSTOM_DOMAIN makes it redirect to HTTPS, and the proxy loops)"
			}
			return &FieldError{Field: "domain", Value: o.Domain, Reason: why}
		}
		if o.Cert != "" || o.Key != "" {
			return &FieldError{Field: "cert", Value: o.Cert, Reason: "a certificate needs --tls custom"}
		}
	case TLSLetsEncrypt:
		if o.Domain == "" {
			return &FieldError{Field: "domain", Reason: "--tls letsencrypt needs the domain that points at this machine (on Kubernetes: at the cluster's ingress)"}
		}
		if o.Cert != "" || o.Key != "" {
			return &FieldError{Field: "cert", Value: o.Cert, Reason: "Let's Encrypt issues the certificate: drop --cert/--key, or use --tls custom"}
		}
	case TLSCustom:
		if o.Cert == "" {
			return &FieldError{Field: "cert", Reason: "--tls custom needs --cert (PEM certificate chain) and --key"}
		}
		if o.Key == "" {
			return &FieldError{Field: "key", Reason: "--tls custom needs --key (PEM private key)"}
		}
	default:
		return &FieldError{Field: "tls", Value: o.TLS, Reason: "want none, letsencrypt, custom or proxy"}
	}
	if o.Domain != "" {
		ascii, err := certs.ValidDomain(o.Domain)
		if err != nil {
			return &FieldError{Field: "domain", Value: o.Domain, Reason: err.Error()}
		}
		o.Domain = ascii
	}
	return nil
}

// TLSMaterial is the TLS input, read and checked, ready to be written.
type TLSMaterial = certs.Material

// LoadTLS reads and validates every TLS file the options name, before
// anything is written. Errors are *FieldError naming the flag and file.
func LoadTLS(o Options, now time.Time) (*TLSMaterial, error) {
	m := &TLSMaterial{}
	if o.TLS == TLSCustom {
		in := certs.KeyPairInput{CertFile: o.Cert, KeyFile: o.Key, Domain: o.Domain, Now: now}
		var err error
		if in.CertPEM, err = os.ReadFile(o.Cert); err != nil {
			return nil, &FieldError{Field: "cert", Value: o.Cert, Reason: err.Error()}
		}
		if in.KeyPEM, err = os.ReadFile(o.Key); err != nil {
			return nil, &FieldError{Field: "key", Value: o.Key, Reason: err.Error()}
		}
		if o.KeyPassphraseFile != "" {
			pass, err := os.ReadFile(o.KeyPassphraseFile)
			if err != nil {
				return nil, &FieldError{Field: "key-passphrase-file", Value: o.KeyPassphraseFile, Reason: err.Error()}
			}
			in.Passphrase = bytes.TrimRight(pass, "\r\n")
		}
		kp, err := certs.LoadKeyPair(in)
		if err != nil {
			return nil, certFieldError(err, o)
		}
		m.KeyPair = kp
		m.Notes = append(m.Notes, kp.Notes...)
		m.Warnings = append(m.Warnings, kp.Warnings...)
	}
	seen := map[string]bool{}
	for _, f := range o.CACerts {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, &FieldError{Field: "ca-cert", Value: f, Reason: err.Error()}
		}
		cas, warns, err := certs.ParseCAFile(f, data, now)
		if err != nil {
			return nil, certFieldError(err, o)
		}
		for _, ca := range cas {
			name := ca.Name
			for i := 2; seen[name]; i++ {
				name = fmt.Sprintf("%s-%d.crt", strings.TrimSuffix(ca.Name, ".crt"), i)
			}
			seen[name], ca.Name = true, name
			m.CAs = append(m.CAs, ca)
		}
		m.Warnings = append(m.Warnings, warns...)
	}
	return m, nil
}

// certFieldError names the flag that brought the bad file, and keeps the
// certs package's hint in the reason.
func certFieldError(err error, o Options) error {
	var ce *certs.Error
	if !errors.As(err, &ce) {
		return err
	}
	field := "cert"
	switch {
	case ce.File == o.Key:
		field = "key"
	case ce.Kind == "bad-passphrase":
		field = "key-passphrase-file"
	case ce.File != o.Cert:
		field = "ca-cert"
	case ce.Kind == "san-mismatch":
		field = "domain"
	}
	reason := ce.Msg
	if ce.Hint != "" {
		reason += " (" + ce.Hint + ")"
	}
	value := ce.File
	if field == "domain" {
		value = o.Domain // the domain that does not match, not the certificate's path
	}
	return &FieldError{Field: field, Value: value, Reason: reason}
}

// writeTLS writes the certificate pair and CA roots into the stacks.
func writeTLS(l stacks.Layout, m *TLSMaterial, stamp string) error {
	return instance.WriteTLS(l, m, stamp)
}

// tlsDiffers lists what an existing install would have to change to match
// the TLS options; an install never makes those changes itself.
func tlsDiffers(o Options, m *TLSMaterial, l stacks.Layout, env *stacks.EnvFile) []string {
	if o.TLS == TLSKeep {
		return nil
	}
	var diffs []string
	current, _ := env.Get(stacks.KeyCustomDomain)
	want := ""
	if o.TLS == TLSLetsEncrypt || o.TLS == TLSCustom {
		want = o.Domain
		if m != nil && m.KeyPair != nil {
			want = m.KeyPair.Domain
		}
	}
	if current != want {
		diffs = append(diffs, fmt.Sprintf("domain %q (installed: %q)", want, current))
	}
	if m != nil && m.KeyPair != nil {
		if old, err := os.ReadFile(l.FullchainPEM()); err != nil || !bytes.Equal(old, m.KeyPair.FullchainPEM) {
			diffs = append(diffs, "the certificate")
		}
	}
	if m != nil {
		for _, ca := range m.CAs {
			if old, err := os.ReadFile(filepath.Join(l.CACertsDir(), ca.Name)); err != nil || !bytes.Equal(old, ca.PEM) {
				diffs = append(diffs, "CA root "+ca.Name)
			}
		}
	}
	return diffs
}

// NormalizeTLS checks TLS options alone, for day-two TLS changes.
func NormalizeTLS(o Options) (Options, error) {
	if fe := o.normalizeTLS(); fe != nil {
		return o, fe
	}
	return o, nil
}
