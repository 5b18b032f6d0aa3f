package stacks

import (
	"bytes"
	"strings"
)

// shellOperators end an unquoted word.
const shellOperators = ";&|<>()"

// word reads an assignment value at p.i by bash's rules for the word after
// `NAME=`: quotes, backslashes and concatenation are resolved; expansions
// ($, backquotes, a leading ~) are not performed but flagged, and their text
// is kept as written. Pathname and brace expansion do not apply to
// assignments, so *, ?, [ and { are plain characters here.
func (p *parser) word() (EnvValue, error) {
	var text strings.Builder
	var v EnvValue
	tilde := true // a ~ here would be expanded: start of value or after ':'
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case isBlank(c) || c == '\n':
			v.Text = text.String()
			return v, nil
		case strings.IndexByte(shellOperators, c) >= 0:
			if p.command {
				v.Text = text.String()
				return v, nil
			}
			return v, p.errorf(p.line, "unquoted shell operator in value (quote the value)")
		case c == '\\':
			switch {
			case p.i+1 == len(p.b):
				text.WriteByte('\\') // bash keeps a backslash at end of file
				p.i++
			case p.b[p.i+1] == '\n': // line continuation
				p.i += 2
				p.line++
			default:
				text.WriteByte(p.b[p.i+1])
				p.i += 2
			}
			tilde = false
			continue
		case c == '\'':
			if err := p.single(&text); err != nil {
				return v, err
			}
		case c == '"':
			if err := p.double(&text, &v); err != nil {
				return v, err
			}
		case c == '$':
			if err := p.dollar(&text, &v, false); err != nil {
				return v, err
			}
		case c == '`':
			v.Expands = true
			if err := p.nested(&text, '`', '`'); err != nil {
				return v, err
			}
		default:
			if c == '~' && tilde {
				v.Expands = true
			}
			text.WriteByte(c)
			p.i++
			tilde = c == ':'
			continue
		}
		tilde = false
	}
	v.Text = text.String()
	return v, nil
}

// single reads '...': everything up to the next quote, literally.
func (p *parser) single(text *strings.Builder) error {
	line := p.line
	end := bytes.IndexByte(p.b[p.i+1:], '\'')
	if end < 0 {
		return p.errorf(line, "unterminated single quote")
	}
	s := p.b[p.i+1 : p.i+1+end]
	text.Write(s)
	p.line += bytes.Count(s, []byte{'\n'})
	p.i += end + 2
	return nil
}

// double reads "...", where a backslash escapes only $ ` " \ and newline.
func (p *parser) double(text *strings.Builder, v *EnvValue) error {
	line := p.line
	p.i++
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch c {
		case '"':
			p.i++
			return nil
		case '\\':
			if p.i+1 < len(p.b) {
				switch n := p.b[p.i+1]; n {
				case '\n':
					p.line++
					p.i += 2
					continue
				case '$', '`', '"', '\\':
					text.WriteByte(n)
					p.i += 2
					continue
				}
			}
			text.WriteByte(c)
			p.i++
		case '$':
			if err := p.dollar(text, v, true); err != nil {
				return err
			}
		case '`':
			v.Expands = true
			if err := p.nested(text, '`', '`'); err != nil {
				return err
			}
		default:
			if c == '\n' {
				p.line++
			}
			text.WriteByte(c)
			p.i++
		}
	}
	return p.errorf(line, "unterminated double quote")
}

// dollar reads a $ at p.i. A lone $ is a plain character; anything bash
// would expand is flagged and its source text kept.
func (p *parser) dollar(text *strings.Builder, v *EnvValue, quoted bool) error {
	var n byte
	if p.i+1 < len(p.b) {
		n = p.b[p.i+1]
	}
	switch {
	case n == '(':
		v.Expands = true
		text.WriteByte('$')
		p.i++
		return p.nested(text, '(', ')')
	case n == '{':
		v.Expands = true
		text.WriteByte('$')
		p.i++
		return p.nested(text, '{', '}')
	case n == '[':
		v.Expands = true
		text.WriteByte('$')
		p.i++
		return p.nested(text, '[', ']')
	case !quoted && n == '\'': // $'...': ANSI-C quoting
		v.Expands = true
		return p.ansiC(text)
	case !quoted && n == '"': // $"...": locale translation
		v.Expands = true
		text.WriteByte('$')
		p.i++
		return p.double(text, v)
	case isNameChar(n) || (n != 0 && strings.IndexByte("@*#?$!-", n) >= 0):
		v.Expands = true
	}
	text.WriteByte('$')
	p.i++
	return nil
}

// ansiC keeps $'...' as written; within it a backslash escapes anything.
func (p *parser) ansiC(text *strings.Builder) error {
	line, j := p.line, p.i+2
	for j < len(p.b) && p.b[j] != '\'' {
		if p.b[j] == '\\' {
			j++
		}
		j++
	}
	if j >= len(p.b) {
		return p.errorf(line, "unterminated $'...' quote")
	}
	s := p.b[p.i : j+1]
	text.Write(s)
	p.line += bytes.Count(s, []byte{'\n'})
	p.i = j + 1
	return nil
}

// nested keeps an expansion such as $(...), ${...} or `...` as written,
// finding its end past nested brackets, quotes and escapes. It only has to
// find where the value ends, not what it means.
func (p *parser) nested(text *strings.Builder, open, close byte) error {
	line, start, depth := p.line, p.i, 0
	j := p.i
	for j < len(p.b) {
		c := p.b[j]
		switch {
		case c == '\\':
			j++
		case c == close && j > start:
			depth--
		case c == open:
			depth++
		case (c == '\'' || c == '"') && open != '`':
			j = p.skipQuoted(j)
		}
		j++
		if depth == 0 {
			s := p.b[start:j]
			text.Write(s)
			p.line += bytes.Count(s, []byte{'\n'})
			p.i = j
			return nil
		}
	}
	return p.errorf(line, "unterminated expansion")
}

// skipQuoted returns the offset of the quote closing the one at j, or the end
// of the input when there is none.
func (p *parser) skipQuoted(j int) int {
	q := p.b[j]
	for j++; j < len(p.b); j++ {
		switch {
		case p.b[j] == q:
			return j
		case p.b[j] == '\\' && q == '"':
			j++
		}
	}
	return len(p.b)
}
