package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// RestoreDocker is what a restore needs of the engine.
type RestoreDocker interface {
	Docker
	instance.ReadyDocker
	instance.Replacer
	instance.Puller
}

// Target is the instance a restore goes into.
type Target struct {
	Instance
	Docker  RestoreDocker
	HTTP    *http.Client
	BaseURL string        // where the host reaches its HTTP port
	Timeout time.Duration // readiness wait
	// Switch is the image of the archive's version when the instance runs
	// another (the user accepted it): the container is replaced by one with
	// the same settings on it, so the data runs on the version that wrote
	// it. Container is the current one, whose settings are carried.
	Switch    string
	Container docker.Container
}

// Op is the journal operation name of restores; the next command that
// changes the instance finishes or undoes an unfinished one (Recover).
const Op = "restore"

// Restore lays the staged archive down in place of the instance's stacks
// and imports its dump, as one journaled plan: any failure puts the
// previous stacks back and starts the old instance on them (exit 1 with the
// reason). The staged copy's previous-stacks is deleted only once Appsmith
// answered ready on the restored data with the archive's counts.
func Restore(ctx context.Context, t Target, st *Staged, sink engine.Sink) error {
	if t.Version != "" && t.Version != st.Manifest.AppsmithVersion && t.Switch == "" {
		return engine.Errorf(engine.ExitPreflight, "install "+st.Manifest.AppsmithVersion+" (restore onto an empty --dir does) or restore an archive of "+t.Version,
			"the archive holds Appsmith %s data and the instance runs %s: data is restored only into the version that wrote it", st.Manifest.AppsmithVersion, t.Version)
	}
	if err := prepare(t, st); err != nil {
		return err
	}
	sw := t.swap(st.Dir)
	plan := planFor(t, st.Dir, st.DumpPath(), st.Manifest, st.dbExternal(t), sw)
	meta := map[string]string{"stage": st.Dir, "container": t.ContainerID, "name": t.Name, "external_db": boolString(st.dbExternal(t)),
		"dump": st.DumpPath(), "db_kind": st.Manifest.DB.Kind, "recover": "start"}
	if sw != nil {
		meta["switch"], meta["kept"] = sw.Image, sw.KeptName
	}
	j, err := engine.Create(instance.Layout{Dir: t.Dir}.Journal(), Op+" "+filepath.Base(st.Dir), plan, meta)
	if err != nil {
		return err
	}
	defer j.Close()
	out, err := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}.Run(ctx, plan)
	switch out {
	case engine.OutcomeDone:
		return nil
	case engine.OutcomeRolledBack:
		_ = CleanStages(t.Dir)
		// A rollback ends with the previous instance ready, or says so.
		ready := instance.ReadyStep(t.Docker, t.HTTP, t.target(), t.BaseURL, t.Version, t.Timeout)
		ready.Title = "Wait until Appsmith is ready on its previous data"
		_ = engine.Run(context.WithoutCancel(ctx), engine.Plan{Name: "after the rollback", Steps: []engine.Step{ready}}, sink)
		return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("restore rolled back, Appsmith runs on its previous data: %w", err),
			Hint: "nothing of the instance changed; `appsmith logs -f` during a new attempt shows why the restored data was refused"}
	}
	return &engine.Error{Code: engine.ExitFailure, Err: err,
		Hint: "the previous stacks are in " + filepath.Join(st.Dir, "previous-stacks") + "; the next `appsmith` command that changes the instance finishes or undoes this restore"}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return ""
}

// Check refuses, before anything changes, an archive the instance cannot
// take: another kind of database, or no encryption keys anywhere.
func Check(t Target, st *Staged) error {
	cur, err := t.stacks().ReadEnv()
	if err != nil {
		return fmt.Errorf("reading the instance's docker.env: %w", err)
	}
	arch, err := stacks.Layout{Root: st.Stacks()}.ReadEnv()
	if errors.Is(err, os.ErrNotExist) {
		arch = cur.Clone()
	} else if err != nil {
		return fmt.Errorf("the archive's docker.env: %w", err)
	}
	_, err = mergeEnv(arch, cur, st.Manifest)
	return err
}

