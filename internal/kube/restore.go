package kube

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// Restoring an archive (a host's or a cluster's: one format) into a
// release changes three things, each undone if a later step fails: the
// encryption keys in the release's Secret (the archive's, or the data's
// credentials stay unreadable), the files on the data claim the archive
// holds (git-storage and the like; the cluster's own configuration, TLS
// and CA roots stay), and the database (imported with the image's tools
// through exec, counts checked). The pod is then replaced so it starts
// with the keys, and /info must report the archive's version. Before any
// of it, a snapshot of the release (its files and a dump) is taken into
// the install dir: the undo restores from it, and it stays there if the
// undo cannot finish.

// replaceable are the stacks entries a restore replaces on the claim: all
// the archive has but these, which belong to the cluster (configuration
// and secrets come from values and Secrets, TLS ends at the ingress, CA
// roots are a ConfigMap mounted read-only) or are not data (logs, the raw
// database directories, caches).
func replaceable(name string) bool {
	switch name {
	case "configuration", "ssl", "ca-certs", "logs", "data":
		return false
	}
	return true
}

// SecretAPI replaces keys of a Secret (the restore's keys).
type SecretAPI interface {
	// ReplaceSecretKeys sets keys of an existing Secret and returns the
	// values they had (missing ones absent).
	ReplaceSecretKeys(ctx context.Context, ns, name string, data map[string][]byte) (old map[string][]byte, err error)
	CreateSecret(ctx context.Context, ns, name, typ string, data map[string][]byte) error
}

var _ SecretAPI = (*API)(nil)

// ReplaceSecretKeys sets keys of a Secret, returning what they were.
func (a *API) ReplaceSecretKeys(ctx context.Context, ns, name string, data map[string][]byte) (map[string][]byte, error) {
	s, err := a.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	old := map[string][]byte{}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range data {
		if was, ok := s.Data[k]; ok {
			old[k] = was
		}
		s.Data[k] = v
	}
	_, err = a.Client.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{})
	return old, err
}

// RestorePlan is a restore into the release, checked and ready to run.
type RestorePlan struct {
	h        *Helm
	st       *backup.Staged
	pod      Pod
	tag      string
	ex       backup.Execer
	db       backup.Database // the release's database: the import goes there
	keys     map[string][]byte
	snapshot string // dir: stacks/ and the dump of the release before the restore
	snapDB   backup.DB
	Stamp    string
	// entries are the archive's top-level stacks entries the restore
	// writes (replaceable): the files' undo removes them again.
	entries []string
	// keysStep says the plan changes the Secret (the archive has keys).
	keysStep bool
	// ResumeHint is the command that undoes this restore if it is left
	// half-way, with the install dir (the caller knows it).
	ResumeHint string
}

// Snapshot is where the release's state before the restore is kept.
func (p *RestorePlan) Snapshot() string { return p.snapshot }

