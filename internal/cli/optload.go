package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// optLoader fills any options struct whose fields carry `opt:"name"` tags
// from four layers, later ones winning: defaults < --config YAML (key
// name_with_underscores) < environment (PREFIX + NAME_IN_CAPS) < flags that
// were set (--name). sources remembers where each value came from, so an
// error names the flag, file key or variable the user must fix. Every
// command with options (install today; upgrade, backup) gets the same
// environment and config-file twins of its flags this way.
type optLoader[T any] struct {
	opts      T
	envPrefix string            // "APPSMITH_INSTALL_"
	sources   map[string]string // option name → "--http-port" / "http_port in f.yaml" / "APPSMITH_INSTALL_HTTP_PORT"
	// others are the keys of a config file that another loader of the same
	// file reads (install.yaml holds both the install's and the Kubernetes
	// target's keys): not unknown, not this loader's.
	others map[string]bool
}

func newOptLoader[T any](defaults T, envPrefix string) *optLoader[T] {
	return &optLoader[T]{opts: defaults, envPrefix: envPrefix, sources: map[string]string{}}
}

// field is one tagged option, by its canonical name.
type field struct {
	name  string // "http-port"
	index int
	kind  reflect.Type
}

func (l *optLoader[T]) fields() []field {
	t := reflect.TypeOf(l.opts)
	var fs []field
	for i := 0; i < t.NumField(); i++ {
		if n := t.Field(i).Tag.Get("opt"); n != "" {
			fs = append(fs, field{name: n, index: i, kind: t.Field(i).Type})
		}
	}
	return fs
}

func yamlKey(name string) string { return strings.ReplaceAll(name, "-", "_") }

func (l *optLoader[T]) envKey(name string) string {
	return l.envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

func (l *optLoader[T]) set(f field, raw, source string) error {
	v := reflect.ValueOf(&l.opts).Elem().Field(f.index)
	switch {
	case f.kind == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return engine.UsageError("invalid %s %q: want a duration such as 10m or 90s", source, raw)
		}
		v.SetInt(int64(d))
	case f.kind.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return engine.UsageError("invalid %s %q: want true or false", source, raw)
		}
		v.SetBool(b)
	case f.kind.Kind() == reflect.Slice:
		// One value per call: flags repeat, the environment separates with
		// commas, a config file gives a list.
		var items []string
		for _, it := range strings.Split(raw, ",") {
			if it = strings.TrimSpace(it); it != "" {
				items = append(items, it)
			}
		}
		if l.sources[f.name] != source {
			v.Set(reflect.Zero(f.kind))
		}
		v.Set(reflect.AppendSlice(v, reflect.ValueOf(items)))
	case f.kind.Kind() == reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			return engine.UsageError("invalid %s %q: want a number", source, raw)
		}
		v.SetInt(int64(n))
	default:
		v.SetString(raw)
	}
	l.sources[f.name] = source
	return nil
}

// fromFile reads a YAML config file; unknown keys are errors (a typo must not
// be silently ignored by an unattended install).
func (l *optLoader[T]) fromFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return engine.UsageError("--config %s: %v", path, err)
	}
	return l.fromYAML(data, path)
}

// fromYAML reads options from YAML that came from path (a file, or
// "user-data" for firstboot's appsmith section): the same keys and rules.
func (l *optLoader[T]) fromYAML(data []byte, path string) error {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return engine.UsageError("%s: not valid YAML: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var m map[string]yaml.Node
	if len(doc.Content) > 0 {
		if top := doc.Content[0]; top.Kind != yaml.MappingNode {
			return engine.UsageError("%s: want option keys with values (such as `http_port: 8080`), found %s at line %d", path, yamlKind(top), top.Line)
		}
		if err := doc.Decode(&m); err != nil {
			return engine.UsageError("%s: want option keys with values (such as `http_port: 8080`): %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
		}
	}
	known := map[string]field{}
	for _, f := range l.fields() {
		known[yamlKey(f.name)] = f
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := known[k]
		if !ok && l.others[k] {
			continue
		}
		if !ok {
			known := l.knownKeys()
			for _, o := range slices.Sorted(maps.Keys(l.others)) {
				if !slices.Contains(known, o) {
					known = append(known, o)
				}
			}
			return engine.UsageError("%s: unknown key %q (known: %s)", path, k, strings.Join(known, ", "))
		}
		node := m[k]
		src := fmt.Sprintf("%s in %s", k, path)
		switch {
		case node.Kind == yaml.SequenceNode && f.kind.Kind() == reflect.Slice:
			for _, item := range node.Content {
				if item.Kind != yaml.ScalarNode {
					return engine.UsageError("%s: %s must be a list of values", path, k)
				}
				if err := l.set(f, item.Value, src); err != nil {
					return err
				}
			}
		case node.Kind != yaml.ScalarNode:
			return engine.UsageError("%s: %s must be a single value", path, k)
		default:
			if err := l.set(f, node.Value, src); err != nil {
				return err
			}
		}
	}
	return nil
}

func yamlKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("the single value %q", n.Value)
	}
	return "no mapping"
}

func (l *optLoader[T]) knownKeys() []string {
	var ks []string
	for _, f := range l.fields() {
		ks = append(ks, yamlKey(f.name))
	}
	return ks
}

func (l *optLoader[T]) fromEnv(getenv func(string) string) error {
	for _, f := range l.fields() {
		if v := getenv(l.envKey(f.name)); v != "" {
			if err := l.set(f, v, l.envKey(f.name)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *optLoader[T]) fromFlags(fs *pflag.FlagSet) error {
	for _, f := range l.fields() {
		fl := fs.Lookup(f.name)
		if fl == nil || !fl.Changed {
			continue
		}
		values := []string{fl.Value.String()}
		if sv, ok := fl.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			if err := l.set(f, v, "--"+f.name); err != nil {
				return err
			}
		}
	}
	return nil
}

// usage turns a *install.FieldError into a usage error naming the flag,
// config key or variable the value came from.
func (l *optLoader[T]) usage(err error) error {
	var fe *install.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	src := l.sources[fe.Field]
	if src == "" {
		src = "--" + fe.Field
	}
	if fe.Value == "" {
		return engine.UsageError("%s: %s", src, fe.Reason)
	}
	return engine.UsageError("invalid %s %q: %s", src, fe.Value, fe.Reason)
}