// dbExternal: the restored instance keeps the current one's external
// database (a host setting), so the import goes there.
func (st *Staged) dbExternal(t Target) bool {
	env, err := t.stacks().ReadEnv()
	if err != nil {
		return false
	}
	db, err := DatabaseOf(env)
	return err == nil && db.External
}

// prepare makes the staged stacks what the instance will run: the archive's
// docker.env with this host's settings, and this host's TLS files.
func prepare(t Target, st *Staged) error {
	cur, err := t.stacks().ReadEnv()
	if err != nil {
		return fmt.Errorf("reading the instance's docker.env: %w", err)
	}
	staged := stacks.Layout{Root: st.Stacks()}
	arch, err := staged.ReadEnv()
	if errors.Is(err, os.ErrNotExist) {
		arch = cur.Clone() // a v1.7-era appsmithctl archive: a dump only
	} else if err != nil {
		return fmt.Errorf("the archive's docker.env: %w", err)
	}
	merged, err := mergeEnv(arch, cur, st.Manifest)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(staged.ConfigurationDir(), 0o700); err != nil {
		return err
	}
	if err := staged.WriteEnv(merged); err != nil {
		return err
	}
	// TLS is this host's: its certificate and domain stay.
	if err := os.RemoveAll(staged.SSLDir()); err != nil {
		return err
	}
	if _, err := os.Stat(t.stacks().SSLDir()); err == nil {
		if _, err := fsutil.CopyTree(context.Background(), t.stacks().SSLDir(), staged.SSLDir(), fsutil.TreeOptions{}); err != nil {
			return fmt.Errorf("keeping the instance's TLS files: %w", err)
		}
	}
	return nil
}

// hostKeys are the docker.env settings that belong to the host, not to the
// data: kept from the current instance.
var hostKeys = []string{"APPSMITH_CUSTOM_DOMAIN", "APPSMITH_REDIS_URL", "APPSMITH_REDIS_PASSWORD", "APPSMITH_ENABLE_EMBEDDED_DB"}

// mergeEnv is the archive's docker.env with the current instance's host
// settings. The encryption password and salt are the archive's (without
// them every datasource credential in the data is unreadable); an archive
// without them keeps the instance's. The database: an external one the
// instance uses stays (the dump is imported there); an embedded one takes
// the archive's URL and credentials, which match the users in the dump.
func mergeEnv(arch, cur *stacks.EnvFile, m Manifest) (*stacks.EnvFile, error) {
	out := arch.Clone()
	// What the archive does not carry (appsmithctl leaves out the database
	// and Redis URLs and the MongoDB credentials) is the instance's.
	for _, k := range cur.Keys() {
		if !out.Has(k) {
			v, _ := cur.Get(k)
			out.Set(k, v)
		}
	}
	if !m.KeysIncluded || !out.Has(stacks.KeyEncryptionPassword) {
		for _, k := range encryptionKeys {
			v, ok := cur.Get(k)
			if !ok || v == "" {
				return nil, engine.Errorf(engine.ExitPreflight, "restore an archive that carries them, or put the values kept from that instance into docker.env first",
					"the archive has no %s and the instance has none to keep: its encrypted data could not be read", k)
			}
			out.Set(k, v)
		}
	}
	curDB, curErr := DatabaseOf(cur)
	if curErr == nil && m.DB.Kind != "" && curDB.Kind != m.DB.Kind {
		return nil, engine.Errorf(engine.ExitPreflight, "restore it into an instance with a "+m.DB.Kind+" database",
			"the archive holds a %s database and this instance uses %s", m.DB.Kind, curDB.Kind)
	}
	if curErr == nil && (curDB.External || (m.DB.External && !curDB.External)) {
		for _, k := range []string{stacks.KeyDBURL, stacks.KeyMongoDBURI, "APPSMITH_MONGODB_USER", "APPSMITH_MONGODB_PASSWORD"} {
			if v, ok := cur.Get(k); ok {
				out.Set(k, v)
			} else {
				out.Delete(k)
			}
		}
	}
	for _, k := range hostKeys {
		if v, ok := cur.Get(k); ok {
			out.Set(k, v)
		} else {
			out.Delete(k)
		}
	}
	return out, nil
}