// PrepareRestore checks that the staged archive can go into the release
// (its version is the one the release runs; the database kinds match; it
// carries the encryption keys, or the release's are kept) and takes the
// snapshot into work. Nothing in the cluster changes.
func (h *Helm) PrepareRestore(ctx context.Context, st *backup.Staged, work, stamp string, sink engine.Sink) (*RestorePlan, error) {
	if h.Data == nil || h.Info == nil {
		return nil, errors.New("no way to reach the pods through the API server")
	}
	if sa, ok := h.Data.(SecretAPI); !ok || sa == nil {
		return nil, errors.New("no way to change the release's Secret")
	}
	m := st.Manifest
	if m.Mode == backup.ModeCold {
		return nil, engine.Errorf(engine.ExitPreflight, "restore it on a host, take an online backup there (`appsmith backup`) and restore that here",
			"the archive is a cold one (the raw database files): a release's database is restored from a dump")
	}
	rs, err := h.Status()
	if err != nil {
		return nil, err
	}
	pod, err := h.ReadyPod(ctx, rs.ImageTag)
	if err != nil {
		return nil, err
	}
	info, err := h.Info.PodInfo(ctx, h.Opts.Namespace, pod, "")
	if err != nil {
		return nil, engine.Errorf(engine.ExitPreflight, "`appsmith status` shows what is wrong", "cannot read the version of pod %s: %v", pod.Name, err)
	}
	if m.AppsmithVersion != backup.VersionUnknown && m.AppsmithVersion != info.Version {
		return nil, engine.Errorf(engine.ExitPreflight, "restore it where "+m.AppsmithVersion+" runs (`appsmith upgrade "+m.AppsmithVersion+"` first, if it is newer), or restore an archive of "+info.Version,
			"the archive holds Appsmith %s data and the release runs %s: data is restored only into the version that wrote it", m.AppsmithVersion, info.Version)
	}
	p := &RestorePlan{h: h, st: st, pod: pod, tag: rs.ImageTag, ex: h.Data.Execer(h.Opts.Namespace, pod.Container), Stamp: stamp}
	if p.snapshot, err = os.MkdirTemp(work, ".kube-restore-"+stamp+"-"); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(p.snapshot)
		}
	}()
	snap := engine.Step{ID: "snapshot", Title: "Snapshot the release's files and database into " + p.snapshot, ReadOnly: true,
		Cause: "what the restore replaces is put back from it if a step fails",
		Run:   func(ctx context.Context, r engine.Reporter) error { return p.takeSnapshot(ctx, r) }}
	if _, err := (engine.Runner{Sink: prelude(sink)}).Run(ctx, engine.Plan{Name: "restore: snapshot the release", Steps: []engine.Step{snap}}); err != nil {
		return nil, err
	}
	arch, err := stacks.Layout{Root: st.Stacks()}.ReadEnv()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("the archive's docker.env: %w", err)
	}
	if m.DB.Kind != "" && m.DB.Kind != p.db.Kind {
		return nil, engine.Errorf(engine.ExitPreflight, "restore it into a release with a "+m.DB.Kind+" database",
			"the archive holds a %s database and the release uses %s", m.DB.Kind, p.db.Kind)
	}
	p.keys = map[string][]byte{}
	if m.KeysIncluded && arch != nil {
		for _, k := range backup.KeyNames() {
			if v, ok := arch.Get(k); ok && v != "" {
				p.keys[k] = []byte(v)
			}
		}
		if len(p.keys) != len(backup.KeyNames()) {
			return nil, fmt.Errorf("the archive says it carries the encryption keys, but its docker.env lacks %s", strings.Join(backup.KeyNames(), " or "))
		}
	}
	p.keysStep = len(p.keys) > 0
	ents, err := os.ReadDir(st.Stacks())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for _, e := range ents {
		if replaceable(e.Name()) {
			p.entries = append(p.entries, e.Name())
		}
	}
	ok = true
	return p, nil
}

func (p *RestorePlan) takeSnapshot(ctx context.Context, r engine.Reporter) error {
	h := p.h
	dir := filepath.Join(p.snapshot, "stacks")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	warn, err := PullStacks(ctx, p.ex, p.pod.Name, dir, func(n int64) { r.Progress("stacks", "Copying", n, 0) })
	if err != nil {
		return err
	}
	if warn != "" {
		r.Warn(warn)
	}
	env, err := h.Data.PodEnv(ctx, h.Opts.Namespace, p.pod.Name, p.pod.Container)
	if err != nil {
		return fmt.Errorf("the pod's environment: %w", err)
	}
	file, err := stacks.Layout{Root: dir}.ReadEnv()
	if errors.Is(err, os.ErrNotExist) {
		file, err = stacks.ParseEnv(nil)
	}
	if err != nil {
		return fmt.Errorf("the pod's docker.env: %w", err)
	}
	if p.db, err = backup.DatabaseOf(EffectiveEnv(file, env)); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(p.snapshot, "db.dump"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	cr := &countWriter{w: f, report: func(n int64) { r.Progress("dump", "Dumping", n, 0) }}
	if p.snapDB, err = backup.Dump(ctx, p.ex, p.pod.Name, p.db, cr); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	// What the dump holds (its counts), for an undo in a later process.
	b, err := json.Marshal(p.snapDB)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(filepath.Join(p.snapshot, "db.json"), b, 0o600)
}

type countWriter struct {
	w      io.Writer
	n      int64
	report func(int64)
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.report(c.n)
	return n, err
}

// Run restores: keys, files, database, a new pod, /info; a failing step
// undoes the ones before it, from the snapshot. The steps are journaled
// in journalDir (the install dir's journal): a run killed half-way is
// finished or undone by RecoverRestore, whose undo reads only what is
// durable (the snapshot dir, the kept Secret, the journal). The snapshot
// is removed when the restore is done or fully undone, and kept (and
// named in the error) when an undo failed.
func (p *RestorePlan) Run(ctx context.Context, sink engine.Sink, journalDir string) error {
	plan := p.plan()
	j, err := engine.Create(journalDir, backup.Op+" into release "+p.h.Opts.Release, plan, p.meta())
	if err != nil {
		return err
	}
	defer j.Close()
	out, err := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}.Run(ctx, plan)
	return p.ended(out, err, j)
}

