package stacks

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// Newer Appsmith images no longer source docker.env with bash: a Python
// reader (/opt/appsmith/env-file.py, added for GHSA-h6hh-wqxc-5hw9) takes
// one KEY=value per line and refuses the whole file, so the container does
// not start, on any line it does not accept. Older images still source it.
// What this package writes must satisfy both; these checks say whether a
// value or a whole file does.

// CheckValue reports whether value can be stored in docker.env for every
// Appsmith image: valid UTF-8, no control character but tab (a newline
// would need a quoted value spanning lines, which the newer reader
// refuses). The error never repeats the value.
func CheckValue(key, value string) error {
	if !utf8.ValidString(value) {
		return fmt.Errorf("%s: value is not valid UTF-8", key)
	}
	for _, r := range value {
		if (r < 0x20 && r != '\t') || r == 0x7f {
			return fmt.Errorf("%s: value contains a control character (such as a newline)", key)
		}
	}
	return nil
}

// strictNames is the newer reader's rule for names it accepts.
var strictNames = regexp.MustCompile(`^(APPSMITH_|MONGO_|KEYCLOAK_)[A-Za-z0-9_]+$`)

var strictExtraNames = map[string]bool{
	"APPSMITH_JAVA_ARGS": true, "APPSMITH_JAVA_HEAP_ARG": true, "JAVA_OPTS": true,
	"JAVA_OPTS_APPEND": true, "JAVA_TOOL_OPTIONS": true, "JDK_JAVA_OPTIONS": true, "_JAVA_OPTIONS": true,
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "NO_PROXY": true,
	"http_proxy": true, "https_proxy": true, "no_proxy": true,
	"NEW_RELIC_LICENSE_KEY": true, "NEW_RELIC_APP_NAME": true,
	"JGROUPS_DISCOVERY_PROTOCOL": true, "FILESTORE_IP_ADDRESS": true, "FILE_SHARE_NAME": true, "PORT": true,
}

// CheckStrict reports every line that newer Appsmith images would refuse
// (see the note above), naming lines and keys but never values. Bash reads
// such a file fine, so this is for warnings and `doctor`, not for ParseEnv.
func (e *EnvFile) CheckStrict() error {
	var errs []error
	for i := range e.stmts {
		s := &e.stmts[i]
		b := s.bytes()
		if !utf8.Valid(b) {
			errs = append(errs, &ParseError{Line: s.line, Key: s.key, Msg: "not valid UTF-8"})
			continue
		}
		if s.kind == kindTrivia {
			continue
		}
		if s.kind == kindOther {
			errs = append(errs, &ParseError{Line: s.line, Msg: "not a KEY=value assignment"})
			continue
		}
		var msg string
		body := bytes.TrimSuffix(bytes.TrimSuffix(b, []byte("\n")), []byte("\r"))
		switch {
		case !strictNames.MatchString(s.key) && !strictExtraNames[s.key]:
			msg = "name not accepted by newer Appsmith images"
		case !bytes.HasPrefix(s.prefix, []byte(s.key)):
			msg = "`export` or indentation is not accepted by newer Appsmith images"
		case bytes.ContainsFunc(body, func(r rune) bool { return (r < 0x20 && r != '\t') || r == 0x7f }):
			msg = "value spans lines or holds a control character"
		case s.val.Expands:
			msg = "shell expansion is not performed by newer Appsmith images"
		default:
			continue
		}
		errs = append(errs, &ParseError{Line: s.line, Key: s.key, Msg: msg})
	}
	return errors.Join(errs...)
}