// swap is the container replacement of a restore that switches versions.
func (t Target) swap(stage string) *instance.Swap {
	if t.Switch == "" {
		return nil
	}
	return &instance.Swap{Old: t.Container, Image: t.Switch, KeptName: t.Name + "-before-" + filepath.Base(stage)}
}

// planFor builds the restore's steps; a later process rebuilds them from
// the journal's meta (Recover), so they depend on nothing else.
func planFor(t Target, stage, dump string, m Manifest, externalDB bool, sw *instance.Swap) engine.Plan {
	cur := t.stacks().Root
	tg := t.target()
	if sw != nil {
		tg = sw.Target()   // after the swap, the steps act on the new container
		t.ContainerID = "" // read through tg.Current from here on
	}
	serving := tg.Serving // the container the steps act on when they run
	prev := filepath.Join(stage, "previous-stacks")
	laid := filepath.Join(stage, "stacks")
	prevDump := filepath.Join(stage, "previous-db", "dump")
	db := func() (Database, error) {
		env, err := t.stacks().ReadEnv()
		if err != nil {
			return Database{}, err
		}
		return DatabaseOf(env)
	}
	var steps []engine.Step
	if sw != nil {
		steps = append(steps, instance.PullStep(t.Docker, sw.Image, "the archive's data runs on the version that wrote it; pulled before anything stops"))
	}
	if dump != "" && externalDB {
		// An external database is not in the stacks the swap puts back:
		// keep its content first, to re-import if the restore fails.
		steps = append(steps, engine.Step{ID: "keep-db", Title: "Dump the external database as it is now", ReadOnly: true,
			Cause: "re-imported if the restore fails: " + prevDump,
			Run: func(ctx context.Context, r engine.Reporter) error {
				d, err := db()
				if err != nil {
					return err
				}
				if err := os.MkdirAll(filepath.Dir(prevDump), 0o700); err != nil {
					return err
				}
				f, err := fsutil.CreateAtomic(prevDump, 0o600)
				if err != nil {
					return err
				}
				defer f.Close()
				if _, err := Dump(ctx, t.Docker, serving(), d, f); err != nil {
					f.Abort()
					return err
				}
				return f.Commit()
			}})
	}
	policy := t.Container.Restart
	if policy == "" || policy == "no" {
		policy = "unless-stopped"
	}
	steps = append(steps,
		instance.StopStep(t.Docker, instance.Target{ID: tg.ID, Name: tg.Name}, "the stacks directory is swapped while nothing writes to it"),
		// Until the restore is verified, a reboot must not start an
		// instance on half-restored data: the next command finishes or
		// undoes the restore first.
		withID(instance.KeepStep(t.Docker, instance.Target{ID: tg.ID, Name: tg.Name}, policy, "a restore cut short must not start by itself after a reboot"), "hold"),
		engine.Step{ID: "swap", Title: "Lay down the archive's stacks", Cause: "the current stacks move aside to " + prev + " (a rename: no copy)",
			Run: func(context.Context, engine.Reporter) error {
				if _, err := os.Stat(prev); err == nil {
					if _, err := os.Stat(cur); errors.Is(err, os.ErrNotExist) {
						return os.Rename(laid, cur) // killed between the renames
					}
					return nil
				}
				if err := os.Rename(cur, prev); err != nil {
					return err
				}
				return os.Rename(laid, cur)
			},
			Undo: func(context.Context, engine.Reporter, engine.Outputs) error {
				if _, err := os.Stat(prev); err != nil {
					return nil // never moved: the instance's stacks are in place
				}
				if _, err := os.Stat(cur); err == nil {
					failed := filepath.Join(stage, "failed-stacks")
					if err := os.RemoveAll(failed); err != nil {
						return err
					}
					if err := os.Rename(cur, failed); err != nil {
						return err
					}
				}
				return os.Rename(prev, cur)
			}},
	)
	if sw != nil {
		steps = append(steps, sw.Steps(t.Docker)...)
	}
	steps = append(steps,
		withUndo(instance.StartStep(t.Docker, tg, "Appsmith starts on the restored files"), stopUndo(t, serving)),
		readyStep(t, tg, "ready", m.AppsmithVersion),
	)
	if dump != "" {
		steps = append(steps, engine.Step{ID: "import", Title: "Import the " + m.DB.Kind + " dump", Cause: importCause(m),
			Run: func(ctx context.Context, r engine.Reporter) error {
				d, err := db()
				if err != nil {
					return err
				}
				return Import(ctx, t.Docker, serving(), d, m.DB, opener(dump))
			},
			Undo: func(ctx context.Context, r engine.Reporter, _ engine.Outputs) error {
				if !externalDB {
					return nil // the embedded database goes with the stacks the swap puts back
				}
				if _, err := os.Stat(prevDump); err != nil {
					return fmt.Errorf("the external database's earlier content: %w", err)
				}
				d, err := db()
				if err != nil {
					return err
				}
				return Import(ctx, t.Docker, serving(), d, DB{Kind: d.Kind}, opener(prevDump))
			}})
		// The backend caches what it read at start: a restart reads the
		// restored data afresh.
		steps = append(steps,
			withUndo(instance.RestartStep(t.Docker, tg, "Appsmith reads the imported data afresh"), stopUndo(t, serving)),
			readyStep(t, tg, "ready-restored", m.AppsmithVersion))
	}
	if sw != nil {
		steps = append(steps, recordStep(t, stage, m.AppsmithVersion, sw), sw.RemoveStep(t.Docker))
	}
	steps = append(steps, engine.Step{ID: "restart-policy", Title: "Let " + tg.Name + " start by itself again (" + policy + ")", Cause: "the restore is verified",
		Run: func(ctx context.Context, _ engine.Reporter) error {
			return t.Docker.ContainerSetRestart(ctx, serving(), policy)
		},
		Undo: func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
			return t.Docker.ContainerSetRestart(ctx, serving(), "no")
		}})
	steps = append(steps, engine.Step{ID: "cleanup", Title: "Delete the previous stacks", Cause: "Appsmith is ready on the restored data: " + prev,
		Run: func(context.Context, engine.Reporter) error { return os.RemoveAll(stage) }})
	return engine.Plan{Name: "restore", Steps: steps}
}

