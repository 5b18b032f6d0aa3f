package kube

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/appsmith-install/appsmith-install/internal/certs"
	"github.com/appsmith-install/appsmith-install/internal/mdgen"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

var update = flag.Bool("update", false, "rewrite golden files and README's Kubernetes section")

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs (run with -update if the change is meant):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func line(t *testing.T, v string) Line {
	t.Helper()
	l, err := LineOf(v)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestValuesPerHop: the values an upgrade hands Helm at each hop of the
// same path a host upgrade takes (upgrade.Path), pinned to the hop's tag.
func TestValuesPerHop(t *testing.T) {
	tags := []string{"v2.0.1", "v1.99", "v1.9.38", "v1.9.2", "v1.9.1", "v1.8.15"}
	hops, err := upgrade.Path("v1.8.15", "v2.0.1", tags, upgrade.DBExternalMongo)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	o := Defaults()
	for i, h := range hops {
		in := Input{Edition: "ee", Version: h.To, DBURL: "mongodb://db.example:27017/appsmith"}
		g, err := Generate(line(t, "3.8"), in, o)
		if err != nil {
			t.Fatal(err)
		}
		if ImageTag(g.Values) != h.To {
			t.Errorf("hop %d: image tag %q, want %q", i+1, ImageTag(g.Values), h.To)
		}
		out, err := yaml.Marshal(g.Values)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.ReplaceAll(h.From+"-to-"+h.To, ".", "_") + ".yaml"
		golden(t, filepath.Join("testdata", "hops", name), out)
		got = append(got, h.From+"→"+h.To)
	}
	if want := "v1.8.15→v1.9.2 v1.9.2→v1.99 v1.99→v2.0.1"; strings.Join(got, " ") != want {
		t.Errorf("hops %q, want %q", strings.Join(got, " "), want)
	}
}

func TestGenerateMapping(t *testing.T) {
	ca := certs.CA{Name: "Corp-Root.crt", PEM: []byte("-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n")}
	in := Input{Edition: "ce", Version: "v1.9.2", Registry: "mirror.example:5000",
		DBURL: "mongodb://app:s3cret@db.example/appsmith", RedisURL: "redis://cache.example:6379",
		TLS: "letsencrypt", Domain: "apps.example.com", TLSFiles: &certs.Material{CAs: []certs.CA{ca}}}
	o := Options{Namespace: "tools", Release: "prod"}
	g, err := Generate(line(t, "3.7.2"), in, o)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := yaml.Marshal(g.Values)
	golden(t, filepath.Join("testdata", "mapping-full.yaml"), out)
	if strings.Contains(string(out), "s3cret") {
		t.Error("a password reached the chart values")
	}
	if g.SecretKeys["APPSMITH_DB_URL"] != in.DBURL || g.SecretKeys["APPSMITH_ENCRYPTION_SALT"] != "" {
		t.Errorf("secret keys %v", g.SecretKeyNames())
	}
	if _, ok := g.SecretKeys["APPSMITH_REDIS_URL"]; ok {
		t.Error("a URL without a password went into the Secret")
	}
}

func TestGenerateRefusals(t *testing.T) {
	for _, c := range []struct {
		in    Input
		field string
	}{
		{Input{Edition: "ee", Version: "latest"}, "version"},
		{Input{Edition: "xx", Version: "v1.9.2"}, "edition"},
		{Input{Edition: "ee", Version: "v1.9.2", TLS: "letsencrypt"}, "domain"},
		{Input{Edition: "ee", Version: "v1.9.2", TLS: "custom"}, "cert"},
	} {
		_, err := Generate(line(t, "3.8"), c.in, Defaults())
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v: err %v, want a --%s error", c.in, err, c.field)
		}
	}
	if _, err := LineOf("4.0.0"); err == nil || !strings.Contains(err.Error(), "3.7, 3.8") {
		t.Errorf("LineOf(4.0.0): %v", err)
	}
}

