package stacks

import (
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
)

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// SecretLength is the length of a generated secret: 32 alphanumerics give
// about 190 bits, against Appsmith's own 13 (about 77). Alphanumerics need
// no quoting or URL escaping anywhere they end up.
const SecretLength = 32

// NewSecret returns SecretLength random alphanumerics from crypto/rand.
// Bytes at or above 248 (4×62) are thrown away so that every character is
// equally likely; a plain modulo would favour the first eight.
func NewSecret() (string, error) {
	const limit = 256 - 256%len(secretAlphabet)
	out := make([]byte, 0, SecretLength)
	buf := make([]byte, SecretLength+8)
	for len(out) < SecretLength {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("generate secret: %w", err)
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < SecretLength {
				out = append(out, secretAlphabet[int(b)%len(secretAlphabet)])
			}
		}
	}
	return string(out), nil
}

// SecretKeys are the docker.env keys known to hold secrets. The database
// and Redis URLs are among them because they usually carry a password.
// IsSecret also catches keys by name pattern.
var SecretKeys = []string{
	KeyEncryptionPassword,
	KeyEncryptionSalt,
	KeySupervisorPassword,
	KeyDBURL,
	KeyMongoDBURI,
	KeyMongoDBPassword,
	KeyRedisURL,
	"APPSMITH_REDIS_PASSWORD",
	"APPSMITH_MAIL_PASSWORD",
	"APPSMITH_OAUTH2_GOOGLE_CLIENT_SECRET",
	"APPSMITH_OAUTH2_GITHUB_CLIENT_SECRET",
	"APPSMITH_OAUTH2_OIDC_CLIENT_SECRET",
	"APPSMITH_RECAPTCHA_SECRET_KEY",
	"APPSMITH_BACKUP_ARCHIVE_PASSWORD",
}

// IsSecret reports whether key's value must never be shown or logged.
func IsSecret(key string) bool {
	if slices.Contains(SecretKeys, key) {
		return true
	}
	k := strings.ToUpper(key)
	for _, suffix := range []string{"_PASSWORD", "_PASSWD", "_PASS", "_SALT", "_TOKEN", "_API_KEY", "_LICENSE_KEY", "_PRIVATE_KEY"} {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return strings.Contains(k, "SECRET")
}

// Redacted stands in for a hidden value; it has a fixed length so it does
// not reveal the secret's.
const Redacted = "********"

// Redact returns value in a form fit to show. A secret's value is replaced
// by Redacted, except that a URL-valued key (…_URL, …_URI, …_DSN) keeps its
// URL minus the password, which is what someone checking the configuration
// wants to see. An empty value stays empty: that it is empty is not a secret.
// Whatever the key, a password inside a URL is hidden.
func Redact(key, value string) string {
	if value == "" {
		return ""
	}
	secret := IsSecret(key)
	k := strings.ToUpper(key)
	urlKey := strings.HasSuffix(k, "_URL") || strings.HasSuffix(k, "_URI") || strings.HasSuffix(k, "_DSN")
	if secret && !urlKey {
		return Redacted
	}
	if r, ok := redactURL(value, secret); ok {
		return r
	}
	if secret {
		return Redacted
	}
	return value
}

// redactURL hides the password of scheme://user:password@host... and, for a
// secret, the user of a user-only URL and a query mentioning a password. It
// works on the text rather than net/url, which refuses MongoDB host lists.
func redactURL(value string, secret bool) (string, bool) {
	i := strings.Index(value, "://")
	if i <= 0 {
		return "", false
	}
	scheme, rest := value[:i+3], value[i+3:]
	authority, path := rest, ""
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		authority, path = rest[:j], rest[j:]
	}
	if secret {
		if q := strings.IndexByte(path, '?'); q >= 0 && strings.Contains(strings.ToLower(path[q:]), "pass") {
			path = path[:q+1] + Redacted
		}
	}
	at := strings.LastIndexByte(authority, '@')
	if at < 0 {
		return scheme + authority + path, true
	}
	user, host := authority[:at], authority[at:]
	if c := strings.IndexByte(user, ':'); c >= 0 {
		user = user[:c+1] + Redacted
	} else if secret {
		user = Redacted
	}
	return scheme + user + host + path, true
}
