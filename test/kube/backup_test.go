package kube

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// backedVersion runs on the real-PostgreSQL stand-in: a pod backed by it
// has real pg_dump/pg_restore, GNU tar and a shell, as Appsmith's image.
const backedVersion = "v2.0.1"

// newBackedEnv is newEnv serving backedVersion's real-PostgreSQL image
// too (host installs pull it), with the engine's client.
func newBackedEnv(t *testing.T) (*env, *client.Client) {
	t.Helper()
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: backedVersion, RealPostgres: true})
	cli := testenv.RequireEngine(t)
	e.reg.RemoveFromEngineOnCleanup(t, cli)
	return e, cli
}

// newSeededRelease is a release installed on version whose pod's exec
// reaches a host install of backedVersion (its /info is the test's
// server, which answers the pod's tag), with n rows seeded in table,
// owned by Appsmith's role as the backend's tables are.
func newSeededRelease(t *testing.T, version, table string, n int) (*env, *client.Client, *hostInstance) {
	t.Helper()
	e, cli := newBackedEnv(t)
	src := e.hostInstall(backedVersion)
	e.k.BackExec(t, e.ns, podName, src.id)
	e.installBacked(src, version)
	testenv.SeedRows(t, cli, src.id, table, n)
	testenv.MustPGExec(t, cli, src.id, "ALTER TABLE "+table+" OWNER TO appsmith")
	return e, cli, src
}

// hostInstance is a host install of the stand-in through the binary: a
// real container, its stacks on this machine.
type hostInstance struct {
	dir, name string
	http      int
	id        string
}

func (e *env) hostInstall(version string) *hostInstance {
	e.t.Helper()
	cli := testenv.RequireEngine(e.t)
	h := &hostInstance{dir: filepath.Join(e.t.TempDir(), "host"), name: testenv.UniqueName(e.t, "kubehost"), http: testenv.FreePort(e.t)}
	testenv.RemoveContainersOnCleanup(e.t, cli, h.name)
	link := filepath.Join(e.t.TempDir(), "bin")
	e.must(e.runIn(h.dir, "--yes", "--registry", e.reg.Host(), "--edition", "ce", "--version", version,
		"--container-name", h.name, "--http-port", strconv.Itoa(h.http), "--https-port", strconv.Itoa(testenv.FreePort(e.t)),
		"--bind-address", "127.0.0.1", "--link-dir", link, "--progress", "plain", "--timeout", "90s"), "host install "+version)
	c, err := cli.ContainerInspect(e.t.Context(), h.name, client.ContainerInspectOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	h.id = c.Container.ID
	return h
}

func (h *hostInstance) env(t testing.TB) *stacks.EnvFile {
	t.Helper()
	env, err := instance.Layout{Dir: h.dir}.Stacks().ReadEnv()
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// backCluster installs the release with appsmith-0 backed by the host
// instance's container: the Secret made first with the container's
// encryption keys, and the container's database URL given as --db-url, so
// the pod's environment is what the container runs with.
func (e *env) backCluster(h *hostInstance) {
	e.t.Helper()
	e.k.BackPod(e.t, e.ns, podName, h.id, 80, "127.0.0.1:"+strconv.Itoa(h.http))
	e.installBacked(h, backedVersion)
}

// installBacked installs version with the pod's environment the
// container's (see backCluster).
func (e *env) installBacked(h *hostInstance, version string) {
	e.t.Helper()
	env := h.env(e.t)
	secret := map[string][]byte{}
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT"} {
		v, _ := env.Get(k)
		secret[k] = []byte(v)
	}
	if _, err := e.cs.CoreV1().Secrets(e.ns).Create(e.t.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: secretName}, Data: secret}, metav1.CreateOptions{}); err != nil {
		e.t.Fatal(err)
	}
	e.must(e.run(e.installArgs(version, "--yes", "--progress", "plain", "--timeout", "2m", "--db-url", env.DBURL())...), "install "+version)
}

