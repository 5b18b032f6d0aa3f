// Package certs validates what a person hands the installer for TLS — a
// certificate and its key for the container's Caddy, and CA roots for its
// trust stores — before anything is written. It is pure: it reads bytes the
// caller loaded and returns bytes the caller writes (atomically), so a bad
// file is reported with its name and a fix while the instance is untouched.
//
// It repairs what has one obvious repair (chain order, a key found in the
// certificate file, a key encrypted with a passphrase we were given, DER
// instead of PEM) and says so in notes; it refuses what would make Caddy
// fail to start or serve a certificate browsers reject.
package certs

import "strings"

// Kind classifies a validation failure so callers and tests need not match
// message text.
type Kind string

const (
	KindBadPEM         Kind = "bad-pem"        // not PEM/DER, or a damaged block
	KindNoCertificate  Kind = "no-certificate" // no certificate in the input
	KindNoKey          Kind = "no-key"         // no private key in the input
	KindKeyMismatch    Kind = "key-mismatch"   // the key belongs to none of the certificates
	KindEncryptedKey   Kind = "encrypted-key"  // key is encrypted and we cannot (or were not asked to) decrypt it
	KindBadPassphrase  Kind = "bad-passphrase" // the passphrase does not decrypt the key
	KindExpired        Kind = "expired"
	KindNotYetValid    Kind = "not-yet-valid"
	KindSANMismatch    Kind = "san-mismatch"    // the certificate does not cover the domain
	KindUnsupportedKey Kind = "unsupported-key" // DSA, X25519, P-224...: Caddy cannot serve it
	KindEmpty          Kind = "empty"           // the file is empty
	KindBadDomain      Kind = "bad-domain"      // not a usable host name
	KindNeedDomain     Kind = "need-domain"     // the certificate names several hosts: which one?

	// KindNotCA is never returned as an error: a non-CA certificate in a CA
	// file can still be trusted as-is (a self-signed server), so it is only
	// a warning. The constant exists so callers can share the vocabulary.
	KindNotCA Kind = "not-a-ca"
)

// Error is a validation failure: Kind for tests and callers, File and Msg for
// the person, Hint for what to do next.
//
// Error() leaves the hint out because the CLI prints hints on their own line
// (engine.HintOf): wrap it as engine.Error{Code: ExitUsage, Err: e, Hint:
// e.Hint} rather than printing it bare.
type Error struct {
	Kind Kind
	File string // as given by the caller, for messages only
	Msg  string
	Hint string
}

func (e *Error) Error() string {
	if e.File == "" {
		return e.Msg
	}
	return e.File + ": " + e.Msg
}

// sh quotes a file name for a command in a hint, so it can be pasted as is.
func sh(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+=:,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func fail(kind Kind, file, msg, hint string) *Error {
	return &Error{Kind: kind, File: file, Msg: msg, Hint: hint}
}
