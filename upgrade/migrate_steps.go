package upgrade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// withMigrations turns the hops Decide marked into migration hops: the
// writers stop and the old container's MongoDB is dumped into a spool
// before it stops; once the stacks copy is final, data/mongodb moves aside
// (inside the stacks, a rename); the new container initialises a fresh
// data directory as on a fresh install, its backend is stopped, the dump is
// restored and counted, and the container restarts so the new version's
// migrations run on the restored data before the hop's usual readiness
// check. Every step is undone by the rollback the other hops have: the
// stacks come back from the copy. The directory moved aside and the spool
// go only once the whole upgrade is verified.
func withMigrations(in Instance, sp Spec, swaps []*instance.Swap, steps []engine.Step) []engine.Step {
	var final []engine.Step
	for i, h := range sp.Hops {
		if h.Migrate == "" {
			continue
		}
		m := migration{in: in, sp: sp, i: i, sw: swaps[i]}
		scope := hopScope(i, h)
		insert := map[string][2][]engine.Step{ // before, after the step of that ID
			"stop": {{m.quiesce(m.sw.OldTarget(), true), m.dump()}, nil},
			// The move waits for the old mongod to be gone and the copy of
			// the stacks to be finished: right before the new one starts.
			"start": {{m.moveAside()}, {m.waitMongo(), m.quiesce(m.sw.Target(), false), m.restore(), m.checkCounts(), m.restart()}},
		}
		var out []engine.Step
		for _, s := range steps {
			add, ok := insert[s.ID]
			if s.Scope != scope || !ok {
				out = append(out, s)
				continue
			}
			if s.ID == "start" {
				s.Cause = "on an empty data directory, which the image initialises as on a fresh install"
			}
			out = append(out, scoped(scope, add[0])...)
			out = append(out, s)
			out = append(out, scoped(scope, add[1])...)
		}
		steps = out
		final = append(final, scoped(scope, []engine.Step{m.dropAside()})...)
	}
	return append(steps, final...)
}

func scoped(scope string, steps []engine.Step) []engine.Step {
	for i := range steps {
		steps[i].Scope = scope
	}
	return steps
}

// migration is one migration hop's steps.
type migration struct {
	in Instance
	sp Spec
	i  int
	sw *instance.Swap
}

func (m migration) hop() Hop { return m.sp.Hops[m.i] }

// spool is where the dump waits, beside the stacks copy (0600), and the
// record of what it holds.
func (m migration) spool() (archive, record string) {
	base := filepath.Join(filepath.Dir(m.sp.Snapshot), fmt.Sprintf("mongodb-hop%d", m.i+1))
	return base + ".archive.gz", base + ".json"
}

func (m migration) mongoDir() string { return instance.Layout{Dir: m.in.Dir}.Stacks().MongoDir() }

// aside is where data/mongodb waits, inside the stacks the copy protects.
func (m migration) aside() string  { return m.mongoDir() + ".pre-" + m.hop().From }
func (m migration) failed() string { return m.mongoDir() + ".failed-" + m.hop().To }

func (m migration) database() (backup.Database, error) {
	env, err := instance.Layout{Dir: m.in.Dir}.Stacks().ReadEnv()
	if err != nil {
		return backup.Database{}, err
	}
	return backup.DatabaseOf(env)
}

// quiesce stops the programs that write to MongoDB (supervisorctl), so the
// dump holds every write and the restore races none. On the old container
// its undo starts them again; the new container is removed by the rollback.
func (m migration) quiesce(c instance.Target, old bool) engine.Step {
	stop := func(ctx context.Context) error {
		d := m.in.Docker
		if _, err := d.Exec(ctx, c.Serving(), []string{"supervisorctl", "stop", "backend", "rts"}, nil, nil); err != nil {
			return err
		}
		res, err := d.Exec(ctx, c.Serving(), []string{"supervisorctl", "status", "backend"}, nil, nil)
		if err != nil {
			return err
		}
		if strings.Contains(string(res.Stdout), "RUNNING") {
			return fmt.Errorf("supervisorctl could not stop the backend: %s", strings.TrimSpace(string(res.Stdout)))
		}
		return nil
	}
	s := engine.Step{ID: "stop-writers", Title: "Stop the backend of " + m.hop().To + " while the dump is restored",
		Cause: "the fresh database is filled from the dump with nothing else writing to it",
		Run:   func(ctx context.Context, _ engine.Reporter) error { return stop(ctx) },
		Undo:  func(context.Context, engine.Reporter, engine.Outputs) error { return nil }}
	if old {
		s.ID, s.Title, s.Cause = "stop-writers-old", "Stop the backend of "+m.hop().From, "the dump then holds every write: Appsmith is down from here to the hop's end"
		s.Undo = func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
			if c, err := m.in.Docker.ContainerInspect(ctx, c.Serving()); err != nil || !c.Running {
				return nil // stopped or gone: its start (or the rollback) brings everything up
			}
			_, err := m.in.Docker.Exec(ctx, c.Serving(), []string{"supervisorctl", "start", "backend", "rts"}, nil, nil)
			return err
		}
	}
	return s
}

