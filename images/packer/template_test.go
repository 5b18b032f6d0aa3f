package packer

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// bakeVars is what a bake passes on the command line (`-var`).
var bakeVars = map[string]string{"appsmith_version": "v1.9.38"}

func loadDefault(t *testing.T) *templates {
	return load(t, ".", bakeVars, map[string]string{"DIGITALOCEAN_TOKEN": "dop_v1_from_the_environment"})
}

func TestPluginsArePinnedToWhatToolsBuild(t *testing.T) {
	tp := loadDefault(t)
	req := child(t, tp.one(t, "packer"), "required_plugins")
	want := map[string]struct {
		source, module, min string
	}{
		"amazon":       {"github.com/hashicorp/amazon", "github.com/hashicorp/packer-plugin-amazon", "1.8.0"},
		"digitalocean": {"github.com/digitalocean/digitalocean", "github.com/digitalocean/packer-plugin-digitalocean", "1.4.0"},
	}
	if len(req.Body.Attributes) != len(want) {
		t.Errorf("required_plugins has %d plugins, want %d", len(req.Body.Attributes), len(want))
	}
	exact := regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	for name, w := range want {
		a := req.Body.Attributes[name]
		if a == nil {
			t.Errorf("required_plugins: no %s", name)
			continue
		}
		v := tp.eval(t, a.Expr, nil)
		src, ver := v.GetAttr("source").AsString(), v.GetAttr("version").AsString()
		if src != w.source {
			t.Errorf("%s: source %q, want %q", name, src, w.source)
		}
		if !exact.MatchString(ver) {
			t.Errorf("%s: version %q: want one exact version, so every bake uses the plugin CI validated with", name, ver)
			continue
		}
		if version.Must(version.NewVersion(ver)).LessThan(version.Must(version.NewVersion(w.min))) {
			t.Errorf("%s: version %s, want %s or later", name, ver, w.min)
		}
		// The tools module that `make images-validate` builds the plugin
		// from must be the same version, or CI validates another plugin.
		if got := toolVersion(t, filepath.Join(repoRoot(t), "tools", "packer", name, "go.mod"), w.module); got != "v"+ver {
			t.Errorf("%s: the template pins %s, tools/packer/%s builds %s", name, ver, name, got)
		}
	}
	rv := tp.str(t, tp.one(t, "packer").Body, "required_version", nil)
	if !strings.Contains(rv, ">= 1.9") {
		t.Errorf("required_version %q: want >= 1.9 (required_plugins and HCL2 sources)", rv)
	}
}

func toolVersion(t *testing.T, gomod, module string) string {
	t.Helper()
	b, err := os.ReadFile(gomod)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?` + regexp.QuoteMeta(module) + `\s+(v\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("%s requires no %s", gomod, module)
	}
	return string(m[1])
}

func TestAmazonSourceIsUbuntu2404WithIMDSv2(t *testing.T) {
	tp := loadDefault(t)
	b := tp.one(t, "source", "amazon-ebs", "ubuntu").Body
	filter := child(t, tp.one(t, "source", "amazon-ebs", "ubuntu"), "source_ami_filter").Body
	if got := tp.strs(t, filter, "owners", nil); len(got) != 1 || got[0] != "099720109477" {
		t.Errorf("source_ami_filter owners %q: want only Canonical's 099720109477", got)
	}
	if tp.str(t, filter, "most_recent", nil) != "true" {
		t.Errorf("source_ami_filter: want most_recent = true (the patched image)")
	}
	filters := tp.eval(t, filter.Attributes["filters"].Expr, nil)
	if name := filters.GetAttr("name").AsString(); !strings.Contains(name, "ubuntu-noble-24.04-amd64-server-") {
		t.Errorf("AMI name filter %q: want Ubuntu 24.04 LTS (noble) amd64 server", name)
	}
	for attr, want := range map[string]string{
		"imds_support": "v2.0",
		"ena_support":  "true",
		"ssh_username": "ubuntu",
	} {
		if got := tp.str(t, b, attr, nil); got != want {
			t.Errorf("amazon-ebs %s = %q, want %q", attr, got, want)
		}
	}
	md := child(t, tp.one(t, "source", "amazon-ebs", "ubuntu"), "metadata_options").Body
	if got := tp.str(t, md, "http_tokens", nil); got != "required" {
		t.Errorf("metadata_options http_tokens = %q, want required (IMDSv2 only)", got)
	}
	if got := tp.str(t, md, "http_endpoint", nil); got != "enabled" {
		t.Errorf("metadata_options http_endpoint = %q, want enabled", got)
	}
	if hop := tp.str(t, md, "http_put_response_hop_limit", nil); hop == "" || hop == "0" {
		t.Errorf("metadata_options http_put_response_hop_limit = %q, want set", hop)
	}
	for attr, v := range map[string]string{"region": "var.aws_region", "instance_type": "var.aws_instance_type"} {
		if got := refs(b, attr); len(got) != 1 || got[0] != v {
			t.Errorf("amazon-ebs %s reads %q, want the variable %s", attr, got, v)
		}
	}
}