// A backup of the cluster is the host's archive: taken through the pod's
// exec (pg_dump in the pod, the stacks files through tar), written to a
// local store with the host's encryption, and restored by a host install
// with the rows, the git-storage files and the encryption keys the pod ran
// with; the chart's own settings (APPSMITH_ENABLE_EMBEDDED_DB=0) do not
// follow the data onto the host.
func TestBackupFromClusterRestoresOnHost(t *testing.T) {
	e, cli := newBackedEnv(t)
	src := e.hostInstall(backedVersion)
	e.backCluster(src)
	const table = "appsmith.kube_seed"
	testenv.SeedRows(t, cli, src.id, table, 500)
	// Appsmith's tables belong to the role of its URL, as the backend creates them.
	testenv.MustPGExec(t, cli, src.id, "ALTER TABLE "+table+" OWNER TO appsmith")
	gitFile := filepath.Join(instance.Layout{Dir: src.dir}.Stacks().GitStorageDir(), "app1", "page.json")
	if err := os.MkdirAll(filepath.Dir(gitFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(gitFile, []byte(`{"page":"from the cluster"}`), 0o644); err != nil {
		t.Fatal(err)
	}

	pass := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600)
	store := filepath.Join(t.TempDir(), "store")
	r := e.must(e.run("backup", "--to", store, "--passphrase-file", pass, "--progress", "json"), "backup of the cluster")
	archive := strings.TrimSpace(r.out)
	// --progress json: nothing but NDJSON, one outcome, the last event.
	lines := strings.Split(strings.TrimSpace(r.errOut), "\n")
	outcomes := 0
	for i, l := range lines {
		var ev struct{ Kind, Outcome string }
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("stderr line %d is not JSON: %q", i+1, l)
		}
		if ev.Kind == "outcome" {
			outcomes++
			if i != len(lines)-1 || ev.Outcome != "done" {
				t.Errorf("outcome %q at line %d of %d", ev.Outcome, i+1, len(lines))
			}
		}
	}
	if outcomes != 1 {
		t.Errorf("%d outcome events, want 1", outcomes)
	}
	if !strings.HasPrefix(filepath.Base(archive), "appsmith-"+releaseName+"."+e.ns) || filepath.Dir(archive) != store {
		t.Fatalf("backup printed %q, want an archive named after the release in %s", archive, store)
	}
	e.must(e.runIn(src.dir, "backup", "verify", archive, "--passphrase-file", pass), "backup verify")
	left, _ := filepath.Glob(filepath.Join(e.dir, ".kube-backup-*"))
	if len(left) > 0 {
		t.Errorf("the stage (docker.env with the keys, the dump) is left behind: %v", left)
	}

	dst := e.hostInstall(backedVersion)
	e.must(e.runIn(dst.dir, "restore", archive, "--passphrase-file", pass, "--yes", "--progress", "plain", "--timeout", "90s"), "restore on a host")
	if n := testenv.CountRows(t, cli, dst.id, table); n != 500 {
		t.Errorf("the host has %d rows of %s after the restore, want 500", n, table)
	}
	got, err := os.ReadFile(filepath.Join(instance.Layout{Dir: dst.dir}.Stacks().GitStorageDir(), "app1", "page.json"))
	if err != nil || string(got) != `{"page":"from the cluster"}` {
		t.Errorf("git-storage after the restore: %q, %v", got, err)
	}
	want, have := src.env(t), dst.env(t)
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT"} {
		w, _ := want.Get(k)
		h, _ := have.Get(k)
		if w == "" || w != h {
			t.Errorf("%s after the restore differs from the pod's", k)
		}
	}
	if v, ok := have.Get("APPSMITH_ENABLE_EMBEDDED_DB"); ok {
		t.Errorf("the chart's APPSMITH_ENABLE_EMBEDDED_DB=%s followed the data onto the host", v)
	}

	// And back: the host's archive restored into the release. The Secret
	// holds other keys by now (say a new install's): the archive's replace
	// them, the previous ones are kept beside; the claim's git-storage
	// becomes the archive's (what only the cluster had is gone), and the
	// database the archive's.
	testenv.SeedRows(t, cli, dst.id, "appsmith.host_only", 7)
	testenv.MustPGExec(t, cli, dst.id, "ALTER TABLE appsmith.host_only OWNER TO appsmith")
	hostFile := filepath.Join(instance.Layout{Dir: dst.dir}.Stacks().GitStorageDir(), "app2", "page.json")
	os.MkdirAll(filepath.Dir(hostFile), 0o755)
	os.WriteFile(hostFile, []byte(`{"page":"from the host"}`), 0o644)
	r = e.must(e.runIn(dst.dir, "backup", "--to", store, "--passphrase-file", pass, "--progress", "plain"), "backup of the host")
	hostArchive := strings.TrimSpace(r.out)

	testenv.MustPGExec(t, cli, src.id, "DELETE FROM "+table+" WHERE id > 100")
	clusterOnly := filepath.Join(instance.Layout{Dir: src.dir}.Stacks().GitStorageDir(), "app9", "x.json")
	os.MkdirAll(filepath.Dir(clusterOnly), 0o755)
	os.WriteFile(clusterOnly, []byte("{}"), 0o644)
	before := e.secret()
	stale := map[string][]byte{"APPSMITH_ENCRYPTION_PASSWORD": []byte("stale-password"), "APPSMITH_ENCRYPTION_SALT": []byte("stale-salt")}
	sec, err := e.cs.CoreV1().Secrets(e.ns).Get(t.Context(), secretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range stale {
		sec.Data[k] = v
	}
	if _, err := e.cs.CoreV1().Secrets(e.ns).Update(t.Context(), sec, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	oldPod := e.podReadyOn(backedVersion).UID

	e.must(e.run("restore", hostArchive, "--passphrase-file", pass, "--yes", "--progress", "plain", "--timeout", "2m"), "restore into the release")
	if n := testenv.CountRows(t, cli, src.id, table); n != 500 {
		t.Errorf("the release has %d rows of %s after the restore, want 500", n, table)
	}
	if n := testenv.CountRows(t, cli, src.id, "appsmith.host_only"); n != 7 {
		t.Errorf("the release has %d rows of appsmith.host_only after the restore, want 7", n)
	}
	if b, err := os.ReadFile(filepath.Join(instance.Layout{Dir: src.dir}.Stacks().GitStorageDir(), "app2", "page.json")); err != nil || string(b) != `{"page":"from the host"}` {
		t.Errorf("the host's git-storage file on the claim: %q, %v", b, err)
	}
	if _, err := os.Stat(clusterOnly); err == nil {
		t.Error("git-storage kept a file the archive does not have")
	}
	after := e.secret()
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT"} {
		if string(after[k]) != string(before[k]) {
			t.Errorf("%s in the Secret is not the archive's after the restore", k)
		}
	}
	if string(after["APPSMITH_DB_URL"]) != string(before["APPSMITH_DB_URL"]) {
		t.Error("the release's database URL changed: the import goes into the release's database, its settings stay")
	}
	kept, err := e.cs.CoreV1().Secrets(e.ns).List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range kept.Items {
		if strings.HasPrefix(s.Name, secretName+"-before-restore-") {
			found = string(s.Data["APPSMITH_ENCRYPTION_PASSWORD"]) == "stale-password"
		}
	}
	if !found {
		t.Error("the previous keys were not kept in a -before-restore- Secret")
	}
	if p := e.podReadyOn(backedVersion); p.UID == oldPod {
		t.Error("the pod was not replaced: it still runs with the previous keys")
	}
	if st, r := e.status(); !st.Healthy {
		t.Errorf("not healthy after the restore: %s", r)
	}
	if left, _ := filepath.Glob(filepath.Join(e.dir, "backups", ".kube-restore-*")); len(left) > 0 {
		t.Errorf("the snapshot is left behind after a restore that succeeded: %v", left)
	}

	e.noSecretLeaks(e.secret(), e.history())
}