func opener(path string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(path) }
}

func importCause(m Manifest) string {
	tool := "mongorestore --drop --archive --gzip"
	if m.DB.Kind == DBPostgres {
		tool = "pg_restore --clean --if-exists"
	}
	if m.DB.Counts != nil {
		return tool + ", then the counts the manifest recorded are checked"
	}
	return tool + " (the archive records no counts to check)"
}

func readyStep(t Target, tg instance.Target, id, version string) engine.Step {
	s := instance.ReadyStep(t.Docker, t.HTTP, tg, t.BaseURL, version, t.Timeout)
	s.ID = id
	return s
}

func stopUndo(t Target, serving func() string) func(context.Context, engine.Reporter, engine.Outputs) error {
	return func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
		return t.Docker.ContainerStop(ctx, serving(), instance.StopTimeout)
	}
}

// recordStep writes the new container and version into appsmith.yaml; its
// undo puts the file back as it was.
func recordStep(t Target, stage, version string, sw *instance.Swap) engine.Step {
	return instance.RecordStep(t.Dir, filepath.Join(stage, "appsmith.yaml.before"), "Record "+version+" in appsmith.yaml", "later commands act on the new container",
		func(ctx context.Context, s *state.State) error {
			img, err := t.Docker.ImageInspect(ctx, sw.Image)
			if err != nil {
				return err
			}
			instance.Switched(s, version, sw.Image, sw.Current(), img)
			return nil
		})
}

