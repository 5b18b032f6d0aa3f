package firstboot

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func installKeys(t *testing.T, s Settings) map[string]string {
	t.Helper()
	m := map[string]string{}
	if err := yaml.Unmarshal(s.Install, &m); err != nil {
		t.Fatalf("Install %q: %v", s.Install, err)
	}
	return m
}

func TestParseFindsTheSection(t *testing.T) {
	cloudConfig := "#cloud-config\npackage_update: false\nappsmith:\n  edition: ce\n  domain: apps.example.com\n  tls: letsencrypt\n  backup:\n    daily: \"03:00\"\n    to: s3://bucket/appsmith\n  auto_update:\n    window: Sun 03:00\nruncmd: [echo hi]\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(cloudConfig))
	zw.Close()
	multipart := "Content-Type: multipart/mixed; boundary=\"XX\"\nMIME-Version: 1.0\n\n--XX\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho hi\n--XX\nContent-Type: text/cloud-config\n\n" + cloudConfig + "--XX--\n"
	script := "#!/bin/bash\ncat > /tmp/x <<'EOF'\nappsmith:\n  edition: ce\n  domain: apps.example.com\n  tls: letsencrypt\n  backup:\n    daily: \"03:00\"\n    to: s3://bucket/appsmith\n  auto_update:\n    window: Sun 03:00\nEOF\necho done\n"
	for name, ud := range map[string]string{"cloud-config": cloudConfig, "gzip": gz.String(), "multipart": multipart, "script": script} {
		t.Run(name, func(t *testing.T) {
			s, err := Parse([]byte(ud))
			if err != nil {
				t.Fatal(err)
			}
			got := installKeys(t, s)
			if len(got) != 3 || got["edition"] != "ce" || got["domain"] != "apps.example.com" || got["tls"] != "letsencrypt" {
				t.Errorf("install keys %v", got)
			}
			if s.Backup["daily"] != "03:00" || s.Backup["to"] != "s3://bucket/appsmith" || s.AutoUpdate["window"] != "Sun 03:00" {
				t.Errorf("backup %v, auto-update %v", s.Backup, s.AutoUpdate)
			}
		})
	}
}

func TestParseIgnoresUserDataWithoutTheSection(t *testing.T) {
	for _, ud := range []string{"", "#!/bin/sh\necho hi\n", "#cloud-config\npackages: [htop]\n", "appsmith:\n", "not: [valid", "- a\n- list\n"} {
		if _, err := Parse([]byte(ud)); !errors.Is(err, ErrNoSection) {
			t.Errorf("%q: err = %v, want ErrNoSection", ud, err)
		}
	}
}

func TestParseRefusesAMalformedSection(t *testing.T) {
	for ud, want := range map[string]string{
		"appsmith: yes\n":                        "must be a mapping",
		"appsmith:\n  backup: daily\n":           "appsmith.backup must be a mapping",
		"appsmith:\n  backup:\n    to: [a, b]\n": "appsmith.backup.to must be a single value",
	} {
		if _, err := Parse([]byte(ud)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", ud, err, want)
		}
	}
}

func TestNotesOnceAndPrivate(t *testing.T) {
	root := t.TempDir()
	s := Site{Dir: "/opt/appsmith", Provider: "aws", InstanceID: "i-1", Address: "ec2-1-2-3-4.compute.amazonaws.com", HTTPPort: 80, Version: "v1.9.38"}
	wrote, err := WriteNotes(root, s)
	if err != nil || len(wrote) != 2 {
		t.Fatalf("wrote %v, %v", wrote, err)
	}
	cred := filepath.Join(root, CredentialsPath)
	fi, err := os.Stat(cred)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials mode %v, %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(cred)
	for _, want := range []string{"http://ec2-1-2-3-4.compute.amazonaws.com/", "/opt/appsmith/stacks/configuration/docker.env", "appsmith status", "appsmith backup", "appsmith upgrade", "no default account"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("credentials lack %q:\n%s", want, b)
		}
	}
	motd, _ := os.ReadFile(filepath.Join(root, MOTDPath))
	if !strings.Contains(string(motd), "http://ec2-1-2-3-4.compute.amazonaws.com/") {
		t.Errorf("motd: %s", motd)
	}
	if wrote, err := WriteNotes(root, s); err != nil || len(wrote) != 0 {
		t.Errorf("second run wrote %v, %v", wrote, err)
	}
	s.Address = "3.3.3.3" // a new instance from a snapshot: a new address
	if wrote, err := WriteNotes(root, s); err != nil || len(wrote) != 2 {
		t.Errorf("new address: wrote %v, %v", wrote, err)
	}
}

func TestURL(t *testing.T) {
	for _, tc := range []struct {
		s    Site
		want string
	}{
		{Site{Address: "10.0.0.5", HTTPPort: 80}, "http://10.0.0.5/"},
		{Site{Address: "10.0.0.5", HTTPPort: 8080}, "http://10.0.0.5:8080/"},
		{Site{Address: "10.0.0.5", Domain: "a.example.com", HTTPSPort: 443}, "https://a.example.com/"},
		{Site{Address: "fd00::1", HTTPPort: 80}, "http://[fd00::1]/"},
	} {
		if got := tc.s.URL(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}
