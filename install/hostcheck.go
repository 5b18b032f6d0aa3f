package install

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// encodeHint: the characters that break a URL's user part, and their escapes.
const encodeHint = "percent-encode the user name and password (@ as %40, : as %3A, / as %2F, # as %23, \" as %22, % as %25)"

// checkAuthority checks what url.Parse lets through but a database driver or
// the network refuses: a raw '@' in the password (Go takes the last '@', the
// Java driver Appsmith uses refuses the URL), and host names no resolver
// accepts (a label over 63 characters, a name over 253, odd characters).
// MongoDB URLs may list several hosts, separated by commas.
func checkAuthority(raw string, u *url.URL) error {
	rest := raw[strings.Index(raw, "://")+3:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if strings.Count(rest, "@") > 1 {
		return fmt.Errorf("the user part holds a raw '@': %s", encodeHint)
	}
	for _, hp := range strings.Split(u.Host, ",") {
		if err := checkHostPort(hp); err != nil {
			return err
		}
	}
	return nil
}

func checkHostPort(hp string) error {
	host, port := hp, ""
	if strings.HasPrefix(hp, "[") {
		end := strings.Index(hp, "]")
		if end < 0 {
			return fmt.Errorf("host %s: no closing ']'", shorten(hp, 60))
		}
		host, port = hp[1:end], strings.TrimPrefix(hp[end+1:], ":")
		if hp[end+1:] != "" && !strings.HasPrefix(hp[end+1:], ":") {
			return fmt.Errorf("host %s: want [IPv6]:port", shorten(hp, 60))
		}
		if ip := net.ParseIP(strings.SplitN(host, "%", 2)[0]); ip == nil || ip.To4() != nil {
			return fmt.Errorf("host [%s]: not an IPv6 address", shorten(host, 60))
		}
	} else {
		if i := strings.LastIndex(hp, ":"); i >= 0 {
			host, port = hp[:i], hp[i+1:]
		}
		if err := checkHostName(host); err != nil {
			return err
		}
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q of host %s: want a number between 1 and 65535", shorten(port, 20), shorten(host, 60))
		}
	}
	return nil
}

// checkHostName accepts an IPv4 address or a DNS name (RFC 1123, with '_'
// for the service names of container networks).
func checkHostName(h string) error {
	if h == "" {
		return fmt.Errorf("no host")
	}
	if net.ParseIP(h) != nil {
		if strings.Contains(h, ":") {
			return fmt.Errorf("host %s: an IPv6 address goes in brackets, as [%s]", shorten(h, 60), shorten(h, 60))
		}
		return nil
	}
	name := strings.TrimSuffix(h, ".")
	if len(name) > 253 {
		return fmt.Errorf("host %s: %d characters, a host name has at most 253", shorten(h, 60), len(name))
	}
	for _, label := range strings.Split(name, ".") {
		switch {
		case label == "":
			return fmt.Errorf("host %s: empty label (two dots in a row?)", shorten(h, 60))
		case len(label) > 63:
			return fmt.Errorf("host %s: label %s has %d characters, at most 63 are allowed", shorten(h, 60), shorten(label, 20), len(label))
		case label[0] == '-' || label[len(label)-1] == '-':
			return fmt.Errorf("host %s: label %s starts or ends with '-'", shorten(h, 60), shorten(label, 20))
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return fmt.Errorf("host %s: character %q is not allowed in a host name", shorten(h, 60), r)
			}
		}
	}
	return nil
}

// shorten keeps a value shown in a message to n characters: a 20,000
// character host must not become a 20,000 character warning.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
