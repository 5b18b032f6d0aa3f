package tui

import (
	"bytes"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/appsmith-install/appsmith-install/install"
)

// option is one field of install.Options as the CLI names it.
type option struct {
	name string // flag name, as in the opt tag: "http-port"
	key  string // config file key, as in the yaml tag: "http_port"
	val  reflect.Value
}

// changedOptions lists, in declaration order, the options of o that differ
// from the defaults: the unattended forms carry only those, so they stay
// short and keep following the defaults of newer installers.
func changedOptions(o install.Options) []option {
	v := reflect.ValueOf(o)
	defaults := []reflect.Value{reflect.ValueOf(install.Defaults()), reflect.ValueOf(baseline())}
	var out []option
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name := f.Tag.Get("opt")
		if name == "" || isDefault(v.Field(i), defaults, i) {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		out = append(out, option{name: name, key: key, val: v.Field(i)})
	}
	return out
}

// isDefault: the value given when no option is, or what Normalize makes
// of it (TLS "" and "none" both mean no TLS).
func isDefault(f reflect.Value, defaults []reflect.Value, i int) bool {
	for _, d := range defaults {
		if reflect.DeepEqual(f.Interface(), d.Field(i).Interface()) {
			return true
		}
		if f.Kind() == reflect.Slice && f.Len() == 0 && d.Field(i).Len() == 0 {
			return true // nil and empty lists say the same thing
		}
	}
	return false
}

// baseline is what the CLI holds when no option is given: the defaults as
// Normalize completes them (the TLS mode derived as "none"), so a value
// that only spells out a default is not repeated.
func baseline() install.Options {
	d := install.Defaults()
	if n, err := d.Normalize(); err == nil {
		return n
	}
	return d
}

// envName is the variable the CLI reads an option from.
func envName(name string) string {
	return "APPSMITH_INSTALL_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// secretWhat names what a secret option holds, or "" when the value may be
// shown. A URL with a password is a secret; so is one we cannot parse, since
// we cannot tell.
func secretWhat(op option) string {
	var what string
	switch op.name {
	case "db-url":
		what = "database URL"
	case "redis-url":
		what = "Redis URL"
	default:
		return ""
	}
	u, err := url.Parse(op.val.String())
	if err != nil {
		return what
	}
	if _, has := u.User.Password(); has {
		return what
	}
	return ""
}

var shSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shQuote quotes s for a POSIX shell.
func shQuote(s string) string {
	if shSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// EquivalentCommand is the unattended command line that installs o: only
// the options that differ from the defaults, quoted for sh. A secret (a
// database or Redis URL with a password) never appears: the command takes
// it from the environment variable the CLI reads, and the shell refuses to
// run it while that variable is unset ("${VAR:?}"), so the password stays
// out of the shell history and the process list.
func EquivalentCommand(o install.Options) string {
	return strings.Join(commandWords(o), " ")
}

// commandWords is EquivalentCommand in units that a view may put on
// separate lines: a flag stays with its value.
func commandWords(o install.Options) []string {
	var env []string
	args := []string{"appsmith-install", "--yes"}
	for _, op := range changedOptions(o) {
		if secretWhat(op) != "" {
			n := envName(op.name)
			env = append(env, fmt.Sprintf(`%s="${%s:?}"`, n, n))
			continue
		}
		flag := "--" + op.name
		switch v := op.val.Interface().(type) {
		case bool:
			if v {
				args = append(args, flag)
			} else {
				args = append(args, flag+"=false")
			}
		case []string:
			for _, it := range v {
				args = append(args, flag+" "+shQuote(it))
			}
		default:
			args = append(args, flag+" "+shQuote(scalar(op.val)))
		}
	}
	return append(env, args...)
}

// scalar is the text of a single-valued option as the CLI parses it.
func scalar(v reflect.Value) string {
	switch x := v.Interface().(type) {
	case time.Duration:
		return x.String()
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return v.String()
}

// ConfigYAML is the install.yaml for o, for `appsmith-install --yes --config`:
// only the options that differ from the defaults, under the keys the CLI
// reads. A secret is left out with a comment naming the environment
// variable to set instead, since config files get copied into user data
// and version control.
func ConfigYAML(o install.Options) ([]byte, error) {
	doc := &yaml.Node{Kind: yaml.MappingNode}
	var left []string
	for _, op := range changedOptions(o) {
		if what := secretWhat(op); what != "" {
			left = append(left, fmt.Sprintf("# %s is left out: the %s holds a password. Set %s in the environment instead.", op.key, what, envName(op.name)))
			continue
		}
		k := &yaml.Node{}
		k.SetString(op.key)
		doc.Content = append(doc.Content, k, valueNode(op.val))
	}
	var body bytes.Buffer
	enc := yaml.NewEncoder(&body)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("# Appsmith install options, made by the appsmith-install wizard.\n")
	b.WriteString("# Use: appsmith-install --yes --config install.yaml\n")
	b.WriteString("# Only options that differ from the defaults are listed.\n")
	for _, l := range left {
		b.WriteString(l + "\n")
	}
	b.Write(body.Bytes())
	return []byte(b.String()), nil
}

func valueNode(v reflect.Value) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode}
	switch x := v.Interface().(type) {
	case []string:
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, it := range x {
			item := &yaml.Node{}
			item.SetString(it)
			seq.Content = append(seq.Content, item)
		}
		return seq
	case int:
		n.Tag, n.Value = "!!int", strconv.Itoa(x)
	case bool:
		n.Tag, n.Value = "!!bool", strconv.FormatBool(x)
	default:
		n.SetString(scalar(v))
	}
	return n
}
