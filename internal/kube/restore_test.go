package kube

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// fakeData is DataOps and SecretAPI: the real API over the fake
// clientset for the environment and Secrets, exec answered by a function.
type fakeData struct {
	*API
	exec execFunc
}

func (f fakeData) Execer(string, string) backup.Execer { return f.exec }

// fakePod records what a restore does in the pod: the database's content
// is what mongorestore was fed last, git-storage what tar -x wrote last.
type fakePod struct {
	mu       sync.Mutex
	db       string
	files    string
	commands []string
}

func (p *fakePod) exec(stacks []byte) execFunc {
	return func(cmd []string, stdout, stderr io.Writer) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.commands = append(p.commands, strings.Join(cmd, " "))
		switch {
		case cmd[0] == "tar" && cmd[1] == "-c":
			_, err := stdout.Write(stacks)
			return 0, err
		case cmd[0] == "mongodump" && len(cmd) > 1 && cmd[1] == "--version":
			io.WriteString(stdout, "mongodump version: 100.9.4\n")
		case cmd[0] == "mongodump":
			io.WriteString(stdout, "dump of "+p.db)
			io.WriteString(stderr, "2026-01-01T00:00:00.000+0000	done dumping appsmith.user (3 documents)\n")
		case cmd[0] == "mongorestore":
			io.WriteString(stderr, "2026-01-01T00:00:00.000+0000	finished restoring appsmith.user (3 documents, 0 failures)\n")
		}
		return 0, nil
	}
}

// stdinExec feeds what mongorestore and tar -x read: execFunc has no stdin.
type stdinExec struct {
	p *fakePod
	execFunc
}

func (s stdinExec) ExecStream(ctx context.Context, pod string, cmd, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if cmd[0] == "mongorestore" {
		b, _ := io.ReadAll(stdin)
		s.p.mu.Lock()
		s.p.db = strings.TrimPrefix(string(b), "dump of ")
		s.p.mu.Unlock()
	}
	return s.execFunc.ExecStream(ctx, pod, cmd, env, stdin, stdout, stderr)
}

func (s stdinExec) CopyToContainer(_ context.Context, _, dir string, content io.Reader) error {
	b, _ := io.ReadAll(content)
	if dir == StacksDir {
		s.p.mu.Lock()
		s.p.files = string(b)
		s.p.mu.Unlock()
	}
	return nil
}

// infoSwitch asks first until switched says so, then then.
type infoSwitch struct {
	first, then InfoReader
	switched    func() bool
}

func (i infoSwitch) PodInfo(ctx context.Context, ns string, p Pod, want string) (instance.ReadyInfo, error) {
	if i.switched() {
		return i.then.PodInfo(ctx, ns, p, want)
	}
	return i.first.PodInfo(ctx, ns, p, want)
}

type fakeDataStdin struct {
	*API
	ex backup.Execer
}

func (f fakeDataStdin) Execer(string, string) backup.Execer { return f.ex }

// A restore whose last check fails (the new pod's /info reports another
// version) is undone step by step: the snapshot's dump goes back into the
// database, the snapshot's files onto the claim, the previous keys into
// the Secret, and the pod is replaced again to start on them; the
// snapshot is removed once all of that is done.
// restoreWorld is a release on v1.9.2 whose pod's exec is a fakePod, and
// a prepared restore of an archive with keys, files and a dump.
type restoreWorld struct {
	h       *Helm
	pod     *fakePod
	before  map[string][]byte
	deleted *atomic.Int32
	p       *RestorePlan
	// dbAtDelete is what the database held at each pod replacement.
	dbAtDelete *[]string
}

func newRestoreWorld(t *testing.T) restoreWorld { return newRestoreWorldKeys(t, true) }

