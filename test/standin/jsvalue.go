package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ordered is a JavaScript object with its keys in written order, as mongosh
// prints and MongoDB stores them.
type ordered []kv

type kv struct {
	k string
	v any
}

func (o ordered) get(k string) (any, bool) {
	for _, p := range o {
		if p.k == k {
			return p.v, true
		}
	}
	return nil, false
}

func (o ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, p := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(p.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(p.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// jsParser reads the literal subset of JavaScript that mongosh scripts pass
// to commands: objects, arrays, strings, numbers, booleans, null.
type jsParser struct {
	s   string
	pos int
}

func (p *jsParser) skip() {
	for p.pos < len(p.s) && strings.ContainsRune(" \t\r\n", rune(p.s[p.pos])) {
		p.pos++
	}
}

func (p *jsParser) peek() byte {
	p.skip()
	if p.pos >= len(p.s) {
		return 0
	}
	return p.s[p.pos]
}

func (p *jsParser) eat(c byte) bool {
	if p.peek() == c {
		p.pos++
		return true
	}
	return false
}

func (p *jsParser) errorf(format string, a ...any) error {
	return fmt.Errorf("SyntaxError: %s (at offset %d of the script; the stand-in mongosh understands only literal arguments)", fmt.Sprintf(format, a...), p.pos)
}

var identRE = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*`)

// plainKey is the key util.inspect prints without quotes (Node's keyStrRegExp).
var plainKey = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z_0-9]*$`)

var numberRE = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`)

func (p *jsParser) ident() string {
	p.skip()
	m := identRE.FindString(p.s[p.pos:])
	p.pos += len(m)
	return m
}

func (p *jsParser) value() (any, error) {
	switch c := p.peek(); {
	case c == '{':
		return p.object()
	case c == '[':
		p.pos++
		arr := []any{}
		for !p.eat(']') {
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			if !p.eat(',') && p.peek() != ']' {
				return nil, p.errorf("expected , or ]")
			}
		}
		return arr, nil
	case c == '"' || c == '\'':
		return p.str()
	case c == '-' || c >= '0' && c <= '9':
		m := numberRE.FindString(p.s[p.pos:])
		if m == "" {
			return nil, p.errorf("bad number")
		}
		p.pos += len(m)
		return json.Number(m), nil
	}
	switch id := p.ident(); id {
	case "true":
		return true, nil
	case "false":
		return false, nil
	case "null":
		return nil, nil
	case "":
		return nil, p.errorf("unexpected input")
	default:
		return nil, p.errorf("unsupported expression %q", id)
	}
}

func (p *jsParser) object() (ordered, error) {
	if !p.eat('{') {
		return nil, p.errorf("expected {")
	}
	o := ordered{}
	for !p.eat('}') {
		var k string
		if c := p.peek(); c == '"' || c == '\'' {
			s, err := p.str()
			if err != nil {
				return nil, err
			}
			k = s
		} else if k = p.ident(); k == "" {
			return nil, p.errorf("expected a key")
		}
		if !p.eat(':') {
			return nil, p.errorf("expected :")
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		o = append(o, kv{k, v})
		if !p.eat(',') && p.peek() != '}' {
			return nil, p.errorf("expected , or }")
		}
	}
	return o, nil
}

func (p *jsParser) str() (string, error) {
	q := p.s[p.pos]
	var b strings.Builder
	for i := p.pos + 1; i < len(p.s); i++ {
		c := p.s[i]
		switch {
		case c == q:
			p.pos = i + 1
			return b.String(), nil
		case c == '\\' && i+1 < len(p.s):
			i++
			switch e := p.s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", p.errorf("unterminated string")
}

// inspect prints v as mongosh does (Node's util.inspect): one line when it
// fits in 72 columns, else one entry a line.
func inspect(v any) string {
	if s, ok := v.(string); ok {
		return s // a top-level string prints bare
	}
	return inspectAt(v, 0)
}

func inspectAt(v any, depth int) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "'" + strings.ReplaceAll(x, "'", `\'`) + "'"
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case json.Number:
		return x.String()
	case map[string]string:
		if oid, ok := x["$oid"]; ok && len(x) == 1 {
			return "ObjectId('" + oid + "')"
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := ordered{}
		for _, k := range keys {
			o = append(o, kv{k, x[k]})
		}
		return inspectAt(o, depth)
	case ordered:
		if s, ok := inspectEJSON(x); ok {
			return s
		}
		parts := make([]string, len(x))
		for i, p := range x {
			k := p.k
			if !plainKey.MatchString(k) {
				k = "'" + k + "'"
			}
			parts[i] = k + ": " + inspectAt(p.v, depth+1)
		}
		return wrap("{", "}", parts, depth)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = inspectAt(e, depth+1)
		}
		return wrap("[", "]", parts, depth)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// inspectEJSON prints the extended-JSON wrappers as mongosh shows the BSON
// types they stand for.
func inspectEJSON(o ordered) (string, bool) {
	if len(o) != 1 {
		return "", false
	}
	inner, _ := o[0].v.(ordered)
	field := func(k string) string {
		v, _ := inner.get(k)
		return fmt.Sprint(v)
	}
	switch o[0].k {
	case "$oid":
		if s, ok := o[0].v.(string); ok {
			return "ObjectId('" + s + "')", true
		}
	case "$numberLong":
		if s, ok := o[0].v.(string); ok {
			return "Long('" + s + "')", true
		}
	case "$timestamp":
		if inner != nil {
			return fmt.Sprintf("Timestamp({ t: %s, i: %s })", field("t"), field("i")), true
		}
	case "$binary":
		if inner != nil {
			sub := strings.TrimLeft(field("subType"), "0")
			if sub == "" {
				sub = "0"
			}
			return fmt.Sprintf("Binary.createFromBase64('%s', %s)", field("base64"), sub), true
		}
	}
	return "", false
}

func wrap(open, close string, parts []string, depth int) string {
	if len(parts) == 0 {
		return open + close
	}
	line := open + " " + strings.Join(parts, ", ") + " " + close
	if len(line)+2*depth <= 72 && !strings.Contains(line, "\n") {
		return line
	}
	ind := strings.Repeat("  ", depth+1)
	return open + "\n" + ind + strings.Join(parts, ",\n"+ind) + "\n" + strings.Repeat("  ", depth) + close
}