// A hop that fails after the new version could have touched the data is
// rolled back with the data: the upgrade snapshots the release through
// exec before its first hop and restores that snapshot into the release
// once the hop is recovered. The snapshot holds the data of the version
// before the first hop, so when a later hop fails the release goes back
// there too (all or nothing, as on a host). Here the path is two hops,
// v1.9.2 → v1.99 → the bad tag; the "migration" deletes rows while the
// bad revision is out; the rows are back on v1.9.2 after the failed
// upgrade. (The pod's exec reaches the stand-in's database; its /info is
// the test's server, which answers the pod's tag.)
func TestFailedHopRestoresTheSnapshot(t *testing.T) {
	const table = "appsmith.hop_seed"
	e, cli, src := newSeededRelease(t, "v1.9.2", table, 300)

	done := make(chan result, 1)
	go func() { done <- e.run("upgrade", badTag, "--yes", "--timeout", "20s", "--progress", "plain") }()
	// Once the bad revision is applied (the snapshot came before it), the
	// new version "migrates" the data.
	var last string
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		sts, err := e.cs.AppsV1().StatefulSets(e.ns).Get(ctx, releaseName, metav1.GetOptions{})
		if err != nil {
			last = err.Error()
			return false, nil
		}
		last = sts.Spec.Template.Spec.Containers[0].Image
		return strings.HasSuffix(last, ":"+badTag), nil
	})
	if err != nil {
		t.Fatalf("the bad revision never came: %v (last image %s)", err, last)
	}
	testenv.MustPGExec(t, cli, src.id, "DELETE FROM "+table+" WHERE id > 10")
	r := <-done
	if r.code != 4 || !strings.Contains(r.errOut, "restored from the snapshot") || !strings.Contains(r.errOut, "the release runs v1.9.2 again") {
		t.Fatalf("upgrade to the never-ready %s: want exit 4 saying the release is back on v1.9.2 with the snapshot restored:\n%s", badTag, r)
	}
	if n := testenv.CountRows(t, cli, src.id, table); n != 300 {
		t.Errorf("%d rows after the failed hop, want the snapshot's 300", n)
	}
	if st, r := e.status(); !st.Healthy || st.ImageTag != "v1.9.2" {
		t.Errorf("not healthy on v1.9.2 after the failed hop: %s", r)
	}
	if s, err := state.Load(e.dir); err != nil || s.Version != "v1.9.2" || s.Kubernetes.Revision != e.last().Version {
		t.Errorf("the record after the failed upgrade: %+v (%v), release at revision %d", s, err, e.last().Version)
	}
	snaps, _ := filepath.Glob(filepath.Join(e.dir, "backups", "appsmith-"+releaseName+"."+e.ns+"-*-v1.9.2.tar.zst"))
	if len(snaps) != 1 {
		t.Errorf("want the one snapshot, unencrypted and without the keys, in the install dir's backups: %v", snaps)
	}
	e.noSecretLeaks(e.secret(), e.history())
}

