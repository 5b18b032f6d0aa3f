package kube

import (
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A first install whose pod never becomes Ready fails after --timeout
// with a clear message, and leaves a record: status and uninstall find the
// failed release through the dir, a re-run says how to start over, and
// after the uninstall a good install runs on the claim that was made.
func TestKubeInstallNeverReady(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.run(e.installArgs(badTag, "--yes", "--progress", "plain", "--timeout", "15s")...)
	if r.code != 1 {
		t.Fatalf("an install of the never-ready %s: %s", badTag, r)
	}
	contains(t, "the failed install's stderr", r.errOut, "no Ready pod on "+badTag+" within 15s")
	s, err := state.Load(e.dir)
	if err != nil || s.Target != "kubernetes" || !s.Installing() || s.Kubernetes.Namespace != e.ns {
		t.Fatalf("the failed install's record: %+v (%v)", s, err)
	}
	if h := e.history(); len(h) != 1 || h[0].Info.Status.String() != "failed" {
		t.Errorf("want one failed revision, have %d", len(h))
	}
	claim := e.claim()
	secret := e.secret()

	r = e.run("status")
	if r.code == 0 {
		t.Errorf("status of a failed release: %s", r)
	}
	contains(t, "status", r.out, "revision 1, failed", badTag)
	r = e.run("--yes")
	if r.code == 0 {
		t.Errorf("a re-run on a failed release: %s", r)
	}
	contains(t, "the re-run", r.errOut, "exists but is failed", "uninstall --yes")

	e.must(e.run("uninstall", "--yes"), "uninstall of the failed release")
	if h := e.history(); len(h) != 0 {
		t.Errorf("after the uninstall Helm records %d revisions", len(h))
	}
	e.install("v2.0.1")
	e.podReadyOn("v2.0.1")
	e.sameClaim(claim, "after the good install")
	again := e.secret()
	for k, v := range secret {
		if string(again[k]) != string(v) {
			t.Errorf("the good install changed the Secret's %s", k)
		}
	}
	if s, err := state.Load(e.dir); err != nil || s.Installing() || s.Kubernetes.Revision != 1 {
		t.Errorf("the good install's record: %+v (%v)", s, err)
	}
}
