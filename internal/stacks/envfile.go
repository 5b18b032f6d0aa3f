package stacks

import (
	"bytes"
	"fmt"
)

// EnvFile is a docker.env held line for line, so that edits keep the user's
// comments, order, quoting style and unknown lines. Make one with ParseEnv
// or DefaultEnv.
type EnvFile struct {
	stmts []stmt
}

// EnvValue is one assignment's value.
type EnvValue struct {
	// Text is the value bash assigns, quotes and escapes resolved. When
	// Expands is set it holds the expansions as written, unexpanded.
	Text string
	// Raw is the value as written in the file, quotes and all.
	Raw string
	// Expands is set when bash would expand part of the value ($VAR, $(...),
	// backquotes, a leading ~, $'...'): the real value is known only when
	// the file is sourced, so code must not act on Text as if it were final.
	Expands bool
	// Line is the 1-based line of the assignment.
	Line int
}

type stmtKind int

const (
	kindTrivia stmtKind = iota // blank or comment
	kindOther                  // a line that is not an assignment; kept, ignored
	kindAssign
)

// stmt is one line, or several when a quoted value spans lines. For an
// assignment, prefix+value+suffix are exactly its bytes, so replacing value
// rewrites nothing else.
type stmt struct {
	kind stmtKind
	line int
	raw  []byte // trivia and other lines

	key                   string
	prefix, value, suffix []byte // prefix ends with '='; suffix holds any comment and the newline
	val                   EnvValue
}

// Clone returns an independent copy, e.g. to try Complete without
// changing the original.
func (e *EnvFile) Clone() *EnvFile {
	c := &EnvFile{stmts: make([]stmt, len(e.stmts))}
	for i, s := range e.stmts {
		s.raw = bytes.Clone(s.raw)
		s.prefix, s.value, s.suffix = bytes.Clone(s.prefix), bytes.Clone(s.value), bytes.Clone(s.suffix)
		c.stmts[i] = s
	}
	return c
}

func (s *stmt) bytes() []byte {
	if s.kind != kindAssign {
		return s.raw
	}
	b := make([]byte, 0, len(s.prefix)+len(s.value)+len(s.suffix))
	return append(append(append(b, s.prefix...), s.value...), s.suffix...)
}

// Bytes renders the file. Unedited lines come back byte for byte; a file
// that did not end in a newline gets one only if a line was appended.
func (e *EnvFile) Bytes() []byte {
	var buf bytes.Buffer
	for i := range e.stmts {
		buf.Write(e.stmts[i].bytes())
	}
	return buf.Bytes()
}

// last returns the index of the assignment bash would use for key, or -1.
func (e *EnvFile) last(key string) int {
	for i := len(e.stmts) - 1; i >= 0; i-- {
		if e.stmts[i].kind == kindAssign && e.stmts[i].key == key {
			return i
		}
	}
	return -1
}

// Lookup returns the value bash ends up with for key (the last assignment).
func (e *EnvFile) Lookup(key string) (EnvValue, bool) {
	if i := e.last(key); i >= 0 {
		return e.stmts[i].val, true
	}
	return EnvValue{}, false
}

// Get returns key's value. For a value that expands (see EnvValue.Expands)
// it returns the raw text rather than a guess; use Lookup to tell.
func (e *EnvFile) Get(key string) (string, bool) {
	v, ok := e.Lookup(key)
	if v.Expands {
		return v.Raw, ok
	}
	return v.Text, ok
}

// Has reports whether key is assigned, even to an empty value.
func (e *EnvFile) Has(key string) bool { return e.last(key) >= 0 }

// Keys lists the assigned keys in order of first appearance.
func (e *EnvFile) Keys() []string {
	seen := map[string]bool{}
	var keys []string
	for _, s := range e.stmts {
		if s.kind == kindAssign && !seen[s.key] {
			seen[s.key] = true
			keys = append(keys, s.key)
		}
	}
	return keys
}

// Set gives key the value. It rewrites only the value of the last
// assignment of key (the one bash uses), keeping an `export`, indentation
// and a trailing comment; a new key is appended as KEY=<Quote(value)>.
// key must be a shell variable name: anything else is a programming error
// and panics, since no caller should build keys from input.
func (e *EnvFile) Set(key, value string) {
	if !ValidKey(key) {
		panic(fmt.Sprintf("stacks: invalid docker.env key %q", key))
	}
	q := Quote(value)
	val := EnvValue{Text: value, Raw: q}
	if i := e.last(key); i >= 0 {
		s := &e.stmts[i]
		s.value = []byte(q)
		val.Line = s.line
		s.val = val
		return
	}
	e.appendStmt(stmt{
		kind:   kindAssign,
		key:    key,
		prefix: []byte(key + "="),
		value:  []byte(q),
		suffix: []byte("\n"),
		val:    val,
	})
}

// SetIfMissing sets key only when it is not assigned at all (an empty
// assignment counts as present) and reports whether it did.
func (e *EnvFile) SetIfMissing(key, value string) bool {
	if e.Has(key) {
		return false
	}
	e.Set(key, value)
	return true
}

// Delete removes every assignment of key: removing only the last would
// bring an earlier one back into effect.
func (e *EnvFile) Delete(key string) {
	out := e.stmts[:0]
	for _, s := range e.stmts {
		if s.kind != kindAssign || s.key != key {
			out = append(out, s)
		}
	}
	e.stmts = out
}

// appendComment adds a comment line at the end, e.g. to explain what follows.
func (e *EnvFile) appendComment(text string) {
	e.appendStmt(stmt{kind: kindTrivia, raw: []byte("# " + text + "\n")})
}

func (e *EnvFile) appendStmt(s stmt) {
	line := 1
	if n := len(e.stmts); n > 0 {
		last := &e.stmts[n-1]
		b := last.bytes()
		if len(b) > 0 && b[len(b)-1] != '\n' {
			if last.kind == kindAssign {
				last.suffix = append(last.suffix[:len(last.suffix):len(last.suffix)], '\n')
			} else {
				last.raw = append(last.raw[:len(last.raw):len(last.raw)], '\n')
			}
		}
		line = last.line + bytes.Count(last.bytes(), []byte{'\n'})
	}
	s.line = line
	s.val.Line = line
	e.stmts = append(e.stmts, s)
}

// DBURL returns the database URL the container will use: Appsmith's
// entrypoint lets a non-empty legacy APPSMITH_MONGODB_URI win over
// APPSMITH_DB_URL.
func (e *EnvFile) DBURL() string {
	if v, ok := e.Get(KeyMongoDBURI); ok && v != "" {
		return v
	}
	v, _ := e.Get(KeyDBURL)
	return v
}
