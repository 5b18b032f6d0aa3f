package main

import (
	"fmt"
	"strconv"
	"strings"
)

// The real entrypoint loads docker.env with `set -o allexport; . docker.env`
// under `set -e`, so anything bash would do differently from a plain KEY=value
// reader matters: quoting, escapes, $-expansion, and a stray word becoming a
// command that is not found and aborts the container. This file reproduces
// that subset and refuses (like a failed start) what it does not model.

// envAssignment is one KEY=value as bash would have assigned it.
type envAssignment struct {
	Key, Value string
	Line       int
}

// envFileError is a line of docker.env that bash would have failed on; Code is
// the status `set -e` would have exited with.
type envFileError struct {
	Line int
	Msg  string
	Code int
}

func (e *envFileError) Error() string {
	return fmt.Sprintf("docker.env: line %d: %s", e.Line, e.Msg)
}

// envParser holds what expansion can see: assignments made so far, then the
// process environment, plus the few special parameters a sourced file sees.
type envParser struct {
	src    []rune
	pos    int
	line   int
	vars   map[string]string
	lookup func(string) (string, bool)
	pid    int
	home   string
	out    []envAssignment
}

// parseEnvFile interprets src as bash sourcing it would. lookup provides the
// environment the sourcing shell already had; it may be nil.
func parseEnvFile(src string, lookup func(string) (string, bool)) ([]envAssignment, error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	home, ok := lookup("HOME")
	if !ok {
		home = "/root"
	}
	p := &envParser{src: []rune(src), line: 1, vars: map[string]string{}, lookup: lookup, pid: pid(), home: home}
	for !p.eof() {
		if err := p.statement(); err != nil {
			return nil, err
		}
	}
	return p.out, nil
}

func (p *envParser) eof() bool { return p.pos >= len(p.src) }

func (p *envParser) peek(off int) rune {
	if p.pos+off < len(p.src) {
		return p.src[p.pos+off]
	}
	return 0
}

func (p *envParser) next() rune {
	r := p.src[p.pos]
	p.pos++
	if r == '\n' {
		p.line++
	}
	return r
}

func (p *envParser) fail(format string, a ...any) error {
	return &envFileError{Line: p.line, Msg: fmt.Sprintf(format, a...), Code: 2}
}

func isBlank(r rune) bool { return r == ' ' || r == '\t' }