// `rollback` after an upgrade puts back the data the upgrade snapshotted
// (the newer data backed up first). The pod's exec reaches the stand-in's
// database; its /info is the test's server, which answers the pod's tag,
// so the release can go v1.99 → v2.0.1 → back (and no further: back is
// never forward).
func TestRollbackPutsTheSnapshotBack(t *testing.T) {
	const table = "appsmith.rollback_seed"
	e, cli, src := newSeededRelease(t, "v1.99", table, 200)

	e.must(e.run("upgrade", "v2.0.1", "--yes", "--timeout", "2m", "--progress", "plain"), "upgrade v2.0.1")
	testenv.MustPGExec(t, cli, src.id, "DELETE FROM "+table+" WHERE id > 10")

	// A rollback killed inside its restore (the snapshot's rows already
	// imported, v1.99 running) is undone by `upgrade --resume`: the restore
	// first, then the rollback, so v2.0.1 runs on its own data again — the
	// older image never stays on the newer data.
	e.extraEnv = []string{"APPSMITH_INSTALL_FAILPOINT=done:import"}
	r := e.run("rollback", "--yes", "--timeout", "2m", "--progress", "plain")
	e.extraEnv = nil
	if r.code != 137 {
		t.Fatalf("the rollback was not killed at its failpoint:\n%s", r)
	}
	if st, r := e.status(); st.Healthy || len(st.Unfinished) == 0 {
		t.Errorf("status after the killed rollback: %s", r)
	}
	r = e.must(e.run("upgrade", "--resume", "--timeout", "2m", "--progress", "plain"), "upgrade --resume after the killed rollback")
	contains(t, "upgrade --resume", r.errOut, "undoing it first", "rollback to v1.99 was undone")
	if n := testenv.CountRows(t, cli, src.id, table); n != 10 {
		t.Errorf("%d rows after the undone rollback, want v2.0.1's 10", n)
	}
	if st, r := e.status(); !st.Healthy || st.ImageTag != "v2.0.1" || len(st.Unfinished) != 0 {
		t.Errorf("not healthy on v2.0.1 after the undone rollback: %s", r)
	}

	r = e.must(e.run("rollback", "--yes", "--timeout", "2m", "--progress", "plain"), "rollback")
	if !strings.Contains(r.errOut, "restored from the snapshot") {
		t.Errorf("rollback does not say the data went back:\n%s", r)
	}
	if n := testenv.CountRows(t, cli, src.id, table); n != 200 {
		t.Errorf("%d rows after the rollback, want the snapshot's 200", n)
	}
	if st, r := e.status(); !st.Healthy || st.ImageTag != "v1.99" {
		t.Errorf("not healthy on v1.99 after the rollback: %s", r)
	}
	if newer, _ := filepath.Glob(filepath.Join(e.dir, "backups", "appsmith-*-v2.0.1.tar.zst")); len(newer) != 2 { // one per rollback run
		t.Errorf("the newer data were not kept: %v", newer)
	}
	// A second rollback has nowhere older to go: the revision before is
	// v2.0.1's, and a rollback never moves forward (its image would run
	// over v1.99's data past the upgrade's checks). Nothing changes.
	r = e.run("rollback", "--yes", "--timeout", "2m", "--progress", "plain")
	if r.code == 0 || !strings.Contains(r.errOut, "never moves to a newer one") || strings.Contains(r.errOut, "restored from the snapshot") {
		t.Errorf("a second rollback: want a refusal that names going forward, nothing restored:\n%s", r)
	}
	if st, r := e.status(); !st.Healthy || st.ImageTag != "v1.99" {
		t.Errorf("the second rollback moved the release: %s", r)
	}
	if n := testenv.CountRows(t, cli, src.id, table); n != 200 {
		t.Errorf("%d rows after the second rollback, want 200", n)
	}
}

