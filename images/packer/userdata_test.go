package packer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/cli"
)

// The user-data examples carry an `appsmith:` section at the top of a
// cloud-config document: cloud-init's schema (Debian's 22.4) accepts a key
// it has no module for, and `appsmith-install firstboot` reads it there.
func examples(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("user-data/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no user-data examples (%v)", err)
	}
	return files
}

// needTool finds a tool a test drives: in CI its absence is a failure, not
// a skip, so a broken tools script cannot turn the check off.
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found (CI=true): %s", name, install)
	}
	t.Skipf("%s not found: %s", name, install)
	return ""
}

func TestUserDataExamplesPassCloudInitSchema(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs cloud-init")
	}
	ci := needTool(t, "cloud-init", "run bash scripts/test-tools.sh (apt-get install cloud-init)")
	schema := func(path string) (string, error) {
		out, err := exec.Command(ci, "schema", "--config-file", path).CombinedOutput()
		return string(out), err
	}
	for _, f := range examples(t) {
		if out, err := schema(f); err != nil {
			t.Errorf("cloud-init schema --config-file %s: %v\n%s", f, err, out)
		}
	}
	// The check is real: cloud-init refuses a wrong value beside the section.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("#cloud-config\nappsmith:\n  edition: ce\npackage_update: maybe\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := schema(bad); err == nil {
		t.Errorf("cloud-init schema accepted package_update: maybe:\n%s", out)
	}
}

// The section's keys are install.yaml's, read the way --config reads them,
// plus backup (the flags of `backup schedule`) and auto_update (the flags
// of `auto-update enable`), with '_' for '-'.
func TestUserDataExamplesSayWhatTheCommandsAccept(t *testing.T) {
	flags := map[string]string{
		"backup":      help(t, "backup", "schedule"),
		"auto_update": help(t, "auto-update", "enable"),
	}
	for _, f := range examples(t) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(raw, []byte("#cloud-config\n")) {
			t.Errorf("%s: want #cloud-config on the first line (cloud-init ignores the rest otherwise)", f)
		}
		var doc map[string]yaml.Node
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		sec, ok := doc["appsmith"]
		if !ok || sec.Kind != yaml.MappingNode {
			t.Errorf("%s: no appsmith: mapping at the top", f)
			continue
		}
		rest := &yaml.Node{Kind: yaml.MappingNode}
		for i := 0; i+1 < len(sec.Content); i += 2 {
			k, v := sec.Content[i], sec.Content[i+1]
			help, nested := flags[k.Value]
			if !nested {
				rest.Content = append(rest.Content, k, v)
				continue
			}
			if v.Kind != yaml.MappingNode {
				t.Errorf("%s: appsmith.%s: want a mapping", f, k.Value)
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				flag := "--" + strings.ReplaceAll(v.Content[j].Value, "_", "-")
				if !strings.Contains(help, flag+" ") {
					t.Errorf("%s: appsmith.%s.%s: the command has no %s", f, k.Value, v.Content[j].Value, flag)
				}
				if v.Content[j+1].Kind != yaml.ScalarNode {
					t.Errorf("%s: appsmith.%s.%s: want a single value", f, k.Value, v.Content[j].Value)
				}
			}
		}
		opts := install.Defaults()
		text, err := yaml.Marshal(rest)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(text))
		dec.KnownFields(true)
		if err := dec.Decode(&opts); err != nil {
			t.Errorf("%s: appsmith: not install.yaml's keys: %v", f, err)
			continue
		}
		if _, err := opts.NormalizeOn(install.Host{}); err != nil {
			t.Errorf("%s: appsmith: an install would refuse it: %v", f, err)
		}
	}
}

// help is a command's --help, which lists its flags.
func help(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	argv := append([]string{"appsmith"}, append(args, "--help")...)
	io := cli.IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(string) string { return "" }}
	if code := cli.Main(context.Background(), argv, io, cli.Deps{}); code != 0 {
		t.Fatalf("%v: exit %d\n%s", argv, code, errb.String())
	}
	if !strings.Contains(out.String()+errb.String(), "--") {
		t.Fatalf("%v printed no flags:\n%s%s", argv, out.String(), errb.String())
	}
	return out.String() + errb.String()
}