func TestDigitalOceanSourceTakesTheTokenFromTheEnvironment(t *testing.T) {
	tp := loadDefault(t)
	b := tp.one(t, "source", "digitalocean", "ubuntu").Body
	if got := tp.str(t, b, "image", nil); got != "ubuntu-24-04-x64" {
		t.Errorf("digitalocean image = %q, want ubuntu-24-04-x64", got)
	}
	for attr, v := range map[string]string{"region": "var.do_region", "size": "var.do_size", "api_token": "var.do_api_token"} {
		if got := refs(b, attr); len(got) != 1 || got[0] != v {
			t.Errorf("digitalocean %s reads %q, want the variable %s", attr, got, v)
		}
	}
	// DigitalOcean's 99-img-check.sh fails an image with its agent in it.
	for _, agent := range []string{"monitoring", "droplet_agent"} {
		if got := tp.str(t, b, agent, nil); got != "false" {
			t.Errorf("digitalocean %s = %q, want false (no agent baked into a Marketplace image)", agent, got)
		}
	}
	tok := tp.one(t, "variable", "do_api_token").Body
	if tp.str(t, tok, "sensitive", nil) != "true" {
		t.Errorf("variable do_api_token: want sensitive = true, so Packer never prints it")
	}
	if got := tp.vars["do_api_token"].AsString(); got != "dop_v1_from_the_environment" {
		t.Errorf("do_api_token defaults to %q, want DIGITALOCEAN_TOKEN's value", got)
	}
}

// sourceCtx is what Packer gives a provisioner of a build source.
func sourceCtx(typ, name string) map[string]cty.Value {
	return map[string]cty.Value{"type": cty.StringVal(typ), "name": cty.StringVal(name)}
}

// buildSources are the build's sources as "type.name".
func buildSources(t *testing.T, tp *templates, build *hclsyntax.Block) []string {
	t.Helper()
	var out []string
	if a := build.Body.Attributes["sources"]; a != nil {
		for _, s := range tp.strsOf(t, a.Expr) {
			out = append(out, strings.TrimPrefix(s, "source."))
		}
	}
	for _, c := range build.Body.Blocks {
		if c.Type == "source" {
			out = append(out, strings.TrimPrefix(c.Labels[0], "source."))
		}
	}
	return out
}

func TestOneBuildForBothClouds(t *testing.T) {
	tp := loadDefault(t)
	builds := tp.all("build")
	if len(builds) != 1 {
		t.Fatalf("%d build blocks: want one, for both clouds", len(builds))
	}
	build := builds[0]
	got := buildSources(t, tp, build)
	want := []string{"amazon-ebs.ubuntu", "digitalocean.ubuntu"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("build sources %q, want %q", got, want)
	}
	for _, s := range got {
		typ, name, _ := strings.Cut(s, ".")
		tp.one(t, "source", typ, name)
	}
}