// An upgrade killed (SIGKILL) after its snapshot and while the new
// version is out is undone by `upgrade --resume` with the data: the
// release back on the revision it began on, and the snapshot restored
// over what the new version did to the database meanwhile.
func TestKilledUpgradeResumesWithTheSnapshot(t *testing.T) {
	const table = "appsmith.kill_seed"
	e, cli, src := newSeededRelease(t, backedVersion, table, 120)

	cmd, _, errOut, done := e.upgradeUntilBadPod("--progress", "plain")
	// The new version "migrates", and the run dies.
	testenv.MustPGExec(t, cli, src.id, "DELETE FROM "+table+" WHERE id > 7")
	_ = cmd.Process.Kill()
	<-done
	t.Logf("killed upgrade's stderr:\n%s", errOut.String())

	r := e.must(e.run("upgrade", "--resume", "--timeout", "2m", "--progress", "plain"), "upgrade --resume")
	contains(t, "upgrade --resume", r.errOut, "was rolled back", "runs "+backedVersion, "restored from the snapshot")
	if n := testenv.CountRows(t, cli, src.id, table); n != 120 {
		t.Errorf("%d rows after --resume, want the snapshot's 120", n)
	}
	if st, r := e.status(); !st.Healthy || st.ImageTag != backedVersion || len(st.Unfinished) != 0 {
		t.Errorf("status after --resume: %s", r)
	}
	e.noSecretLeaks(e.secret(), e.history())
}