func (p *RestorePlan) ended(out engine.Outcome, err error, j *engine.Journal) error {
	o := p.h.Opts
	switch out {
	case engine.OutcomeDone:
		os.RemoveAll(p.snapshot)
		return nil
	case engine.OutcomeRolledBack:
		os.RemoveAll(p.snapshot)
		return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("restore rolled back, the release runs on its previous data: %w", err),
			Hint: "nothing of the release changed; `appsmith status` shows it"}
	}
	if _, ended := j.Ended(); ended {
		os.RemoveAll(p.snapshot)
		return err // nothing had changed
	}
	resume := p.ResumeHint
	if resume == "" {
		resume = "appsmith restore --resume"
	}
	return &engine.Error{Code: engine.ExitFailure, Err: err,
		Hint: "`" + resume + "` undoes it; the release's files and database before the restore are in " + p.snapshot +
			" (stacks/ and db.dump), its previous keys in the Secret " + o.SecretName() + "-before-restore-" + p.Stamp}
}

// meta is what RecoverRestore rebuilds the plan from.
func (p *RestorePlan) meta() map[string]string {
	return map[string]string{"target": "kubernetes", "snapshot": p.snapshot, "stamp": p.Stamp, "tag": p.tag, "pod": p.pod.Name,
		"container": p.pod.Container, "entries": strings.Join(p.entries, ","), "keys": fmt.Sprint(p.keysStep),
		"version": p.version(), "db_kind": p.dbKind(), "recover": "restore --resume"}
}

func (p *RestorePlan) version() string {
	if p.st != nil {
		return p.st.Manifest.AppsmithVersion
	}
	return p.tag
}

func (p *RestorePlan) dbKind() string {
	if p.db.Kind != "" {
		return p.db.Kind
	}
	return p.snapDB.Kind
}