func newRestoreWorldKeys(t *testing.T, keys bool) restoreWorld {
	t.Helper()
	ctx := context.Background()
	h, pods, cs := newHelm(t, nil)
	ch := loadStandin(t)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, ch, g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	before, _, _ := h.Cluster.Secret(ctx, h.Opts.Namespace, h.Opts.SecretName())
	ready := readyOn("v1.9.2")
	pods.pods = ready.pods
	deleted := &atomic.Int32{}
	var dbAtDelete []string
	var pod *fakePod
	pods.delete = func(string, string) error {
		deleted.Add(1)
		pod.mu.Lock()
		dbAtDelete = append(dbAtDelete, pod.db)
		pod.mu.Unlock()
		return nil
	}
	if _, err := cs.CoreV1().Pods(h.Opts.Namespace).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "appsmith-0"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "appsmith", Env: []corev1.EnvVar{
			{Name: "APPSMITH_DB_URL", Value: "mongodb://appsmith:pw@mongo.example:27017/appsmith"}}}}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod = &fakePod{db: "the release's data"}
	h.Data = fakeDataStdin{API: &API{Client: cs}, ex: stdinExec{p: pod, execFunc: pod.exec(stacksTar(t, map[string]string{"git-storage/cluster.json": "{}"}))}}
	// /info says v1.9.2 until the pod is replaced, then something else.
	info := appsmithServer(t, http.StatusOK, "v1.9.2")
	lying := appsmithServer(t, http.StatusOK, "v1.9.3")
	h.Info = infoSwitch{first: info, then: lying, switched: func() bool { return deleted.Load() > 0 }}

	st := &backup.Staged{Dir: t.TempDir(), Manifest: backup.Manifest{Mode: backup.ModeOnline, AppsmithVersion: "v1.9.2", KeysIncluded: keys,
		DB: backup.DB{Kind: backup.DBMongo, External: true, Dump: backup.MongoDump}}}
	os.MkdirAll(filepath.Join(st.Stacks(), "configuration"), 0o700)
	os.MkdirAll(filepath.Join(st.Stacks(), "git-storage"), 0o700)
	os.WriteFile(filepath.Join(st.Stacks(), "git-storage", "archive.json"), []byte("{}"), 0o600)
	env := "APPSMITH_ENCRYPTION_PASSWORD=archive-pw\nAPPSMITH_ENCRYPTION_SALT=archive-salt\n"
	if !keys {
		env = ""
	}
	os.WriteFile(filepath.Join(st.Stacks(), "configuration", "docker.env"), []byte(env), 0o600)
	os.MkdirAll(filepath.Dir(st.DumpPath()), 0o700)
	os.WriteFile(st.DumpPath(), []byte("dump of the archive's data"), 0o600)

	p, err := h.PrepareRestore(ctx, st, t.TempDir(), "20260101t000000z", engine.SinkFunc(func(engine.Event) {}))
	if err != nil {
		t.Fatal(err)
	}
	return restoreWorld{h: h, pod: pod, before: before, deleted: deleted, p: p, dbAtDelete: &dbAtDelete}
}

// previous checks the release is on its previous data, files and keys,
// and the snapshot is gone.
func (w restoreWorld) previous(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	if w.pod.db != "the release's data" {
		t.Errorf("the database holds %q after the rollback", w.pod.db)
	}
	if !strings.Contains(w.pod.files, "cluster.json") || strings.Contains(w.pod.files, "archive.json") {
		t.Errorf("the claim's files after the rollback came from the wrong place: %q", w.pod.files)
	}
	after, _, _ := w.h.Cluster.Secret(ctx, w.h.Opts.Namespace, w.h.Opts.SecretName())
	for _, k := range backup.KeyNames() {
		if !bytes.Equal(after[k], w.before[k]) {
			t.Errorf("%s is not the release's own after the rollback", k)
		}
	}
	if _, err := os.Stat(w.p.Snapshot()); !os.IsNotExist(err) {
		t.Errorf("the snapshot is left after a complete rollback: %v", err)
	}
}

func TestRestoreRollsBack(t *testing.T) {
	ctx := context.Background()
	w := newRestoreWorld(t)
	h, p := w.h, w.p
	err := p.Run(ctx, engine.SinkFunc(func(engine.Event) {}), t.TempDir())
	var ee *engine.Error
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("Run: %v, want a rolled back restore", err)
	}
	w.previous(t)
	if n := w.deleted.Load(); n != 2 {
		t.Errorf("the pod was replaced %d times, want 2 (restart, then the undo's)", n)
	}
	kept, _, _ := h.Cluster.Secret(ctx, h.Opts.Namespace, h.Opts.SecretName()+"-before-restore-20260101t000000z")
	if !bytes.Equal(kept["APPSMITH_ENCRYPTION_PASSWORD"], w.before["APPSMITH_ENCRYPTION_PASSWORD"]) {
		t.Error("the previous keys were not kept beside")
	}
}