// dump streams the old container's MongoDB (backup.Dump: one dump code
// path with backups) into the spool, with the counts mongodump reported.
func (m migration) dump() engine.Step {
	archive, record := m.spool()
	return engine.Step{ID: "dump", Title: "Dump MongoDB " + m.hop().MongoFrom + " of " + m.hop().From, ReadOnly: true,
		Cause: "migrate by dump and restore: MongoDB " + m.hop().MongoTo + " cannot open this data in place; the dump (0600) goes to " + archive,
		Run: func(ctx context.Context, r engine.Reporter) error {
			db, err := m.database()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(archive), 0o700); err != nil {
				return err
			}
			f, err := fsutil.CreateAtomic(archive, 0o600)
			if err != nil {
				return err
			}
			rec, err := backup.Dump(ctx, m.in.Docker, m.sw.OldTarget().Serving(), db, f)
			if err != nil {
				f.Abort()
				return err
			}
			if err := f.Commit(); err != nil {
				return err
			}
			b, err := json.Marshal(rec)
			if err != nil {
				return err
			}
			var n int64
			for _, c := range rec.Counts {
				n += c
			}
			r.Output("documents", fmt.Sprint(n))
			return fsutil.WriteFileAtomic(record, b, 0o600)
		}}
}

// moveAside renames data/mongodb (the copy of the stacks has it too) and
// leaves an empty one with its owner and mode, for the new image to
// initialise. Undone, the directory the new version filled moves to
// data/mongodb.failed-<to> (the stacks' restore from the copy removes it)
// and the original comes back.
func (m migration) moveAside() engine.Step {
	dir, aside := m.mongoDir(), m.aside()
	return engine.Step{ID: "move-aside", Title: "Move data/mongodb aside to " + filepath.Base(aside),
		Cause: "the new MongoDB starts on a fresh data directory; the old one stays until the upgrade is verified",
		Run: func(context.Context, engine.Reporter) error {
			if _, err := os.Stat(aside); err == nil {
				// Killed after the rename: the fresh directory may be missing.
				return freshLike(dir, aside)
			}
			if err := os.Rename(dir, aside); err != nil {
				return err
			}
			return freshLike(dir, aside)
		},
		Undo: func(context.Context, engine.Reporter, engine.Outputs) error {
			if _, err := os.Stat(aside); errors.Is(err, os.ErrNotExist) {
				return nil // never moved, or already back
			}
			if _, err := os.Stat(dir); err == nil {
				if err := os.RemoveAll(m.failed()); err != nil { // an earlier undo's, killed half-way
					return err
				}
				if err := os.Rename(dir, m.failed()); err != nil {
					return err
				}
			}
			return os.Rename(aside, dir)
		}}
}

// freshLike makes dir empty with like's owner and mode, when it is absent.
func freshLike(dir, like string) error {
	fi, err := os.Stat(like)
	if err != nil {
		return err
	}
	if err := os.Mkdir(dir, fi.Mode().Perm()); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		_ = os.Lchown(dir, int(st.Uid), int(st.Gid)) // as root; otherwise it is ours already
	}
	return os.Chmod(dir, fi.Mode().Perm())
}