// A restore into the release killed (SIGKILL, the engine's failpoint)
// right after its import — the Secret's keys, the claim's files and the
// database already the archive's — is named by status (an upgrade's plan
// refuses on top of it; a change would undo it first), and is undone by
// `restore --resume` from what is on disk alone: the rows, the files and
// the keys are the release's again.
func TestKilledRestoreIsUndone(t *testing.T) {
	const table = "appsmith.restore_seed"
	e, cli, src := newSeededRelease(t, backedVersion, table, 100)
	pass := filepath.Join(t.TempDir(), "pass")
	os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600)
	r := e.must(e.run("backup", "--to", t.TempDir(), "--passphrase-file", pass), "backup of the cluster")
	archive := strings.TrimSpace(r.out)

	// The release moves on: fewer rows, a new file, another salt.
	testenv.MustPGExec(t, cli, src.id, "DELETE FROM "+table+" WHERE id > 50")
	after := filepath.Join(instance.Layout{Dir: src.dir}.Stacks().GitStorageDir(), "after.json")
	if err := os.WriteFile(after, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := e.cs.CoreV1().Secrets(e.ns).Get(t.Context(), secretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Data["APPSMITH_ENCRYPTION_SALT"] = []byte("rotated-salt-0001")
	if _, err := e.cs.CoreV1().Secrets(e.ns).Update(t.Context(), s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	e.extraEnv = []string{"APPSMITH_INSTALL_FAILPOINT=done:import"}
	r = e.run("restore", archive, "--passphrase-file", pass, "--yes", "--progress", "plain", "--timeout", "2m")
	e.extraEnv = nil
	if r.code != 137 {
		t.Fatalf("the restore was not killed at its failpoint:\n%s", r)
	}
	if n := testenv.CountRows(t, cli, src.id, table); n != 100 {
		t.Fatalf("%d rows when the restore died, want the archive's 100 (the import was done)", n)
	}
	st, r := e.status()
	if st.Healthy || len(st.Unfinished) != 1 || !strings.Contains(st.Unfinished[0].Fix, "restore --resume") {
		t.Errorf("status after the kill: want the unfinished restore and its command:\n%s", r)
	}
	r = e.run("upgrade", "--plan")
	if r.code != 3 || !strings.Contains(r.errOut, "restore --resume") {
		t.Errorf("upgrade --plan after the kill: want exit 3 naming restore --resume:\n%s", r)
	}

	r = e.must(e.run("restore", "--resume", "--progress", "plain", "--timeout", "2m"), "restore --resume")
	if n := testenv.CountRows(t, cli, src.id, table); n != 50 {
		t.Errorf("%d rows after the undo, want the release's 50", n)
	}
	if _, err := os.Stat(after); err != nil {
		t.Errorf("the release's own file is gone after the undo: %v", err)
	}
	if got := e.secret()["APPSMITH_ENCRYPTION_SALT"]; string(got) != "rotated-salt-0001" {
		t.Error("the Secret's salt is not the release's after the undo")
	}
	if st, r := e.status(); !st.Healthy || len(st.Unfinished) != 0 {
		t.Errorf("status after the undo: %s", r)
	}
	if left, _ := filepath.Glob(filepath.Join(e.dir, "backups", ".kube-restore-*")); len(left) != 0 {
		t.Errorf("the restore's snapshot is left: %v", left)
	}
	e.noSecretLeaks(e.secret(), e.history())
}