// podNow is the release's pod on the restore's tag to exec in: the one
// the restore began with may have been replaced, or be starting again. A
// Ready one is preferred; an undo needs only its container running (the
// restored data may be what keeps it from Ready), so after a short wait
// any pod on the tag will do: exec says if it is not running.
func (p *RestorePlan) podNow(ctx context.Context) (string, error) {
	h, o := p.h, p.h.Opts
	deadline := time.Now().Add(min(h.timeout(), 30*time.Second))
	for {
		pods, err := h.Cluster.Pods(ctx, o.Namespace, o.PodSelector())
		if err != nil {
			return "", err
		}
		any := ""
		for _, pod := range pods {
			if TagOf(pod.Image) != p.tag {
				continue
			}
			if pod.Ready {
				return pod.Name, nil
			}
			any = pod.Name
		}
		if time.Now().After(deadline) {
			if any != "" {
				return any, nil
			}
			return "", fmt.Errorf("release %s has no pod on %s to put the previous data back through", o.Release, p.tag)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// database is the release's database, as the snapshot step read it (in
// a later process: from the snapshot's docker.env and the pod's
// environment, the same way).
func (p *RestorePlan) database(ctx context.Context, pod string) (backup.Database, error) {
	if p.db.URL != "" {
		return p.db, nil
	}
	h := p.h
	env, err := h.Data.PodEnv(ctx, h.Opts.Namespace, pod, p.pod.Container)
	if err != nil {
		return backup.Database{}, err
	}
	file, err := stacks.Layout{Root: filepath.Join(p.snapshot, "stacks")}.ReadEnv()
	if errors.Is(err, os.ErrNotExist) {
		file, err = stacks.ParseEnv(nil)
	}
	if err != nil {
		return backup.Database{}, err
	}
	return backup.DatabaseOf(EffectiveEnv(file, env))
}

func (p *RestorePlan) plan() engine.Plan {
	h, o := p.h, p.h.Opts
	sa := h.Data.(SecretAPI)
	kept := o.SecretName() + "-before-restore-" + p.Stamp
	restart := func(ctx context.Context) error {
		pods, err := h.Cluster.Pods(ctx, o.Namespace, o.PodSelector())
		if err != nil {
			return err
		}
		for _, pod := range pods {
			if err := h.Cluster.DeletePod(ctx, o.Namespace, pod.Name); err != nil {
				return err
			}
		}
		return h.Cluster.WaitReady(ctx, o.Namespace, o.PodSelector(), p.tag, h.timeout())
	}
	staged := func() error {
		if p.st == nil {
			return errors.New("an interrupted restore is not carried forward: it is undone")
		}
		return nil
	}
	steps := []engine.Step{
		{ID: "keys", Title: "Put the archive's encryption keys into the Secret " + o.SecretName(),
			Cause: "the data's datasource credentials are encrypted with them; the previous values are kept in " + kept,
			Run: func(ctx context.Context, _ engine.Reporter) error {
				if err := staged(); err != nil {
					return err
				}
				cur, _, err := h.Cluster.Secret(ctx, o.Namespace, o.SecretName())
				if err != nil {
					return err
				}
				keep := map[string][]byte{}
				for _, k := range backup.KeyNames() {
					if v, ok := cur[k]; ok {
						keep[k] = v
					}
				}
				if err := sa.CreateSecret(ctx, o.Namespace, kept, "Opaque", keep); err != nil && !apierrors.IsAlreadyExists(err) {
					return fmt.Errorf("keeping the previous keys: %w", err)
				}
				_, err = sa.ReplaceSecretKeys(ctx, o.Namespace, o.SecretName(), p.keys)
				return err
			},
			// From the kept Secret, made before the keys change: durable,
			// so a later process undoes it the same way.
			Undo: func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
				prev, ok, err := h.Cluster.Secret(ctx, o.Namespace, kept)
				if err != nil {
					return err
				}
				if ok && len(prev) > 0 {
					if _, err := sa.ReplaceSecretKeys(ctx, o.Namespace, o.SecretName(), prev); err != nil {
						return err
					}
				}
				// Last undo: the pod starts again on the previous keys.
				return restart(ctx)
			}},
		{ID: "files", Title: "Replace the files on the data claim with the archive's",
			Cause: "git-storage and the other stacks files the archive holds; configuration, ssl and ca-certs stay the cluster's",
			Run: func(ctx context.Context, _ engine.Reporter) error {
				if err := staged(); err != nil {
					return err
				}
				return pushStacks(ctx, p.ex, p.pod.Name, p.st.Stacks())
			},
			Undo: func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
				pod, err := p.podNow(ctx)
				if err != nil {
					return err
				}
				if err := pushStacksReplacing(ctx, p.ex, pod, filepath.Join(p.snapshot, "stacks"), p.entries); err != nil {
					return err
				}
				if p.keysStep {
					return nil // the keys' undo, the last one, replaces the pod
				}
				// The last undo without a keys step: the pod starts again on
				// the data and files put back.
				return restart(ctx)
			}},
		{ID: "import", Title: "Import the archive's " + p.dbKind() + " dump into the release's database",
			Cause: "with the image's own tools through exec, replacing what is there; the counts are checked",
			Run: func(ctx context.Context, _ engine.Reporter) error {
				if err := staged(); err != nil {
					return err
				}
				return backup.Import(ctx, p.ex, p.pod.Name, p.db, p.st.Manifest.DB, func() (io.ReadCloser, error) { return os.Open(p.st.DumpPath()) })
			},
			Undo: func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
				pod, err := p.podNow(ctx)
				if err != nil {
					return err
				}
				db, err := p.database(ctx, pod)
				if err != nil {
					return err
				}
				var rec backup.DB
				b, err := os.ReadFile(filepath.Join(p.snapshot, "db.json"))
				if err == nil {
					err = json.Unmarshal(b, &rec)
				}
				if err != nil {
					return fmt.Errorf("the snapshot's dump record: %w", err)
				}
				return backup.Import(ctx, p.ex, pod, db, rec, func() (io.ReadCloser, error) {
					return os.Open(filepath.Join(p.snapshot, "db.dump"))
				})
			}},
		{ID: "restart", Title: "Replace pod " + p.pod.Name + " and wait until it is Ready on " + p.tag,
			Cause: "Appsmith reads the encryption keys at start, and caches what the database held",
			Run:   func(ctx context.Context, _ engine.Reporter) error { return restart(ctx) },
			// Nothing here: the last undo (the keys', else the files')
			// replaces the pod once everything is back.
			Undo: func(context.Context, engine.Reporter, engine.Outputs) error { return nil }},
		{ID: "verify", Title: "Check /info reports " + p.version(), ReadOnly: true,
			Run: func(ctx context.Context, _ engine.Reporter) error {
				_, err := VerifyInfo(ctx, h.Cluster, h.Info, o, p.tag, h.timeout())
				return err
			}},
	}
	if !p.keysStep {
		// An archive without keys (--no-encrypt, an upgrade's snapshot):
		// the Secret's stay, and so does the pod until the restart step.
		steps = steps[1:]
	}
	return engine.Plan{Name: "restore into release " + o.Release, Steps: steps}
}