func isNameStart(r rune) bool { return r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

func isNameChar(r rune) bool { return isNameStart(r) || r >= '0' && r <= '9' }

// skipBlanks also swallows backslash-newline continuations between words.
func (p *envParser) skipBlanks() {
	for !p.eof() {
		switch {
		case isBlank(p.peek(0)):
			p.next()
		case p.peek(0) == '\\' && p.peek(1) == '\n':
			p.next()
			p.next()
		default:
			return
		}
	}
}

func (p *envParser) atWordEnd() bool {
	return p.eof() || isBlank(p.peek(0)) || p.peek(0) == '\n'
}

// statement reads one line's worth of words: comments, blank lines, optional
// `export`, then assignments; any other word is a command bash would run.
func (p *envParser) statement() error {
	p.skipBlanks()
	if p.eof() {
		return nil
	}
	switch p.peek(0) {
	case '\n':
		p.next()
		return nil
	case '#':
		for !p.eof() && p.peek(0) != '\n' {
			p.next()
		}
		return nil
	}
	exported := false
	if p.literalWord("export") {
		exported = true
		p.skipBlanks()
	}
	startLine := p.line
	var pending []envAssignment
	for !p.eof() && p.peek(0) != '\n' {
		if p.peek(0) == '#' {
			for !p.eof() && p.peek(0) != '\n' {
				p.next()
			}
			break
		}
		name, op, ok := p.assignmentPrefix()
		if !ok {
			word, err := p.value()
			if err != nil {
				return err
			}
			if exported && isName(word) {
				p.skipBlanks()
				continue // `export NAME` only marks a variable
			}
			if exported {
				return &envFileError{Line: startLine, Msg: fmt.Sprintf("export: `%s': not a valid identifier", word), Code: 1}
			}
			// Bash would run the word as a command with the assignments as
			// its temporary environment; under `set -e` that ends the start.
			return &envFileError{Line: startLine, Msg: word + ": command not found", Code: 127}
		}
		value, err := p.value()
		if err != nil {
			return err
		}
		if op == "+=" {
			value = p.get(name) + value
		}
		// Later words on the same line see earlier assignments.
		p.vars[name] = value
		pending = append(pending, envAssignment{Key: name, Value: value, Line: startLine})
		p.skipBlanks()
	}
	p.out = append(p.out, pending...)
	return nil
}

func isName(s string) bool {
	if s == "" || !isNameStart(rune(s[0])) {
		return false
	}
	for _, r := range s {
		if !isNameChar(r) {
			return false
		}
	}
	return true
}

// literalWord consumes w when it stands alone as an unquoted word.
func (p *envParser) literalWord(w string) bool {
	rs := []rune(w)
	for i, r := range rs {
		if p.peek(i) != r {
			return false
		}
	}
	after := p.peek(len(rs))
	if after != 0 && !isBlank(after) && after != '\n' {
		return false
	}
	p.pos += len(rs)
	return true
}

// assignmentPrefix consumes NAME= or NAME+= when the word starts with one.
func (p *envParser) assignmentPrefix() (name, op string, ok bool) {
	if !isNameStart(p.peek(0)) {
		return "", "", false
	}
	i := 0
	for isNameChar(p.peek(i)) {
		i++
	}
	switch {
	case p.peek(i) == '=':
		op = "="
	case p.peek(i) == '+' && p.peek(i+1) == '=':
		op = "+="
	default:
		return "", "", false
	}
	name = string(p.src[p.pos : p.pos+i])
	p.pos += i + len(op)
	return name, op, true
}

// value reads the rest of a word with quote removal and expansion; it also
// reads non-assignment words, for `export NAME` and error messages.
func (p *envParser) value() (string, error) {
	var b strings.Builder
	start := true
	for !p.atWordEnd() {
		r := p.peek(0)
		switch {
		case r == '~' && start && (p.peek(1) == '/' || p.peek(1) == ':' || p.peek(1) == 0 || isBlank(p.peek(1)) || p.peek(1) == '\n'):
			p.next()
			b.WriteString(p.home)
		case r == '\\':
			p.next()
			if p.eof() {
				b.WriteRune('\\')
			} else if c := p.next(); c != '\n' {
				b.WriteRune(c)
			}
		case r == '\'':
			p.next()
			s, err := p.singleQuoted()
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case r == '"':
			p.next()
			s, err := p.doubleQuoted()
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case r == '$':
			s, err := p.expand(false)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case r == '`':
			return "", p.fail("command substitution is not supported by the stand-in")
		case strings.ContainsRune(";&|<>()", r):
			return "", p.fail("syntax the stand-in does not model: unquoted %q", r)
		default:
			p.next()
			b.WriteRune(r)
			// Bash also expands a tilde right after ':' in assignments.
			if r == ':' && p.peek(0) == '~' && (p.peek(1) == '/' || p.peek(1) == ':' || p.atWordEndAt(1)) {
				p.next()
				b.WriteString(p.home)
			}
		}
		start = false
	}
	return b.String(), nil
}

func (p *envParser) atWordEndAt(off int) bool {
	r := p.peek(off)
	return r == 0 || isBlank(r) || r == '\n'
}

func (p *envParser) singleQuoted() (string, error) {
	line := p.line
	var b strings.Builder
	for {
		if p.eof() {
			return "", &envFileError{Line: line, Msg: "unexpected EOF while looking for matching `''", Code: 2}
		}
		r := p.next()
		if r == '\'' {
			return b.String(), nil
		}
		b.WriteRune(r)
	}
}

func (p *envParser) doubleQuoted() (string, error) {
	line := p.line
	var b strings.Builder
	for {
		if p.eof() {
			return "", &envFileError{Line: line, Msg: "unexpected EOF while looking for matching `\"'", Code: 2}
		}
		r := p.peek(0)
		switch r {
		case '"':
			p.next()
			return b.String(), nil
		case '\\':
			p.next()
			if p.eof() {
				b.WriteRune('\\')
				continue
			}
			c := p.next()
			switch c {
			case '$', '`', '"', '\\':
				b.WriteRune(c)
			case '\n':
				// line continuation: both characters vanish
			default:
				b.WriteRune('\\')
				b.WriteRune(c)
			}
		case '$':
			s, err := p.expand(true)
			if err != nil {
				return "", err
			}
			b.WriteString(s)
		case '`':
			return "", p.fail("command substitution is not supported by the stand-in")
		default:
			b.WriteRune(p.next())
		}
	}
}

func (p *envParser) get(name string) string {
	if v, ok := p.vars[name]; ok {
		return v
	}
	v, _ := p.lookup(name)
	return v
}

func (p *envParser) isSet(name string) bool {
	if _, ok := p.vars[name]; ok {
		return true
	}
	_, ok := p.lookup(name)
	return ok
}

// expand handles the '$' at the cursor.
func (p *envParser) expand(quoted bool) (string, error) {
	p.next() // '$'
	r := p.peek(0)
	switch {
	case r == '{':
		p.next()
		return p.braced()
	case isNameStart(r):
		i := 0
		for isNameChar(p.peek(i)) {
			i++
		}
		name := string(p.src[p.pos : p.pos+i])
		p.pos += i
		return p.get(name), nil
	case r >= '0' && r <= '9':
		p.next()
		if r == '0' {
			return "/opt/appsmith/entrypoint.sh", nil
		}
		return "", nil
	case r == '$':
		p.next()
		return strconv.Itoa(p.pid), nil
	case r == '?' || r == '#':
		p.next()
		return "0", nil
	case r == '*' || r == '@' || r == '!':
		p.next()
		return "", nil
	case r == '-':
		p.next()
		return "hB", nil
	case r == '(':
		return "", p.fail("command substitution is not supported by the stand-in")
	case !quoted && (r == '\'' || r == '"'):
		return "", p.fail("$%c quoting is not supported by the stand-in", r)
	}
	return "$", nil
}

// braced handles ${NAME}, ${NAME-word} and ${NAME:-word}.
func (p *envParser) braced() (string, error) {
	line := p.line
	var body strings.Builder
	for {
		if p.eof() {
			return "", &envFileError{Line: line, Msg: "unexpected EOF while looking for matching `}'", Code: 2}
		}
		r := p.next()
		if r == '}' {
			break
		}
		body.WriteRune(r)
	}
	s := body.String()
	i := 0
	for i < len(s) && isNameChar(rune(s[i])) {
		i++
	}
	name, rest := s[:i], s[i:]
	if !isName(name) {
		return "", &envFileError{Line: line, Msg: "${" + s + "}: bad substitution", Code: 1}
	}
	switch {
	case rest == "":
		return p.get(name), nil
	case strings.HasPrefix(rest, ":-"):
		if v := p.get(name); v != "" {
			return v, nil
		}
		return rest[2:], nil
	case strings.HasPrefix(rest, "-"):
		if p.isSet(name) {
			return p.get(name), nil
		}
		return rest[1:], nil
	}
	return "", &envFileError{Line: line, Msg: "${" + s + "}: expansion the stand-in does not model", Code: 1}
}
