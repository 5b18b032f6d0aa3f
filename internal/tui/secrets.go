package tui

import (
	"net/url"
	"strings"
)

// A database or Redis password is asked in its own field, which hides what
// is typed; the URL field, which echoes, holds the rest. A URL given with a
// password (flag, environment, config file) is split the same way, so the
// password never shows on a screen.

// authority finds the user-info and host part of a URL: raw[start:end].
func authority(raw string) (start, end int, ok bool) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return 0, 0, false
	}
	start, end = i+3, len(raw)
	if j := strings.IndexAny(raw[start:], "/?#"); j >= 0 {
		end = start + j
	}
	return start, end, true
}

// splitPassword takes the password out of a URL: the URL without it, and
// the password decoded. A URL whose password cannot be decoded is left as
// it is, for the validation to report.
func splitPassword(raw string) (rest, password string) {
	start, end, ok := authority(raw)
	if !ok {
		return raw, ""
	}
	auth := raw[start:end]
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		return raw, ""
	}
	user, pass, has := strings.Cut(auth[:at], ":")
	if !has {
		return raw, ""
	}
	p, err := url.PathUnescape(pass)
	if err != nil || p == "" {
		return raw, ""
	}
	return raw[:start] + user + "@" + auth[at+1:] + raw[end:], p
}

// joinPassword puts password into the URL raw, percent-encoded, in place
// of any password it has. Without a password the URL is unchanged.
func joinPassword(raw, password string) string {
	start, end, ok := authority(raw)
	if password == "" || !ok {
		return raw
	}
	auth, user := raw[start:end], ""
	if at := strings.LastIndex(auth, "@"); at >= 0 {
		user, _, _ = strings.Cut(auth[:at], ":")
		auth = auth[at+1:]
	}
	return raw[:start] + user + url.UserPassword("", password).String() + "@" + auth + raw[end:]
}