// Without keys in the archive (an upgrade's snapshot, --no-encrypt) the
// Secret is not touched, and the pod is replaced last in the rollback
// too: after the database and the files are back, so it starts on them.
func TestRestoreWithoutKeysRollsBackThenRestarts(t *testing.T) {
	w := newRestoreWorldKeys(t, false)
	err := w.p.Run(context.Background(), engine.SinkFunc(func(engine.Event) {}), t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "rolled back") {
		t.Fatalf("Run: %v, want a rolled back restore", err)
	}
	w.previous(t)
	got := *w.dbAtDelete
	if len(got) != 2 || got[len(got)-1] != "the release's data" {
		t.Errorf("the database at each pod replacement: %q; want two, the last on the release's data", got)
	}
}

// A restore killed while it replaced the pod (the keys, files and
// database already the archive's) is undone by RecoverRestore in a later
// process from what is durable alone: the snapshot dir, the kept Secret
// and the journal, with a plan rebuilt from the journal's meta.
func TestRecoverRestoreUndoesAKilledRun(t *testing.T) {
	ctx := context.Background()
	w := newRestoreWorld(t)
	h, p := w.h, w.p
	jdir := t.TempDir()
	plan := p.plan()
	j, err := engine.Create(jdir, backup.Op+" into release "+h.Opts.Release, plan, p.meta())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range plan.Steps {
		if err := j.Append(engine.Record{Type: engine.RecStart, Step: s.Key()}); err != nil {
			t.Fatal(err)
		}
		if s.ID == "restart" {
			break // killed here
		}
		if err := s.Run(ctx, nopReporter{}); err != nil {
			t.Fatalf("%s: %v", s.ID, err)
		}
		if err := j.Append(engine.Record{Type: engine.RecDone, Step: s.Key()}); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	if w.pod.db != "the archive's data" {
		t.Fatalf("the killed run did not import: %q", w.pod.db)
	}
	// A later process: nothing of p's memory, only what is on disk.
	open, err := engine.Unfinished(jdir)
	if err != nil || len(open) != 1 {
		t.Fatalf("unfinished journals: %d (%v)", len(open), err)
	}
	j, err = engine.Open(open[0].Path())
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if err := h.RecoverRestore(ctx, j, engine.SinkFunc(func(engine.Event) {})); err != nil {
		t.Fatal(err)
	}
	w.previous(t)
	if _, ended := j.Ended(); !ended {
		t.Error("the journal is still open after the recovery")
	}
	if open, _ := engine.Unfinished(jdir); len(open) != 0 {
		t.Errorf("%d journals still unfinished", len(open))
	}
}

type nopReporter struct{}

func (nopReporter) Progress(string, string, int64, int64) {}
func (nopReporter) Log(string)                            {}
func (nopReporter) Warn(string)                           {}
func (nopReporter) Output(string, string)                 {}

// A restore of another version's data is refused before anything, the
// snapshot included, is done.
func TestRestoreRefusesAnotherVersion(t *testing.T) {
	ctx := context.Background()
	h, pods, _ := newHelm(t, nil)
	g, vals := values(t, "v1.9.2")
	if _, err := h.Install(ctx, loadStandin(t), g, vals, nil, nil); err != nil {
		t.Fatal(err)
	}
	pods.pods = readyOn("v1.9.2").pods
	h.Info = appsmithServer(t, http.StatusOK, "v1.9.2")
	ran := false
	h.Data = fakeData{API: &API{}, exec: func([]string, io.Writer, io.Writer) (int, error) { ran = true; return 0, nil }}
	st := &backup.Staged{Dir: t.TempDir(), Manifest: backup.Manifest{Mode: backup.ModeOnline, AppsmithVersion: "v1.9.38"}}
	_, err := h.PrepareRestore(ctx, st, t.TempDir(), "x", engine.SinkFunc(func(engine.Event) {}))
	if engine.ExitCode(err) != engine.ExitPreflight || !strings.Contains(err.Error(), "v1.9.38") || ran {
		t.Errorf("PrepareRestore: %v (exec ran: %v), want a preflight refusal naming v1.9.38 with nothing run", err, ran)
	}
}
