package stacks

import "strings"

// Quote returns value in the form to write after `KEY=` in docker.env, so
// that bash assigns exactly value. A value made only of characters that are
// plain in an assignment is written bare, as Appsmith's own template does;
// anything else is single-quoted, an embedded ' written as '\”.
//
// Left out of the bare set on purpose: ~ (expanded at the start and after
// ':'), # (starts a comment after a blank, and looks like one to readers),
// $ ` \ " ' and blanks. '=' is plain after the first one. The empty value
// is written as nothing at all: `KEY=`.
func Quote(value string) string {
	if value == "" {
		return ""
	}
	bare := true
	for i := 0; i < len(value); i++ {
		if !isBareChar(value[i]) {
			bare = false
			break
		}
	}
	if bare {
		return value
	}
	return "'" + strings.ReplaceAll(value, "'", `'\''`) + "'"
}

func isBareChar(c byte) bool {
	return isNameChar(c) || strings.IndexByte("./:@%+,=-", c) >= 0
}

// ValidKey reports whether key is a shell variable name, the only kind of
// key an assignment line can have.
func ValidKey(key string) bool {
	if key == "" || !isNameStart(key[0]) {
		return false
	}
	for i := 1; i < len(key); i++ {
		if !isNameChar(key[i]) {
			return false
		}
	}
	return true
}