func TestOnlyAndExceptNameSources(t *testing.T) {
	tp := loadDefault(t)
	for _, build := range tp.all("build") {
		known := map[string]bool{}
		for _, s := range buildSources(t, tp, build) {
			known[s] = true
		}
		var check func(b *hclsyntax.Block)
		check = func(b *hclsyntax.Block) {
			for _, attr := range []string{"only", "except"} {
				if a := b.Body.Attributes[attr]; a != nil {
					for _, n := range tp.strsOf(t, a.Expr) {
						if !known[n] {
							t.Errorf("%s %q %s names %q, which is not a source of the build (%v): the step would never run", b.Type, b.Labels, attr, n, known)
						}
					}
				}
			}
			for _, c := range b.Body.Blocks {
				check(c)
			}
		}
		for _, c := range build.Body.Blocks {
			check(c)
		}
	}
}

// step is a provisioner as it runs for one source: its type and the
// commands of its inline script (or its file's source).
type step struct {
	typ    string
	inline []string
	source string // file provisioner
	block  *hclsyntax.Block
}

func (tp *templates) steps(t *testing.T, build *hclsyntax.Block, src string) []step {
	t.Helper()
	typ, name, _ := strings.Cut(src, ".")
	sc := sourceCtx(typ, name)
	var out []step
	for _, b := range build.Body.Blocks {
		if b.Type != "provisioner" || !runsFor(t, tp, b, src) {
			continue
		}
		s := step{typ: b.Labels[0], block: b}
		s.inline = tp.strs(t, b.Body, "inline", sc)
		s.source = tp.str(t, b.Body, "source", sc)
		out = append(out, s)
	}
	return out
}

func runsFor(t *testing.T, tp *templates, b *hclsyntax.Block, src string) bool {
	if a := b.Body.Attributes["only"]; a != nil {
		for _, n := range tp.strsOf(t, a.Expr) {
			if n == src {
				return true
			}
		}
		return false
	}
	if a := b.Body.Attributes["except"]; a != nil {
		for _, n := range tp.strsOf(t, a.Expr) {
			if n == src {
				return false
			}
		}
	}
	return true
}

func (tp *templates) strsOf(t *testing.T, expr hclsyntax.Expression) []string {
	t.Helper()
	var out []string
	// only/except/sources are lists of names, not values: read them as
	// written (source.amazon-ebs.ubuntu is a traversal, "x.y" a string).
	if tup, ok := expr.(*hclsyntax.TupleConsExpr); ok {
		for _, e := range tup.Exprs {
			if st, ok := e.(*hclsyntax.ScopeTraversalExpr); ok {
				parts := []string{st.Traversal.RootName()}
				for _, s := range st.Traversal[1:] {
					if g, ok := s.(hcl.TraverseAttr); ok {
						parts = append(parts, g.Name)
					}
				}
				out = append(out, strings.Join(parts, "."))
				continue
			}
			out = append(out, tp.eval(t, e, nil).AsString())
		}
		return out
	}
	for it := tp.eval(t, expr, nil).ElementIterator(); it.Next(); {
		_, v := it.Element()
		out = append(out, v.AsString())
	}
	return out
}

func TestStepsForEachCloud(t *testing.T) {
	tp := loadDefault(t)
	build := tp.all("build")[0]
	provider := map[string]string{"amazon-ebs.ubuntu": "aws", "digitalocean.ubuntu": "digitalocean"}
	for _, src := range buildSources(t, tp, build) {
		t.Run(src, func(t *testing.T) {
			steps := tp.steps(t, build, src)
			if len(steps) == 0 {
				t.Fatal("no provisioner runs")
			}
			// Whatever cloud-init does at boot finishes before anything changes.
			if first := strings.Join(steps[0].inline, "\n"); !strings.Contains(first, "cloud-init status --wait") {
				t.Errorf("first step %q: want it to wait for cloud-init (cloud-init status --wait)", first)
			}
			// The binary: uploaded from the repository (or where make
			// builds it), installed with sudo, then used.
			upload, install, prepare := -1, -1, -1
			for i, s := range steps {
				cmds := strings.Join(s.inline, "\n")
				if s.typ == "file" && tp.str(t, s.block.Body, "direction", nil) != "download" {
					checkUploaded(t, s.source)
				}
				switch {
				case s.typ == "file" && strings.HasSuffix(s.source, "/bin/appsmith-install"):
					upload = i
				case strings.Contains(cmds, "sudo install ") && strings.Contains(cmds, "/usr/local/bin/appsmith-install"):
					install = i
				case strings.Contains(cmds, "image prepare"):
					prepare = i
					want := "sudo /usr/local/bin/appsmith-install image prepare --provider " + provider[src] + " --edition ee --version v1.9.38"
					if cmds != want {
						t.Errorf("prepare runs %q, want %q", cmds, want)
					}
				}
			}
			if upload < 0 || install < upload || prepare < install {
				t.Errorf("steps: upload #%d, install #%d, image prepare #%d: want all three in that order", upload, install, prepare)
			}
			// Last, so nothing after it dirties what it judged.
			last := steps[len(steps)-1]
			if got := strings.Join(last.inline, "\n"); got != "sudo /usr/local/bin/appsmith-install image check --root /" {
				t.Errorf("last step runs %q, want exactly image check --root / (with sudo)", got)
			}
		})
	}
}

