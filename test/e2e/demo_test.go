package e2e

import (
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// TestDemo is `make demo`: a whole install of the stand-in image, its output
// shown with -v, then `appsmith status`.
func TestDemo(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ee", Tag: "v1.9.2"})
	args := e.installArgs("v1.9.2")
	args[4] = "ee" // --edition
	r := e.run(nil, args...)
	t.Logf("$ appsmith-install %v\n%s", args, r.errOut)
	e.mustSucceed(r, "install")
	r = e.run(nil, "status")
	t.Logf("$ appsmith status\n%s", r.out)
	e.mustSucceed(r, "status")
	contains(t, "status", r.out, "Appsmith v1.9.2: running, healthy", "/appsmith/appsmith-ee:v1.9.2")
}
