package tui

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"gopkg.in/yaml.v3"

	"github.com/appsmith-install/appsmith-install/install"
)

// commandCases are option sets whose unattended forms are kept as goldens.
func commandCases() map[string]install.Options {
	full := install.Defaults()
	full.Dir = "/srv/appsmith"
	full.Edition = "ce"
	full.Version = "v1.99"
	full.HTTPPort, full.HTTPSPort = 8080, 8443
	full.BindAddress = "127.0.0.1"
	full.TLS = "custom"
	full.Domain = "appsmith.example.com"
	full.Cert, full.Key = "/etc/ssl/my cert.pem", "/etc/ssl/it's.key"
	full.CACerts = []string{"/etc/ssl/corp-root.pem", "/etc/ssl/corp-issuing.pem"}
	full.DBURL = "postgresql://appsmith:s3cret@db.internal:5432/appsmith"
	full.RedisURL = "redis://cache.internal:6379"
	full.Timeout = 15 * time.Minute
	full.LinkDir = ""
	full.Telemetry = true

	noPassword := install.Defaults()
	noPassword.DBURL = "mongodb://db.internal:27017/appsmith"
	noPassword.Image = "mirror.example.com:5000/appsmith/appsmith-ee:v1.99"

	// What the CLI hands over: options normalised (the TLS mode derived).
	normalized, _ := install.Defaults().Normalize()

	return map[string]install.Options{"defaults": install.Defaults(), "defaults-normalized": normalized,
		"full": full, "db-without-password": noPassword}
}

func TestEquivalentCommand(t *testing.T) {
	for name, o := range commandCases() {
		t.Run(name, func(t *testing.T) {
			golden.RequireEqual(t, EquivalentCommand(o)+"\n")
		})
	}
}

func TestConfigYAML(t *testing.T) {
	for name, o := range commandCases() {
		t.Run(name, func(t *testing.T) {
			out, err := ConfigYAML(o)
			if err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, out)
		})
	}
}

// withoutSecrets is o as the unattended forms carry it: a URL with a
// password comes from the environment instead.
func withoutSecrets(o install.Options) install.Options {
	if strings.Contains(o.DBURL, ":s3cret@") {
		o.DBURL = ""
	}
	return o
}

// norm is o as the CLI ends up with it: an option left to its default and
// the same default spelled out are then the same.
func norm(t *testing.T, o install.Options) install.Options {
	t.Helper()
	n, err := o.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConfigYAMLRoundTrip reads the saved file the way a config file is
// read, under the yaml keys of install.Options and nothing else.
func TestConfigYAMLRoundTrip(t *testing.T) {
	for name, o := range commandCases() {
		t.Run(name, func(t *testing.T) {
			out, err := ConfigYAML(o)
			if err != nil {
				t.Fatal(err)
			}
			got := install.Defaults()
			dec := yaml.NewDecoder(bytes.NewReader(out))
			dec.KnownFields(true)
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("%v in:\n%s", err, out)
			}
			if got, want := norm(t, got), norm(t, withoutSecrets(o)); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v\nfrom:\n%s", got, want, out)
			}
			if strings.Contains(string(out), "s3cret") {
				t.Errorf("the password is in the file:\n%s", out)
			}
		})
	}
}

// TestEquivalentCommandRoundTrip splits the command as sh would and applies
// its flags by their opt names: the quoting and the flag forms must give
// the options back.
func TestEquivalentCommandRoundTrip(t *testing.T) {
	for name, o := range commandCases() {
		t.Run(name, func(t *testing.T) {
			cmd := EquivalentCommand(o)
			if strings.Contains(cmd, "s3cret") {
				t.Fatalf("the password is on the command line: %s", cmd)
			}
			got := norm(t, applyFlags(t, shSplit(t, cmd)))
			if want := norm(t, withoutSecrets(o)); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip of %s:\n got %+v\nwant %+v", cmd, got, want)
			}
		})
	}
}

// shSplit splits what EquivalentCommand writes: plain words, '…' with '\”
// inside, and the "…" of an environment reference.
func shSplit(t *testing.T, s string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == ' ':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		t.Fatalf("unterminated quote in %s", s)
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

func applyFlags(t *testing.T, words []string) install.Options {
	o := install.Defaults()
	v := reflect.ValueOf(&o).Elem()
	byName := map[string]int{}
	for i := 0; i < v.NumField(); i++ {
		byName[v.Type().Field(i).Tag.Get("opt")] = i
	}
	for len(words) > 0 && strings.HasPrefix(words[0], "APPSMITH_INSTALL_") {
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "appsmith-install" || words[1] != "--yes" {
		t.Fatalf("not an unattended install: %q", words)
	}
	for i := 2; i < len(words); i++ {
		name, val, hasVal := strings.Cut(strings.TrimPrefix(words[i], "--"), "=")
		idx, ok := byName[name]
		if !ok {
			t.Fatalf("unknown flag %s", words[i])
		}
		f := v.Field(idx)
		if f.Kind() == reflect.Bool {
			b := true
			if hasVal {
				b, _ = strconv.ParseBool(val)
			}
			f.SetBool(b)
			continue
		}
		i++
		val = words[i]
		switch {
		case f.Type() == reflect.TypeOf(time.Duration(0)):
			d, err := time.ParseDuration(val)
			if err != nil {
				t.Fatal(err)
			}
			f.SetInt(int64(d))
		case f.Kind() == reflect.Int:
			n, err := strconv.Atoi(val)
			if err != nil {
				t.Fatal(err)
			}
			f.SetInt(int64(n))
		case f.Kind() == reflect.Slice:
			f.Set(reflect.Append(f, reflect.ValueOf(val)))
		default:
			f.SetString(val)
		}
	}
	return o
}

func TestVersionChoices(t *testing.T) {
	got := versionChoices([]string{"v1.9.1", "v1.99", "latest", "v1.9.2", "v1.100-rc1", "v1.100", "v1.10", "v1.99", "nightly"}, "v1.5")
	want := []versionChoice{
		{"latest", "the newest release"},
		{"v1.5", "as asked (not in the registry's list)"},
		{"v1.100", ""},
		{"v1.99", "checkpoint: instances older than v1.96 must run it first"},
		{"v1.10", ""},
		{"v1.9.2", "checkpoint: instances older than v1.9.2 must run it first"},
		{"v1.9.1", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}
