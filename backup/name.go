package backup

import (
	"regexp"
	"strings"
	"time"
)

// Archive names sort by time: appsmith-<host>-<UTC time>-<version>.tar.zst[.age].
const (
	nameTime   = "20060102T150405Z"
	extPlain   = ".tar.zst"
	extCrypted = ".tar.zst.age"
)

// Name is a native archive's file name.
func Name(host string, at time.Time, version string, encrypted bool) string {
	ext := extPlain
	if encrypted {
		ext = extCrypted
	}
	return "appsmith-" + safeHost(host) + "-" + at.UTC().Format(nameTime) + "-" + version + ext
}

// safeHost keeps a host name usable in a file name and parseable back: no
// '-'-free guarantee is needed because the time field is found by pattern.
func safeHost(h string) string {
	h = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, h)
	if h == "" {
		return "host"
	}
	return h
}

// NameInfo is what an archive's name says.
type NameInfo struct {
	Host      string
	Time      time.Time
	Version   string
	Encrypted bool
	Native    bool // false: an appsmithctl archive (appsmith-backup-<time>.tar.gz[.enc])
}

var (
	nativeName = regexp.MustCompile(`^appsmith-(.+)-(\d{8}T\d{6}Z)-(v?[0-9][0-9A-Za-z.+_-]*?)(\.tar\.zst(\.age)?)$`)
	ctlName    = regexp.MustCompile(`^appsmith-backup-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?Z?)\.tar\.gz(\.enc)?$`)
)

// ParseName reads a native or appsmithctl archive name; ok is false for any
// other file (a store lists only what this returns ok for).
func ParseName(name string) (NameInfo, bool) {
	if m := nativeName.FindStringSubmatch(name); m != nil {
		t, err := time.Parse(nameTime, m[2])
		if err != nil {
			return NameInfo{}, false
		}
		return NameInfo{Host: m[1], Time: t, Version: m[3], Encrypted: m[5] != "", Native: true}, true
	}
	if m := ctlName.FindStringSubmatch(name); m != nil {
		s := m[1]
		// appsmithctl writes new Date().toISOString() with ':' replaced by '-'.
		if len(s) >= 19 {
			s = s[:10] + "T" + strings.ReplaceAll(s[11:19], "-", ":") + s[19:]
		}
		s = strings.TrimSuffix(s, "Z")
		t, err := time.Parse("2006-01-02T15:04:05.999999999", s)
		if err != nil {
			return NameInfo{}, false
		}
		return NameInfo{Time: t.UTC(), Encrypted: m[2] != "", Native: false}, true
	}
	return NameInfo{}, false
}