// waitMongo waits until the new container's MongoDB answers: the image
// initialised the fresh data directory (replica set, user from docker.env).
func (m migration) waitMongo() engine.Step {
	tg := m.sw.Target()
	return engine.Step{ID: "wait-mongodb", Title: "Wait until MongoDB " + m.hop().MongoTo + " answers on the fresh data directory", ReadOnly: true,
		Cause: "mongorestore needs the new MongoDB up (replica set and user made from docker.env)",
		Run: func(ctx context.Context, _ engine.Reporter) error {
			ctx, cancel := context.WithTimeout(ctx, m.in.Timeout)
			defer cancel()
			var last error
			for {
				if c, err := m.in.Docker.ContainerInspect(ctx, tg.Serving()); err == nil && !c.Running {
					return fmt.Errorf("the container of %s stopped before MongoDB answered (`appsmith logs` shows why)", m.hop().To)
				}
				// The image initiates the one-member replica set on a fresh
				// directory: mongorestore needs it to be the primary.
				var got string
				if got, last = mongoEval(ctx, m.in.Docker, tg.Serving(), "db.adminCommand({hello: 1}).isWritablePrimary"); last == nil {
					if strings.Trim(got, `"' `) == "true" {
						return nil
					}
					last = fmt.Errorf("not yet the replica set's primary (%s)", got)
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("MongoDB of %s did not answer within %s: %w", m.hop().To, m.in.Timeout, last)
				case <-time.After(time.Second):
				}
			}
		}}
}

// restore is backup.Import: mongorestore --drop of the spool, the counts
// mongorestore reports checked against the dump's.
func (m migration) restore() engine.Step {
	archive, _ := m.spool()
	tg := m.sw.Target()
	return engine.Step{ID: "restore", Title: "Restore the dump into MongoDB " + m.hop().MongoTo,
		Cause: "mongorestore --drop from " + archive,
		Run: func(ctx context.Context, _ engine.Reporter) error {
			db, rec, err := m.recorded()
			if err != nil {
				return err
			}
			return backup.Import(ctx, m.in.Docker, tg.Serving(), db, rec, func() (io.ReadCloser, error) { return os.Open(archive) })
		},
		// The fresh data directory goes aside when move-aside is undone.
		Undo: func(context.Context, engine.Reporter, engine.Outputs) error { return nil }}
}

func (m migration) recorded() (backup.Database, backup.DB, error) {
	_, record := m.spool()
	db, err := m.database()
	if err != nil {
		return db, backup.DB{}, err
	}
	b, err := os.ReadFile(record)
	if err != nil {
		return db, backup.DB{}, fmt.Errorf("the record of the dump: %w", err)
	}
	var rec backup.DB
	if err := json.Unmarshal(b, &rec); err != nil {
		return db, rec, fmt.Errorf("%s: %w", record, err)
	}
	return db, rec, nil
}

// checkCounts counts every collection of the dump again in the new
// database: mongorestore's own report is one reading, the server's another.
func (m migration) checkCounts() engine.Step {
	tg := m.sw.Target()
	return engine.Step{ID: "check-counts", Title: "Check the restored documents against the dump", ReadOnly: true,
		Cause: "every collection holds as many documents as the dump recorded",
		Run: func(ctx context.Context, _ engine.Reporter) error {
			db, rec, err := m.recorded()
			if err != nil {
				return err
			}
			got, err := backup.Counts(ctx, m.in.Docker, tg.Serving(), db)
			if err != nil {
				return err
			}
			return backup.CompareCounts(rec.Counts, got)
		}}
}

// restart starts the new version again on the restored data: its backend's
// migrations run now, once, as on an in-place hop's start.
func (m migration) restart() engine.Step {
	tg := m.sw.Target()
	return engine.Step{ID: "restart", Title: "Restart " + tg.Name + " on the restored data",
		Cause: "the backend of " + m.hop().To + " starts on the restored data: its migrations run once, now",
		Run: func(ctx context.Context, _ engine.Reporter) error {
			if err := m.in.Docker.ContainerStop(ctx, tg.Serving(), instance.StopTimeout); err != nil {
				return err
			}
			return m.in.Docker.ContainerStart(ctx, tg.Serving())
		},
		// The start step's undo stops it; the rollback removes it.
		Undo: func(context.Context, engine.Reporter, engine.Outputs) error { return nil }}
}

// dropAside removes the data directory moved aside and the spool, once
// every hop is verified ready and recorded (the copy of the stacks, kept
// for `appsmith rollback`, still holds the old data).
func (m migration) dropAside() engine.Step {
	archive, record := m.spool()
	return engine.Step{ID: "drop-aside", Title: "Remove " + filepath.Base(m.aside()) + " and the dump",
		Cause: "the data runs on " + m.hop().To + " and the copy of the stacks keeps the old one",
		Run: func(context.Context, engine.Reporter) error {
			return errors.Join(os.RemoveAll(m.aside()), os.RemoveAll(archive), os.RemoveAll(record))
		}}
}
