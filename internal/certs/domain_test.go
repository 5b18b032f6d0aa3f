package certs

import (
	"errors"
	"strings"
	"testing"
)

func TestValidDomain(t *testing.T) {
	long := strings.Repeat("a", 64)
	tooLong := strings.Repeat(strings.Repeat("a", 60)+".", 5) + "com"
	for _, tc := range []struct {
		in, want string
		hint     string // "" = must succeed
	}{
		{in: "app.example.com", want: "app.example.com"},
		{in: "  App.Example.COM ", want: "app.example.com"},
		{in: "bücher.example", want: "xn--bcher-kva.example"},
		{in: "xn--bcher-kva.example", want: "xn--bcher-kva.example"},
		{in: "example.com.", want: "example.com"},
		{in: "intranet", want: "intranet"},
		{in: "", hint: "--domain appsmith.example.com"},
		{in: "https://app.example.com/", hint: "--domain app.example.com"},
		{in: "app.example.com/login", hint: "--domain app.example.com"},
		{in: "app.example.com:8443", hint: "--domain app.example.com"},
		{in: "user@app.example.com", hint: "--domain app.example.com"},
		{in: "192.0.2.10", hint: "DNS name"},
		{in: "[2001:db8::1]", hint: "DNS name"},
		{in: "2001:db8::1", hint: "DNS name"},
		{in: "*.example.com", hint: "appsmith.example.com"},
		{in: "a_b.example.com", hint: "underscores"},
		{in: "-a.example.com", hint: "hyphens"},
		{in: "a..example.com", hint: "doubled dots"},
		{in: long + ".com", hint: "long part"},
		{in: tooLong, hint: "shorter"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ValidDomain(tc.in)
			if tc.hint == "" {
				if err != nil || got != tc.want {
					t.Fatalf("ValidDomain(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Kind != KindBadDomain {
				t.Fatalf("ValidDomain(%q) = %q, %v; want a bad-domain error", tc.in, got, err)
			}
			if !strings.Contains(e.Hint, tc.hint) {
				t.Errorf("hint %q lacks %q", e.Hint, tc.hint)
			}
			if !strings.Contains(err.Error(), "not a host name") {
				t.Errorf("message %q does not say what is wrong", err)
			}
		})
	}
}
