package kube

import (
	"context"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A rollback after a good upgrade goes back one revision, and an
// uninstall removes the release but keeps the data claim and the Secret.
func TestKubeRollbackUninstall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A namespace that does not exist yet: the install creates it.
	e.ns += "-new"
	e.forwardInfo()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = e.cs.CoreV1().Namespaces().Delete(ctx, e.ns, metav1.DeleteOptions{})
	})
	e.install("v1.9.2")
	claim := e.claim()
	secret := e.secret()

	e.must(e.run("upgrade", "v1.9.38", "--yes", "--timeout", "2m", "--no-snapshot", "--no-db-check"), "upgrade v1.9.38")
	if rel := e.last(); rel.Version != 2 || tagOf(rel.Config) != "v1.9.38" || rel.Info.Status.String() != "deployed" {
		t.Fatalf("after the upgrade: revision %d %s on %q", rel.Version, rel.Info.Status, tagOf(rel.Config))
	}
	e.podReadyOn("v1.9.38")

	r := e.must(e.run("rollback", "--yes", "--timeout", "2m"), "rollback")
	contains(t, "rollback's stderr", r.errOut, "v1.9.2")
	rel := e.last()
	if rel.Version != 3 || tagOf(rel.Config) != "v1.9.2" || rel.Info.Status.String() != "deployed" {
		t.Errorf("after the rollback: revision %d %s on %q, want 3 deployed on v1.9.2", rel.Version, rel.Info.Status, tagOf(rel.Config))
	}
	e.podReadyOn("v1.9.2")
	e.sameClaim(claim, "after the rollback")
	st, _ := e.status()
	if st.Revision != 3 || st.ImageTag != "v1.9.2" || !st.Healthy {
		t.Errorf("status after the rollback: %+v", st)
	}

	r = e.must(e.run("uninstall", "--yes"), "uninstall")
	contains(t, "uninstall's stderr", r.errOut, "uninstalled", "kept", claimName, secretName)
	if _, err := os.Stat(state.Path(e.dir)); !os.IsNotExist(err) {
		t.Errorf("the uninstall left the record (%v)", err)
	}
	if h := e.history(); len(h) != 0 {
		t.Errorf("after the uninstall Helm still records %d revisions", len(h))
	}
	ctx := t.Context()
	if e.exists("StatefulSet appsmith", func(ctx context.Context) error {
		_, err := e.cs.AppsV1().StatefulSets(e.ns).Get(ctx, "appsmith", metav1.GetOptions{})
		return err
	}) {
		t.Error("the uninstall left the StatefulSet")
	}
	e.sameClaim(claim, "after the uninstall")
	again, err := e.cs.CoreV1().Secrets(e.ns).Get(ctx, secretName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the Secret after the uninstall: %v", err)
	}
	for k, v := range secret {
		if string(again.Data[k]) != string(v) {
			t.Errorf("the uninstall changed the Secret's %s", k)
		}
	}
	if r := e.run("status"); r.code == 0 {
		t.Errorf("status after the uninstall: %s", r)
	}

	// A new install into the namespace finds both: the same claim, the
	// same keys.
	e.install("v1.9.38")
	e.podReadyOn("v1.9.38")
	e.sameClaim(claim, "after a new install")
	e.noSecretLeaks(secret, e.history())
	again, err = e.cs.CoreV1().Secrets(e.ns).Get(ctx, secretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range secret {
		if string(again.Data[k]) != string(v) {
			t.Errorf("the new install changed the Secret's %s", k)
		}
	}
}
