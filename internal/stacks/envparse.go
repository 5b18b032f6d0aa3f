package stacks

import (
	"bytes"
	"fmt"
	"strings"
)

// ParseError reports where docker.env cannot be read as bash would read it.
// It names the line and the key, never the value: values are often secrets.
type ParseError struct {
	Line int
	Key  string // empty when the line is not an assignment
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("docker.env line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("docker.env line %d (%s): %s", e.Line, e.Key, e.Msg)
}

// ParseEnv reads docker.env the way `set -a; . docker.env` does, without
// running or expanding anything. Every byte is kept, so that Bytes of an
// unedited file is the input and an edit rewrites only the value it changes.
// Lines that are neither assignments, comments nor blank are kept as they
// are and otherwise ignored.
func ParseEnv(data []byte) (*EnvFile, error) {
	// The file keeps slices of its input: copy it so the caller may reuse
	// the buffer.
	p := &parser{b: bytes.Clone(data), line: 1}
	e := &EnvFile{}
	for p.i < len(p.b) {
		s, err := p.stmt()
		if err != nil {
			return nil, err
		}
		e.stmts = append(e.stmts, s)
	}
	return e, nil
}

type parser struct {
	b    []byte
	i    int
	line int
	key  string // assignment being read, for errors
	// command is set while reading a line that is not an assignment:
	// there, shell operators end a word instead of being an error.
	command bool
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &ParseError{Line: line, Key: p.key, Msg: fmt.Sprintf(format, args...)}
}

func isBlank(c byte) bool     { return c == ' ' || c == '\t' }
func isNameStart(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isNameChar(c byte) bool  { return isNameStart(c) || (c >= '0' && c <= '9') }

func (p *parser) skipBlanks(j int) int {
	for j < len(p.b) && isBlank(p.b[j]) {
		j++
	}
	return j
}

// toLineEnd moves past the end of the current line and returns that offset.
func (p *parser) toLineEnd(j int) int {
	if k := bytes.IndexByte(p.b[j:], '\n'); k >= 0 {
		p.line++
		return j + k + 1
	}
	return len(p.b)
}

func (p *parser) stmt() (stmt, error) {
	start, line := p.i, p.line
	p.key = ""
	j := p.skipBlanks(start)
	if j == len(p.b) || p.b[j] == '\n' || p.b[j] == '#' {
		p.i = p.toLineEnd(j)
		return stmt{kind: kindTrivia, raw: p.b[start:p.i], line: line}, nil
	}
	k := j
	if bytes.HasPrefix(p.b[k:], []byte("export")) && k+6 < len(p.b) && isBlank(p.b[k+6]) {
		k = p.skipBlanks(k + 6)
	}
	n := k
	if n < len(p.b) && isNameStart(p.b[n]) {
		for n < len(p.b) && isNameChar(p.b[n]) {
			n++
		}
	}
	if n == k || n == len(p.b) || (p.b[n] != '=' && p.b[n] != '+') {
		return p.other(start, j, line)
	}
	p.key = string(p.b[k:n])
	if p.b[n] == '+' {
		if n+1 < len(p.b) && p.b[n+1] == '=' {
			return stmt{}, p.errorf(line, "appending with += is not supported")
		}
		return p.other(start, j, line)
	}
	p.i = n + 1
	val, err := p.word()
	if err != nil {
		return stmt{}, err
	}
	val.Line = line
	valueEnd := p.i
	// After the value: blanks, then a comment or the end of the line. Bash
	// would run anything else as a command with the assignment in its
	// environment, which is not what a configuration file means.
	t := p.skipBlanks(p.i)
	if t < len(p.b) && p.b[t] != '\n' && p.b[t] != '#' {
		return stmt{}, p.errorf(p.line, "unquoted blank in value (quote the value)")
	}
	p.i = p.toLineEnd(t)
	val.Raw = string(p.b[n+1 : valueEnd])
	return stmt{
		kind:   kindAssign,
		line:   line,
		key:    p.key,
		prefix: p.b[start : n+1],
		value:  p.b[n+1 : valueEnd],
		suffix: p.b[valueEnd:p.i],
		val:    val,
	}, nil
}

// other reads a line that is not an assignment (kept, never acted on) up to
// its end, as bash would: its words may carry quotes that span lines. A
// quote or expansion left open is an error, since bash stops sourcing the
// file there and the entrypoint with it.
func (p *parser) other(start, j, line int) (stmt, error) {
	p.key, p.command, p.i = "", true, j
	defer func() { p.command = false }()
	for p.i < len(p.b) {
		switch c := p.b[p.i]; {
		case c == '\n':
			p.i++
			p.line++
			return stmt{kind: kindOther, raw: p.b[start:p.i], line: line}, nil
		case isBlank(c) || strings.IndexByte(shellOperators, c) >= 0:
			p.i++
		case c == '#': // at the start of a word: a comment
			p.i = p.toLineEnd(p.i)
			return stmt{kind: kindOther, raw: p.b[start:p.i], line: line}, nil
		default:
			if _, err := p.word(); err != nil {
				return stmt{}, err
			}
		}
	}
	return stmt{kind: kindOther, raw: p.b[start:p.i], line: line}, nil
}