func TestUserValuesRefused(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ text, key string }{
		{"_image:\n  tag: v1.9.0\n", "_image.tag"},
		{"_image:\n  repository: x/y\n", "_image.repository"},
		{"autoupdate:\n  enabled: true\n", "autoupdate.enabled"},
		{"image:\n  tag: latest\n", "image.tag"},
		{"image:\n  tag: v1.9.1\n", "image.tag"},
		{"fullnameOverride: mine\n", "fullnameOverride"},
		{"nameOverride: mine\n", "nameOverride"},
		{"applicationConfig:\n  APPSMITH_ENCRYPTION_PASSWORD: p\n", "applicationConfig.APPSMITH_ENCRYPTION_PASSWORD"},
		{"applicationConfig:\n  APPSMITH_ENCRYPTION_SALT: s\n", "applicationConfig.APPSMITH_ENCRYPTION_SALT"},
		{"applicationConfig:\n  APPSMITH_DB_URL: mongodb://h/db\n", "applicationConfig.APPSMITH_DB_URL"},
		{"applicationConfig:\n  APPSMITH_MONGODB_URI: mongodb://h/db\n", "applicationConfig.APPSMITH_MONGODB_URI"},
		{"applicationConfig:\n  APPSMITH_REDIS_URL: redis://h\n", "applicationConfig.APPSMITH_REDIS_URL"},
	} {
		f := filepath.Join(dir, "v.yaml")
		if err := os.WriteFile(f, []byte(c.text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadUserValues([]string{f}, "v1.9.2", Values{})
		var ve *ValuesError
		if !errors.As(err, &ve) || ve.Key != c.key || ve.File != f {
			t.Errorf("%q: err %v, want one naming %s and the file", c.text, err, c.key)
		}
	}
	// What the pin allows: the same tag, _image empty, auto-update off,
	// and keys the tool sets (reported, then overridden).
	f := filepath.Join(dir, "ok.yaml")
	text := "_image: {}\nautoupdate:\n  enabled: false\nimage:\n  tag: v1.9.2\npersistence:\n  size: 50Gi\nnameOverride: \"\"\napplicationConfig:\n  APPSMITH_DB_URL: \"\"\n  APPSMITH_MAIL_ENABLED: \"true\"\n"
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	g, _ := Generate(line(t, "3.8"), Input{Edition: "ee", Version: "v1.9.2"}, Defaults())
	uv, err := LoadUserValues([]string{f}, "v1.9.2", g.Values)
	if err != nil {
		t.Fatal(err)
	}
	final := Final(uv, g)
	if p := final["persistence"].(map[string]any); p["size"] != "50Gi" || p["enabled"] != true {
		t.Errorf("persistence %v: want the user's size and the tool's enabled", p)
	}
	if strings.Join(uv.Overridden, ",") == "" {
		t.Error("keys the tool sets were not reported")
	}
}

// Options refused before anything is asked of a cluster, naming the flag.
func TestOptionsRefused(t *testing.T) {
	long := strings.Repeat("a", 44) // "-appsmith" makes the StatefulSet's name 53 long
	for _, c := range []struct {
		o     Options
		field string
	}{
		{Options{Release: long}, "release"},
		{Options{Release: "appsmith-" + strings.Repeat("b", 44)}, "release"},
		{Options{Release: "Bad"}, "release"},
		{Options{Namespace: "a_b"}, "namespace"},
		{Options{Chart: "https://charts.example.com/appsmith"}, "chart"},
	} {
		_, err := c.o.Normalize()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != c.field {
			t.Errorf("%+v: err %v, want a --%s error", c.o, err, c.field)
		}
	}
	for _, o := range []Options{{Release: strings.Repeat("a", 43)}, {Release: "appsmith-" + strings.Repeat("b", 43)}, {Chart: "oci://r.example/charts/appsmith:3.8.1"}} {
		if _, err := o.Normalize(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

// TestReadme fails when README's Kubernetes values section is not the one
// generated from Lines.
func TestReadme(t *testing.T) {
	if err := mdgen.Check("../../README.md", ReplaceSection, *update, "go test ./internal/kube -run TestReadme -update"); err != nil {
		t.Error(err)
	}
}
