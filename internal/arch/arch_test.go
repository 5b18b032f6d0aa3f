// Package arch holds the test that enforces the drawing of DESIGN.md: the
// core computes and acts, the edges ask and render. It reads the real
// import graph with `go list -deps`, so an indirect import counts too.
package arch

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const mod = "github.com/appsmith-install/appsmith-install"

type pkg struct {
	ImportPath string
	Imports    []string // direct, non-test
	Deps       []string // transitive, non-test
}

func load(t *testing.T) map[string]pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-json", mod+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkg{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p
	}
	return pkgs
}

func isUI(path string) bool {
	return strings.HasPrefix(path, "github.com/spf13/cobra") || strings.HasPrefix(path, "charm.land/") ||
		strings.HasPrefix(path, "github.com/charmbracelet/") || path == mod+"/internal/tui" || path == mod+"/internal/cli"
}

func own(path string) bool { return path == mod || strings.HasPrefix(path, mod+"/") }

// viaKubernetes reports whether core reaches dep (cobra) only through the
// Kubernetes libraries Helm needs (k8s.io/cli-runtime and k8s.io/kubectl
// import cobra for their own commands): core and every package of the
// project it depends on import neither cobra nor any other UI package
// themselves.
func viaKubernetes(pkgs map[string]pkg, core pkg, dep string) bool {
	if !strings.HasPrefix(dep, "github.com/spf13/cobra") {
		return false
	}
	for _, d := range append([]string{core.ImportPath}, core.Deps...) {
		if !own(d) {
			continue
		}
		for _, i := range pkgs[d].Imports {
			if isUI(i) {
				return false
			}
		}
	}
	for path, p := range pkgs {
		if own(path) || strings.HasPrefix(path, "k8s.io/") || strings.HasPrefix(path, "helm.sh/") {
			continue
		}
		for _, i := range p.Imports {
			if i == dep && contains(core.Deps, path) {
				return false // some other library of core's pulls cobra in
			}
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLayering(t *testing.T) {
	pkgs := load(t)
	// The core: no UI and no cobra, not even through another package.
	for _, core := range []string{"install", "upgrade", "backup", "internal/engine", "internal/instance", "internal/releases", "internal/metadata", "internal/firstboot", "internal/doctor", "internal/imagecheck", "internal/imageprep", "internal/bundle", "internal/kube"} {
		p, ok := pkgs[mod+"/"+core]
		if !ok {
			continue // not written yet
		}
		for _, d := range p.Deps {
			if isUI(d) && !(viaKubernetes(pkgs, p, d)) {
				t.Errorf("%s depends on %s: the core must not know the UI (DESIGN.md)", core, d)
			}
		}
	}
	// The engine and the Docker adapter know nothing of the project.
	for _, leaf := range []string{"internal/engine", "internal/docker", "internal/releases"} {
		for _, d := range pkgs[mod+"/"+leaf].Deps {
			if own(d) {
				t.Errorf("%s depends on %s: it must import no package of the project", leaf, d)
			}
		}
	}
	// The instance layer is shared by every lifecycle command: it must not
	// lean on one of them, not even through another package.
	for _, d := range pkgs[mod+"/internal/instance"].Deps {
		if d == mod+"/install" {
			t.Errorf("internal/instance depends on install/: the shared layer must not know a command's core")
		}
	}
	// The wizard asks; it reaches the engine only through the core.
	for _, d := range pkgs[mod+"/internal/tui"].Imports {
		if d == mod+"/internal/docker" {
			t.Errorf("internal/tui imports internal/docker: the wizard must go through install/")
		}
	}
	// install/ is a command's core: only the edges that run it import it.
	allowed := map[string]string{
		mod + "/internal/cli": "", mod + "/internal/tui": "",
	}
	for path, p := range pkgs {
		if !own(path) || path == mod+"/install" {
			continue
		}
		for _, d := range p.Imports {
			if _, ok := allowed[path]; d == mod+"/install" && !ok {
				t.Errorf("%s imports install/: only the CLI and the wizard may", path)
			}
		}
	}
}