// RecoverRestore finishes or undoes the restore a killed run left in
// journal j: one that had verified the release is only closed; any other
// is undone from its snapshot (the previous files, database and keys), so
// the release runs on its previous data again.
func (h *Helm) RecoverRestore(ctx context.Context, j *engine.Journal, sink engine.Sink) error {
	m := j.Meta()
	if m["target"] != "kubernetes" {
		return fmt.Errorf("%s is not a Kubernetes restore's journal", j.Path())
	}
	if h.Data == nil {
		return errors.New("no way to reach the pods through the API server")
	}
	p := &RestorePlan{h: h, tag: m["tag"], pod: Pod{Name: m["pod"], Container: m["container"]}, Stamp: m["stamp"],
		snapshot: m["snapshot"], keysStep: m["keys"] == "true", ex: h.Data.Execer(h.Opts.Namespace, m["container"])}
	p.snapDB.Kind = m["db_kind"]
	if e := m["entries"]; e != "" {
		p.entries = strings.Split(e, ",")
	}
	plan := p.plan()
	rn := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}
	var out engine.Outcome
	var err error
	if _, ok := j.Done("verify"); ok {
		out, err = rn.Resume(ctx, plan)
	} else {
		out, err = rn.RollBack(context.WithoutCancel(ctx), plan, "the restore into release "+h.Opts.Release+" was interrupted before it was verified")
	}
	if _, ended := j.Ended(); ended {
		// Finished, undone, or found to have changed nothing.
		os.RemoveAll(p.snapshot)
		return nil
	}
	if out == engine.OutcomeFailed && err != nil {
		return fmt.Errorf("%w; the release's files and database before the restore are in %s", err, p.snapshot)
	}
	return err
}

// pushStacks writes the replaceable entries of the local stacks dir src
// into the pod's StacksDir, each removed there first.
func pushStacks(ctx context.Context, ex backup.Execer, pod, src string) error {
	return pushStacksReplacing(ctx, ex, pod, src, nil)
}

// pushStacksReplacing is pushStacks that also removes the replaceable
// entries named also (an undo removes what the restore wrote).
func pushStacksReplacing(ctx context.Context, ex backup.Execer, pod, src string, also []string) error {
	names := map[string]bool{}
	ents, err := os.ReadDir(src)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, e := range ents {
		if replaceable(e.Name()) {
			names[e.Name()] = true
		}
	}
	for _, n := range also {
		if replaceable(n) {
			names[n] = true
		}
	}
	if len(names) == 0 {
		return nil
	}
	rm := []string{"rm", "-rf", "--"}
	for _, n := range sortedKeys(names) {
		rm = append(rm, StacksDir+"/"+n)
	}
	var stderr strings.Builder
	code, err := ex.ExecStream(ctx, pod, rm, nil, nil, io.Discard, &stderr)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("rm in pod %s failed (exit %d): %s", pod, code, lastLine(stderr.String()))
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(tarEntries(pw, src, names)) }()
	err = ex.CopyToContainer(ctx, pod, StacksDir, pr)
	pr.CloseWithError(errors.New("copy ended"))
	return err
}

func sortedKeys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
}

// tarEntries writes the top-level entries names of dir (those it has) as
// a tar stream, with modes, owners and times.
func tarEntries(w io.Writer, dir string, names map[string]bool) error {
	tw := tar.NewWriter(w)
	root, err := os.OpenRoot(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return tw.Close()
		}
		return err
	}
	defer root.Close()
	for _, top := range sortedKeys(names) {
		err := fs.WalkDir(root.FS(), top, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			link := ""
			if fi.Mode()&fs.ModeSymlink != 0 {
				if link, err = root.Readlink(name); err != nil {
					return err
				}
			} else if !fi.Mode().IsRegular() && !fi.IsDir() {
				return nil // no devices or sockets on a claim we write
			}
			hdr, err := tar.FileInfoHeader(fi, link)
			if err != nil {
				return err
			}
			hdr.Name = name
			if fi.IsDir() {
				hdr.Name += "/"
			}
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if fi.Mode().IsRegular() {
				f, err := root.Open(name)
				if err != nil {
					return err
				}
				_, err = io.Copy(tw, f)
				f.Close()
				return err
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return tw.Close()
}