// checkUploaded: a file the build uploads exists in the repository, or is
// the binary `make build` writes.
func checkUploaded(t *testing.T, path string) {
	t.Helper()
	root := repoRoot(t)
	rel, err := filepath.Rel(root, filepath.Clean(path))
	if err != nil || strings.HasPrefix(rel, "..") {
		t.Errorf("uploads %s: want a file of the repository", path)
		return
	}
	if _, err := os.Stat(path); err == nil {
		return
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^BIN\s*:=\s*(\S+)`).FindSubmatch(mk)
	if m == nil || string(m[1]) != filepath.ToSlash(rel) {
		t.Errorf("uploads %s, which is neither in the repository nor what `make build` writes", rel)
		return
	}
	if !regexp.MustCompile(`(?m)^build:`).Match(mk) || !strings.Contains(string(mk), "-o $(BIN)") {
		t.Errorf("Makefile: no build target writing $(BIN)")
	}
}

func TestVariablesRefuseWhatPrepareWouldRefuse(t *testing.T) {
	cases := []struct {
		vars map[string]string
		bad  string // the variable whose validation must fail; "" = all pass
	}{
		{map[string]string{"appsmith_version": "v1.9.38"}, ""},
		{map[string]string{"appsmith_version": "v1.9.38", "edition": "ce"}, ""},
		{map[string]string{"appsmith_version": "v1.9.38", "edition": "EE"}, "edition"},
		{map[string]string{"appsmith_version": "v1.9.38", "edition": "business"}, "edition"},
		{map[string]string{"appsmith_version": "latest"}, "appsmith_version"},
		{map[string]string{"appsmith_version": "1.9"}, "appsmith_version"},
	}
	for _, c := range cases {
		tp := load(t, ".", c.vars, nil)
		for _, v := range tp.all("variable") {
			for _, val := range v.Body.Blocks {
				if val.Type != "validation" {
					continue
				}
				ok := tp.eval(t, val.Body.Attributes["condition"].Expr, nil).True()
				if want := v.Labels[0] != c.bad; ok != want {
					t.Errorf("%v: validation of %s passes=%v, want %v", c.vars, v.Labels[0], ok, want)
				}
			}
		}
	}
	// Every bake names its version: no default that silently bakes another.
	tp := loadDefault(t)
	if a := tp.one(t, "variable", "appsmith_version").Body.Attributes["default"]; a != nil {
		t.Errorf("variable appsmith_version has a default: a bake must name the version it bakes")
	}
	if a := tp.one(t, "variable", "edition").Body.Attributes["default"]; a == nil {
		t.Errorf("variable edition: want a default")
	}
}

// TestTemplatesAreFormatted is `packer fmt -check` without Packer: Packer
// formats with hclwrite.Format, so CI runs without the tools catch it too.
func TestTemplatesAreFormatted(t *testing.T) {
	files, err := filepath.Glob("*.pkr.hcl")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(hclwrite.Format(b), b) {
			t.Errorf("%s is not formatted: run packer fmt images/packer", f)
		}
	}
}
