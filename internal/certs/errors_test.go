package certs

import "testing"

func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    *Error
		want string
	}{
		{&Error{Kind: KindEmpty, File: "ca/root.crt", Msg: "the file is empty", Hint: "h"}, "ca/root.crt: the file is empty"},
		{&Error{Kind: KindBadDomain, Msg: `"x" is not a host name`}, `"x" is not a host name`},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}

// Hints hold commands to paste; a file name must survive the shell.
func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"/etc/ssl/key.pem": "/etc/ssl/key.pem",
		"my key.pem":       "'my key.pem'",
		"it's.pem":         `'it'\''s.pem'`,
		"$(rm -rf ~).pem":  "'$(rm -rf ~).pem'",
		"":                 "''",
	} {
		if got := sh(in); got != want {
			t.Errorf("sh(%q) = %s, want %s", in, got, want)
		}
	}
}