func withID(s engine.Step, id string) engine.Step {
	s.ID = id
	return s
}

func withUndo(s engine.Step, undo func(context.Context, engine.Reporter, engine.Outputs) error) engine.Step {
	s.Undo = undo
	return s
}

// Unfinished lists the restores whose journal did not end, oldest first.
func Unfinished(dir string) ([]*engine.Journal, error) {
	return engine.UnfinishedOp(instance.Layout{Dir: dir}.Journal(), Op)
}

// IsRestore reports a restore's journal.
func IsRestore(j *engine.Journal) bool { return j.IsOp(Op) }

// Recover finishes or undoes every unfinished restore (a run killed
// half-way): one that had verified the restored instance is finished (the
// previous stacks deleted); any other is rolled back, so the instance runs
// on its previous data again. It returns how many it found.
func Recover(ctx context.Context, t Target, sink engine.Sink) (int, error) {
	js, err := Unfinished(t.Dir)
	if err != nil {
		return 0, err
	}
	for i := len(js) - 1; i >= 0; i-- {
		if err := recoverOne(ctx, t, js[i], sink); err != nil {
			return 0, err
		}
	}
	return len(js), nil
}

func recoverOne(ctx context.Context, t Target, old *engine.Journal, sink engine.Sink) error {
	j, err := engine.Open(old.Path())
	if err != nil {
		return err
	}
	defer j.Close()
	meta := j.Meta()
	t.ContainerID, t.Name = meta["container"], meta["name"]
	t.Version = "" // readiness of whatever the instance ran
	var sw *instance.Swap
	if meta["switch"] != "" {
		sw = &instance.Swap{Old: docker.Container{ID: t.ContainerID, Name: t.Name}, Image: meta["switch"], KeptName: meta["kept"]}
	}
	plan := planFor(t, meta["stage"], meta["dump"], Manifest{DB: DB{Kind: meta["db_kind"]}}, meta["external_db"] == "true", sw)
	rn := engine.Runner{Sink: sink, Journal: j}
	verified := "ready"
	if meta["dump"] != "" {
		verified = "ready-restored"
	}
	if _, ok := j.Done(verified); ok {
		_, err := rn.Resume(ctx, plan) // only the deletion of the previous stacks is left
		return err
	}
	out, err := rn.RollBack(ctx, plan, "an earlier restore ("+j.Op()+") was interrupted before it finished")
	if out == engine.OutcomeFailed {
		if _, ended := j.Ended(); !ended {
			return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("rolling back an interrupted restore: %w", err),
				Hint: "the previous stacks are in " + filepath.Join(meta["stage"], "previous-stacks") + "; `appsmith logs -f` shows why the container does not start"}
		}
	}
	return nil
}

// stagePrefix names the staging dirs of restores in the backups dir.
const stagePrefix = "restore-"

// StageDir is where a restore started at stamp stages its archive.
func StageDir(dir, stamp string) string {
	return filepath.Join(instance.Layout{Dir: dir}.Backups(), stagePrefix+stamp)
}

// CleanStages removes staging dirs no unfinished restore needs: a restore
// killed while it read its archive (before anything changed) or rolled
// back leaves only a copy of the archive there. One that holds
// previous-stacks is never removed here: it is the instance's data.
func CleanStages(dir string) error {
	js, err := Unfinished(dir)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, j := range js {
		used[j.Meta()["stage"]] = true
	}
	root := instance.Layout{Dir: dir}.Backups()
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		p := filepath.Join(root, e.Name())
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagePrefix) || used[p] {
			continue
		}
		if _, err := os.Stat(filepath.Join(p, "previous-stacks")); err == nil {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}
