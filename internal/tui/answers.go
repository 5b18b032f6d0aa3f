package tui

import (
	"strconv"
	"strings"

	"github.com/appsmith-install/appsmith-install/install"
)

// TLS modes as the --tls flag spells them.
const (
	tlsNone        = "none"
	tlsLetsEncrypt = "letsencrypt"
	tlsCustom      = "custom"
	tlsProxy       = "proxy"
	tlsKeep        = "keep" // a re-run over an install: TLS changes go through `appsmith tls`
)

// answers are the choices as typed. They are text so that a half-typed port
// can be held, and validated the way the CLI validates a flag.
type answers struct {
	Dir, Edition, Version string
	HTTPPort, HTTPSPort   string
	TLS                   string
	Domain, Cert, Key     string
	KeyPass               string
	CACerts               string // comma-separated, as APPSMITH_INSTALL_CA_CERT
	DBURL, RedisURL       string // without their passwords, which are:
	DBPass, RedisPass     string
	DB                    string // embedded-postgresql, embedded-mongodb, "" = Appsmith's default (without a URL)
	Telemetry             bool

	base    install.Options // what the wizard started from: flags, env, config
	baseTLS string          // the mode shown at first, to tell "unchanged" apart

	// releases are the registry's version tags once it answered (nil
	// before, or offline): a version it does not list is flagged.
	releases []string
}

// image is the --image given, which fixes the edition and the version:
// the wizard then shows it and does not ask for them.
func (a *answers) image() string { return a.base.Image }

func answersFrom(o install.Options) *answers {
	a := &answers{
		Dir: o.Dir, Edition: o.Edition, Version: o.Version,
		HTTPPort: strconv.Itoa(o.HTTPPort), HTTPSPort: strconv.Itoa(o.HTTPSPort),
		TLS: o.TLS, Domain: o.Domain, Cert: o.Cert, Key: o.Key, KeyPass: o.KeyPassphraseFile,
		CACerts: strings.Join(o.CACerts, ", "), DBURL: o.DBURL, RedisURL: o.RedisURL, DB: o.DB,
		Telemetry: o.Telemetry, base: o,
	}
	if a.TLS == "" {
		// Shown as install.Options.Normalize will derive it.
		if d, err := install.NormalizeTLS(o); err == nil {
			a.TLS = d.TLS
		} else {
			a.TLS = tlsNone
		}
	}
	a.baseTLS = a.TLS
	dbURL := o.DBURL
	if strings.Contains(o.DB, "://") && dbURL == "" {
		dbURL, a.DB = o.DB, "" // --db URL is the external database's answer
	}
	a.DBURL, a.DBPass = splitPassword(dbURL)
	a.RedisURL, a.RedisPass = splitPassword(o.RedisURL)
	return a
}

// ptr is the text answer of an option, by its flag name.
func (a *answers) ptr(name string) *string {
	switch name {
	case "dir":
		return &a.Dir
	case "edition":
		return &a.Edition
	case "version":
		return &a.Version
	case "http-port":
		return &a.HTTPPort
	case "https-port":
		return &a.HTTPSPort
	case "tls":
		return &a.TLS
	case "domain":
		return &a.Domain
	case "cert":
		return &a.Cert
	case "key":
		return &a.Key
	case "key-passphrase-file":
		return &a.KeyPass
	case "ca-cert":
		return &a.CACerts
	case "db-url":
		return &a.DBURL
	case "redis-url":
		return &a.RedisURL
	case "db-password":
		return &a.DBPass
	case "redis-password":
		return &a.RedisPass
	}
	return nil
}

// with is a copy of a with one answer replaced, to validate a value before
// it is accepted.
func (a *answers) with(name, value string) *answers {
	c := *a
	if p := c.ptr(name); p != nil {
		*p = value
	}
	return &c
}

// options applies the answers to the options the wizard started from; the
// options it does not ask about (image, bind address, timeout, ...) pass
// through. A port that is not a number is a *install.FieldError, as the
// CLI reports it.
func (a *answers) options() (install.Options, error) {
	o := a.base
	o.Dir, o.Edition, o.Version = strings.TrimSpace(a.Dir), a.Edition, strings.TrimSpace(a.Version)
	for _, p := range []struct {
		name, text string
		dst        *int
	}{{"http-port", a.HTTPPort, &o.HTTPPort}, {"https-port", a.HTTPSPort, &o.HTTPSPort}} {
		n, err := strconv.Atoi(strings.TrimSpace(p.text))
		if err != nil {
			return o, &install.FieldError{Field: p.name, Value: p.text, Reason: "want a number"}
		}
		*p.dst = n
	}
	o.TLS = a.TLS
	if a.TLS == a.baseTLS && a.base.TLS == "" {
		o.TLS = "" // unchanged: keep letting the CLI derive it
	}
	// Answers of a mode no longer chosen are dropped: Normalize refuses a
	// domain without a mode that serves it, and a certificate without
	// --tls custom.
	o.Domain = strings.TrimSpace(a.Domain)
	o.Cert, o.Key, o.KeyPassphraseFile = strings.TrimSpace(a.Cert), strings.TrimSpace(a.Key), strings.TrimSpace(a.KeyPass)
	if a.TLS != tlsCustom {
		o.Cert, o.Key, o.KeyPassphraseFile = "", "", ""
	}
	if a.TLS != tlsCustom && a.TLS != tlsLetsEncrypt {
		o.Domain = ""
	}
	o.CACerts = splitList(a.CACerts)
	o.DBURL, o.RedisURL = joinPassword(strings.TrimSpace(a.DBURL), a.DBPass), joinPassword(strings.TrimSpace(a.RedisURL), a.RedisPass)
	o.DB = a.DB
	if o.DBURL != "" {
		o.DB = "" // a URL answers the question
	}
	o.Telemetry = a.Telemetry
	return o, nil
}

// splitList reads a comma-separated list as the CLI reads the environment.
func splitList(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}
