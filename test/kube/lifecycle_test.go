package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/appsmith-install/appsmith-install/internal/state"
)

type upgradePlan struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Revision int    `json:"revision"`
	Hops     []struct {
		From     string `json:"from"`
		To       string `json:"to"`
		Why      string `json:"why"`
		Revision int    `json:"revision"`
	} `json:"hops"`
}

// Install, a no-op re-run, status, a checkpoint-aware upgrade through the
// real Helm and API server, then a bad hop recovered: the path on
// one release, in order.
func TestKubeInstallUpgradeRecover(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()

	// The plan first: it renders the chart and changes nothing, here or
	// in the cluster.
	r := e.must(e.run(e.installArgs("v1.8.15", "--plan")...), "install --plan")
	contains(t, "install --plan", r.out, "Plan: install Appsmith v1.8.15 on Kubernetes", "the cluster was not looked at",
		"StatefulSet/appsmith", "tag: v1.8.15", "enabled: false")
	if _, err := os.Stat(e.dir); !os.IsNotExist(err) {
		t.Errorf("--plan made %s (%v)", e.dir, err)
	}
	if h := e.history(); len(h) != 0 {
		t.Errorf("--plan installed revision %d", h[0].Version)
	}
	if e.exists("Secret "+secretName, func(ctx context.Context) error {
		_, err := e.cs.CoreV1().Secrets(e.ns).Get(ctx, secretName, metav1.GetOptions{})
		return err
	}) {
		t.Errorf("--plan created the Secret %s", secretName)
	}

	// 1. Install.
	r = e.install("v1.8.15")
	contains(t, "install's stderr", r.errOut, "Appsmith v1.8.15 is installed", claimName, secretName)
	rel := e.last()
	if rel.Version != 1 || rel.Info.Status.String() != "deployed" || tagOf(rel.Config) != "v1.8.15" {
		t.Fatalf("after install: revision %d %s tag %q", rel.Version, rel.Info.Status, tagOf(rel.Config))
	}
	pod := e.podReadyOn("v1.8.15")
	if want := e.reg.Host() + "/appsmith/appsmith-ce:v1.8.15"; pod.Spec.Containers[0].Image != want {
		t.Errorf("pod image %s, want %s", pod.Spec.Containers[0].Image, want)
	}
	claim := e.claim()
	if claim.Annotations["helm.sh/resource-policy"] != "keep" {
		t.Errorf("data claim annotations %v: want helm.sh/resource-policy: keep", claim.Annotations)
	}
	secret := e.secret()
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT"} {
		if len(secret[k]) < 13 {
			t.Errorf("Secret %s: %s is %d bytes", secretName, k, len(secret[k]))
		}
	}
	crons, err := e.cs.BatchV1().CronJobs(e.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(crons.Items) != 0 {
		t.Errorf("autoupdate must be off, found CronJob %s", crons.Items[0].Name)
	}
	if e.exists("ServiceAccount imago", func(ctx context.Context) error {
		_, err := e.cs.CoreV1().ServiceAccounts(e.ns).Get(ctx, "imago", metav1.GetOptions{})
		return err
	}) {
		t.Error("autoupdate must be off, found the ServiceAccount imago")
	}

	// A re-run with no flags reads the target from the dir and changes nothing.
	r = e.must(e.run("--yes"), "re-run")
	contains(t, "re-run's stderr", r.errOut, "nothing to do")
	if h := e.history(); len(h) != 1 {
		t.Errorf("the re-run made revision %d", h[len(h)-1].Version)
	}
	again := e.secret()
	if len(again) != len(secret) {
		t.Errorf("the re-run changed the Secret's keys: %d, was %d", len(again), len(secret))
	}
	for k, v := range secret {
		if !bytes.Equal(again[k], v) {
			t.Errorf("the re-run changed the Secret's %s", k)
		}
	}

	// 2. Status.
	st, r := e.status()
	if r.code != 0 || st.Target != "kubernetes" || st.Release != releaseName || st.Namespace != e.ns || st.Revision != 1 ||
		st.State != "deployed" || st.ImageTag != "v1.8.15" || !st.Healthy || st.Pods != 1 || st.PodsReady != 1 ||
		st.PodsDesired != 1 || st.Version != "v1.8.15" {
		t.Errorf("status --json: %+v\n%s", st, r)
	}
	r = e.must(e.run("status"), "status")
	contains(t, "status", r.out, "release "+releaseName, "revision 1", "v1.8.15", "auto-update off", "pods Ready 1/1", "version (/info) v1.8.15")

	// 3. The upgrade plan goes through the checkpoints, one revision each.
	r = e.must(e.run("upgrade", "v2.0.1", "--plan", "--json"), "upgrade --plan --json")
	var p upgradePlan
	if err := json.Unmarshal([]byte(r.out), &p); err != nil {
		t.Fatalf("upgrade --plan --json: %v\n%s", err, r)
	}
	want := []string{"v1.9.2", "v1.99", "v2.0.1"}
	var got []string
	for i, h := range p.Hops {
		got = append(got, h.To)
		if h.Revision != 2+i {
			t.Errorf("hop %d to %s: revision %d, want %d", i+1, h.To, h.Revision, 2+i)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || p.From != "v1.8.15" || p.Revision != 1 {
		t.Fatalf("plan from %s (revision %d) through %v, want v1.8.15 (1) through %v", p.From, p.Revision, got, want)
	}
	r = e.must(e.run("upgrade", "v2.0.1", "--plan"), "upgrade --plan")
	for i, h := range want {
		contains(t, "upgrade --plan", r.out, fmt.Sprintf("helm upgrade to %s (revision %d)", h, i+2))
	}
	if n := len(e.history()); n != 1 {
		t.Fatalf("--plan changed the release: %d revisions", n)
	}

	// By default the MongoDB is asked and the data are snapshotted
	// through the pod's exec first: kwok runs no container here, so each
	// refuses in turn, naming the flag that takes it on, and nothing is
	// upgraded (mongo_test.go has pods that answer).
	r = e.run("upgrade", "v2.0.1", "--yes", "--timeout", "2m")
	if r.code != 3 || !strings.Contains(r.errOut, "MongoDB") || !strings.Contains(r.errOut, "--no-db-check") {
		t.Errorf("upgrade without a way into the pod: want exit 3 naming the MongoDB check and --no-db-check:\n%s", r)
	}
	r = e.run("upgrade", "v2.0.1", "--yes", "--timeout", "2m", "--no-db-check")
	if r.code != 3 || !strings.Contains(r.errOut, "snapshot") || !strings.Contains(r.errOut, "--no-snapshot") {
		t.Errorf("upgrade without a way into the pod: want exit 3 naming the snapshot and --no-snapshot:\n%s", r)
	}
	if n := len(e.history()); n != 1 {
		t.Fatalf("a failed snapshot changed the release: %d revisions", n)
	}
	r = e.must(e.run("upgrade", "v2.0.1", "--yes", "--timeout", "2m", "--no-snapshot", "--no-db-check"), "upgrade v2.0.1")
	hist := e.history()
	if len(hist) != 1+len(want) {
		t.Fatalf("after the upgrade: %d revisions, want %d", len(hist), 1+len(want))
	}
	for i, tag := range want {
		rel := hist[i+1]
		if tagOf(rel.Config) != tag {
			t.Errorf("revision %d pins image.tag %q, want %s", rel.Version, tagOf(rel.Config), tag)
		}
		if au, _ := rel.Config["autoupdate"].(map[string]any); au["enabled"] != false {
			t.Errorf("revision %d: autoupdate %v", rel.Version, au)
		}
	}
	if last := hist[len(hist)-1]; last.Info.Status.String() != "deployed" {
		t.Errorf("revision %d is %s", last.Version, last.Info.Status)
	}
	e.podReadyOn("v2.0.1")
	e.sameClaim(claim, "after the upgrade")
	st, _ = e.status()
	if st.Revision != 4 || st.ImageTag != "v2.0.1" || st.State != "deployed" || st.Version != "v2.0.1" || !st.Healthy {
		t.Errorf("status after the upgrade: %+v", st)
	}
	// A re-run keeps to what runs now; asked for another version, it
	// refuses (exit 3) and names the upgrade.
	r = e.must(e.run("--yes"), "re-run after the upgrade")
	contains(t, "re-run after the upgrade", r.errOut, "revision 4, v2.0.1", "nothing to do")
	r = e.run("--yes", "--version", "v1.8.15")
	if r.code != 3 {
		t.Errorf("a re-run asking for v1.8.15: %s", r)
	}
	contains(t, "a re-run asking for v1.8.15", r.errOut, "runs v2.0.1 (asked for v1.8.15)", "appsmith upgrade v1.8.15 --dir")
	if n := len(e.history()); n != 4 {
		t.Errorf("the re-runs made revision %d", n)
	}

	// 4. A bad hop: the pod of badTag never becomes Ready; the tool rolls
	// back, deletes the bad pod and waits for Ready on the old tag.
	r = e.run("upgrade", badTag, "--yes", "--timeout", "20s", "--no-snapshot", "--no-db-check")
	if r.code == 0 {
		t.Fatalf("the upgrade to a never-ready %s succeeded: %s", badTag, r)
	}
	contains(t, "the bad hop's stderr", r.errOut, "no Ready pod on "+badTag+" within 20s", "rolled back to the previous revision", "v2.0.1")
	rel = e.last()
	if rel.Info.Status.String() != "deployed" || tagOf(rel.Config) != "v2.0.1" {
		t.Errorf("after the bad hop: revision %d %s on %q, want deployed on v2.0.1", rel.Version, rel.Info.Status, tagOf(rel.Config))
	}
	e.podReadyOn("v2.0.1")
	e.sameClaim(claim, "after the bad hop")
	st, _ = e.status()
	if st.ImageTag != "v2.0.1" || st.State != "deployed" || !st.Healthy || st.Revision != rel.Version || st.PodsReady != 1 {
		t.Errorf("status after the bad hop: %+v, want revision %d on v2.0.1", st, rel.Version)
	}
	if s, err := state.Load(e.dir); err != nil || s.Version != "v2.0.1" || s.Kubernetes.Revision != rel.Version {
		t.Errorf("the install dir records %+v (%v), want v2.0.1 at revision %d", s, err, rel.Version)
	}

	// 4b. A hop whose pod becomes Ready but whose /info reports another
	// version than the tag: the same recovery, exit 4, and the message
	// says what /info said. The revision stays failed.
	r = e.run("upgrade", lyingTag, "--yes", "--timeout", "30s", "--no-snapshot", "--no-db-check")
	if r.code != 4 {
		t.Fatalf("the upgrade to %s, whose /info says %s: %s", lyingTag, lyingVersion, r)
	}
	contains(t, "the lying hop's stderr", r.errOut, "its /info says version "+lyingVersion, "rolled back to the previous revision", "runs v2.0.1 again")
	hist = e.history()
	rel = hist[len(hist)-1]
	if rel.Info.Status.String() != "deployed" || tagOf(rel.Config) != "v2.0.1" {
		t.Errorf("after the lying hop: revision %d %s on %q, want deployed on v2.0.1", rel.Version, rel.Info.Status, tagOf(rel.Config))
	}
	if lying := hist[len(hist)-2]; tagOf(lying.Config) != lyingTag || lying.Info.Status.String() != "failed" {
		t.Errorf("the lying hop's revision %d: %s on %q, want failed on %s", lying.Version, lying.Info.Status, tagOf(lying.Config), lyingTag)
	}
	e.podReadyOn("v2.0.1")
	e.sameClaim(claim, "after the lying hop")
	st, _ = e.status()
	if st.ImageTag != "v2.0.1" || st.Version != "v2.0.1" || !st.Healthy || st.Revision != rel.Version {
		t.Errorf("status after the lying hop: %+v, want revision %d on v2.0.1", st, rel.Version)
	}
	if s, err := state.Load(e.dir); err != nil || s.Version != "v2.0.1" || s.Kubernetes.Revision != rel.Version {
		t.Errorf("after the lying hop the install dir records %+v (%v), want v2.0.1 at revision %d", s, err, rel.Version)
	}

	// 5. A rollback now goes back one version: to v1.99, not to the failed
	// revisions (Helm's "previous", the lying one) nor to the copies of
	// v2.0.1 the recoveries rolled back to.
	r = e.must(e.run("rollback", "--yes", "--timeout", "2m"), "rollback after the bad hop")
	contains(t, "rollback's stderr", r.errOut, "v1.99")
	rel = e.last()
	if tagOf(rel.Config) != "v1.99" || rel.Info.Status.String() != "deployed" {
		t.Errorf("after the rollback: revision %d %s on %q, want deployed on v1.99", rel.Version, rel.Info.Status, tagOf(rel.Config))
	}
	e.podReadyOn("v1.99")
	e.sameClaim(claim, "after the rollback")
	e.noSecretLeaks(secret, e.history())
}
