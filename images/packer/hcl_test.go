package packer

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// templates is the Packer configuration in this directory as Packer reads
// it (every *.pkr.hcl), with just enough of Packer's evaluation to say what
// a value will be: variables (defaults and -var), locals, path.root,
// source.type/name, and the functions the templates call.
type templates struct {
	dir    string
	blocks []*hclsyntax.Block // top-level blocks of every file, in file order
	vars   map[string]cty.Value
	env    map[string]string
	locals map[string]cty.Value
}

func load(t *testing.T, dir string, setVars map[string]string, env map[string]string) *templates {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob(filepath.Join(abs, "*.pkr.hcl"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no *.pkr.hcl in %s (%v)", abs, err)
	}
	sort.Strings(names)
	p := hclparse.NewParser()
	tp := &templates{dir: abs, vars: map[string]cty.Value{}, env: env, locals: map[string]cty.Value{}}
	for _, n := range names {
		f, diags := p.ParseHCLFile(n)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", n, diags.Error())
		}
		tp.blocks = append(tp.blocks, f.Body.(*hclsyntax.Body).Blocks...)
	}
	for _, v := range tp.all("variable") {
		name := v.Labels[0]
		if raw, ok := setVars[name]; ok {
			tp.vars[name] = cty.StringVal(raw)
			continue
		}
		if a := v.Body.Attributes["default"]; a != nil {
			tp.vars[name] = tp.eval(t, a.Expr, nil)
		}
	}
	tp.evalLocals(t)
	return tp
}

func (tp *templates) all(typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, b := range tp.blocks {
		if b.Type == typ {
			out = append(out, b)
		}
	}
	return out
}

// one is the single top-level block of typ with these labels.
func (tp *templates) one(t *testing.T, typ string, labels ...string) *hclsyntax.Block {
	t.Helper()
	var found []*hclsyntax.Block
	for _, b := range tp.all(typ) {
		if strings.Join(b.Labels, ".") == strings.Join(labels, ".") {
			found = append(found, b)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s %q block, found %d", typ, strings.Join(labels, "."), len(found))
	}
	return found[0]
}

func (tp *templates) ctx(source map[string]cty.Value) *hcl.EvalContext {
	vars := map[string]cty.Value{
		"var":   cty.ObjectVal(tp.vars),
		"local": cty.ObjectVal(tp.locals),
		"path":  cty.ObjectVal(map[string]cty.Value{"root": cty.StringVal(tp.dir), "cwd": cty.StringVal(tp.dir)}),
	}
	if source != nil {
		vars["source"] = cty.ObjectVal(source)
	}
	return &hcl.EvalContext{Variables: vars, Functions: tp.funcs()}
}

func (tp *templates) funcs() map[string]function.Function {
	return map[string]function.Function{
		"can":        tryfunc.CanFunc,
		"try":        tryfunc.TryFunc,
		"contains":   stdlib.ContainsFunc,
		"regex":      stdlib.RegexFunc,
		"lookup":     stdlib.LookupFunc,
		"formatdate": stdlib.FormatDateFunc,
		"format":     stdlib.FormatFunc,
		"join":       stdlib.JoinFunc,
		"lower":      stdlib.LowerFunc,
		"timestamp": function.New(&function.Spec{
			Type: function.StaticReturnType(cty.String),
			Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
				return cty.StringVal("2026-01-02T03:04:05Z"), nil
			},
		}),
		"env": function.New(&function.Spec{
			Params: []function.Parameter{{Name: "name", Type: cty.String}},
			Type:   function.StaticReturnType(cty.String),
			Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
				return cty.StringVal(tp.env[args[0].AsString()]), nil
			},
		}),
	}
}

// evalLocals evaluates locals in as many passes as their references need.
func (tp *templates) evalLocals(t *testing.T) {
	t.Helper()
	pending := map[string]hcl.Expression{}
	for _, b := range tp.all("locals") {
		for name, a := range b.Body.Attributes {
			pending[name] = a.Expr
		}
	}
	for len(pending) > 0 {
		progress := false
		var last hcl.Diagnostics
		for name, expr := range pending {
			v, diags := expr.Value(tp.ctx(nil))
			if diags.HasErrors() {
				last = diags
				continue
			}
			tp.locals[name], progress = v, true
			delete(pending, name)
		}
		if !progress {
			t.Fatalf("locals cannot be evaluated: %s", last.Error())
		}
	}
}

func (tp *templates) eval(t *testing.T, expr hcl.Expression, source map[string]cty.Value) cty.Value {
	t.Helper()
	v, diags := expr.Value(tp.ctx(source))
	if diags.HasErrors() {
		t.Fatalf("%s: %s", expr.Range(), diags.Error())
	}
	return v
}

// str evaluates attribute name of body to a string ("" when absent).
func (tp *templates) str(t *testing.T, body *hclsyntax.Body, name string, source map[string]cty.Value) string {
	t.Helper()
	a := body.Attributes[name]
	if a == nil {
		return ""
	}
	v := tp.eval(t, a.Expr, source)
	if v.IsNull() || !v.IsKnown() {
		return ""
	}
	if v.Type() == cty.Bool {
		if v.True() {
			return "true"
		}
		return "false"
	}
	if v.Type() == cty.Number {
		return v.AsBigFloat().String()
	}
	return v.AsString()
}

// strs evaluates a list-of-strings attribute.
func (tp *templates) strs(t *testing.T, body *hclsyntax.Body, name string, source map[string]cty.Value) []string {
	t.Helper()
	a := body.Attributes[name]
	if a == nil {
		return nil
	}
	var out []string
	for it := tp.eval(t, a.Expr, source).ElementIterator(); it.Next(); {
		_, v := it.Element()
		out = append(out, v.AsString())
	}
	return out
}

// refs are the variables an attribute's expression reads, as "var.x".
func refs(body *hclsyntax.Body, name string) []string {
	a := body.Attributes[name]
	if a == nil {
		return nil
	}
	var out []string
	for _, tr := range a.Expr.Variables() {
		parts := []string{tr.RootName()}
		for _, s := range tr[1:] {
			if g, ok := s.(hcl.TraverseAttr); ok {
				parts = append(parts, g.Name)
			}
		}
		out = append(out, strings.Join(parts, "."))
	}
	return out
}

func child(t *testing.T, b *hclsyntax.Block, typ string) *hclsyntax.Block {
	t.Helper()
	var found []*hclsyntax.Block
	for _, c := range b.Body.Blocks {
		if c.Type == typ {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s %s: want one %s block, found %d", b.Type, strings.Join(b.Labels, "."), typ, len(found))
	}
	return found[0]
}

// repoRoot is the module's root, two levels up.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root: %v", err)
	}
	return root
}
