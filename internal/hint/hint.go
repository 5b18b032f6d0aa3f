// Package hint formats the commands that messages tell the user to run. A
// hint must work when pasted: it names a command that exists, and the
// install dir when it is not the default one (a day-two command without
// --dir would otherwise look at /opt/appsmith).
package hint

import (
	"path/filepath"
	"regexp"
	"strings"
)

// DefaultDir is the install dir used when neither --dir nor APPSMITH_DIR is
// given. install.Defaults uses it too.
const DefaultDir = "/opt/appsmith"

// Appsmith is "appsmith ARGS", with "--dir DIR" when dir is not the default.
func Appsmith(dir, args string) string { return command("appsmith", dir, args) }

// Install is "appsmith-install ARGS", with "--dir DIR" when dir is not the
// default.
func Install(dir, args string) string { return command("appsmith-install", dir, args) }

func command(prog, dir, args string) string {
	s := prog
	if args != "" {
		s += " " + args
	}
	if needsDir(dir) {
		s += " --dir " + quote(dir)
	}
	return s
}

func needsDir(dir string) bool {
	return dir != "" && filepath.Clean(dir) != DefaultDir
}

// quote makes dir one shell word.
func quote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:,@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// quoted is a command between backticks in a message.
var quoted = regexp.MustCompile("`(appsmith(?:-install)?)((?: [^`]*)?)`")

// WithDir adds "--dir DIR" to each `appsmith ...` and `appsmith-install ...`
// command quoted in text that has none, for messages written by code that
// does not know the install dir (the core's hints, the container's problems).
func WithDir(text, dir string) string {
	if !needsDir(dir) || !strings.Contains(text, "`appsmith") {
		return text
	}
	return quoted.ReplaceAllStringFunc(text, func(m string) string {
		sub := quoted.FindStringSubmatch(m)
		args := strings.TrimSpace(sub[2])
		if args == "--help" || strings.HasPrefix(args, "version") ||
			strings.Contains(" "+args+" ", " --dir ") || strings.Contains(" "+args, " --dir=") {
			return m
		}
		return "`" + command(sub[1], dir, args) + "`"
	})
}
