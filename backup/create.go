package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// Docker is what backups and restores need of the engine.
type Docker interface {
	Execer
	instance.Starter
}

// Instance is the installed Appsmith a backup is taken from.
type Instance struct {
	Dir         string
	Docker      Docker
	ContainerID string
	Name        string // container name, for titles
	Version     string // what /info reports
	Edition     string
	Image       string // repository:tag
	ImageDigest string
	Running     bool // a cold backup of a stopped instance neither stops nor starts it
}

func (in Instance) stacks() stacks.Layout { return instance.Layout{Dir: in.Dir}.Stacks() }

func (in Instance) target() instance.Target {
	return instance.Target{ID: in.ContainerID, Name: in.Name}
}

// Formats.
const (
	FormatNative      = "native"
	FormatAppsmithctl = "appsmithctl"
)

// CreateOptions are what a backup is taken with.
type CreateOptions struct {
	Store     Store
	Cold      bool // stop the instance and archive the whole stacks directory
	Encrypt   Encrypt
	Format    string // FormatNative (default) | FormatAppsmithctl
	Host      string // recorded in the manifest and the name
	Installer string // this build's version
	Now       func() time.Time
	// Ready waits until Appsmith answers again after a cold backup's start:
	// the downtime reported ends there.
	Ready *engine.Step
}

// Result is what a backup wrote.
type Result struct {
	Name     string   `json:"name"`
	Location string   `json:"location"` // as restore takes it
	Size     int64    `json:"size"`
	SHA256   string   `json:"sha256"`
	Manifest Manifest `json:"manifest"`
	// Downtime is how long a cold backup kept the instance stopped.
	Downtime time.Duration `json:"downtime_ns,omitempty"`
	Warnings []string      `json:"warnings,omitempty"`
}

// onlineSkip leaves the raw database directories out of an online backup
// (the dump holds their content, consistently), and what is not the
// instance's content: logs, and appsmithctl's own archives.
func onlineSkip(rel string) bool {
	switch rel {
	case "data/mongodb", "data/postgres", "data/backup", "logs":
		return true
	}
	return false
}

// Create takes a backup of the instance into opts.Store, reporting through
// sink. Online (the default) it streams a dump out of the running container
// and archives the stacks files beside it; cold, it stops the container,
// archives the whole stacks directory and starts it again.
func Create(ctx context.Context, in Instance, opts CreateOptions, sink engine.Sink) (Result, error) {
	if opts.Format == "" {
		opts.Format = FormatNative
	}
	if opts.Format == FormatAppsmithctl && len(opts.Encrypt.Recipients) > 0 {
		return Result{}, engine.UsageError("--format appsmithctl encrypts with a passphrase only (openssl), not with --recipient")
	}
	if opts.Format == FormatAppsmithctl && opts.Cold {
		return Result{}, engine.UsageError("--format appsmithctl is a database dump with files; --cold archives are native only")
	}
	env, err := in.stacks().ReadEnv()
	if err != nil {
		return Result{}, fmt.Errorf("reading docker.env: %w", err)
	}
	removeSpools(in.Dir)
	now := opts.Now()
	m := Manifest{Format: FormatVersion, Mode: ModeOnline, AppsmithVersion: in.Version, Edition: in.Edition,
		Image: in.Image, ImageDigest: in.ImageDigest, Installer: opts.Installer, Host: opts.Host, Created: now.UTC()}
	src := Source{Stacks: in.stacks().Root, Skip: onlineSkip}
	if opts.Cold {
		m.Mode, src.Skip = ModeCold, func(rel string) bool { return rel == "logs" }
	}
	m.KeysIncluded = !opts.Encrypt.None()
	if !m.KeysIncluded {
		// An unencrypted archive must not carry the keys that decrypt every
		// datasource credential in it.
		plain := env.Clone()
		plain.Delete(stacks.KeyEncryptionPassword)
		plain.Delete(stacks.KeyEncryptionSalt)
		src.Env = plain.Bytes()
	}
	db, err := DatabaseOf(env)
	if err != nil && !opts.Cold {
		return Result{}, err
	}
	if err == nil {
		m.DB = DB{Kind: db.Kind, External: db.External}
	}

	name := Name(opts.Host, now, in.Version, !opts.Encrypt.None())
	if opts.Format == FormatAppsmithctl {
		name = AppsmithctlName(now, !opts.Encrypt.None())
	}
	var res Result
	res.Name, res.Location = name, opts.Store.Location(name)
	var spool *os.File
	defer func() {
		if spool != nil {
			spool.Close()
			os.Remove(spool.Name())
		}
	}()

	var steps []engine.Step
	var downFrom time.Time
	stopStart := opts.Cold && in.Running
	if opts.Cold && !in.Running {
		// Already stopped: nothing writes to the stacks, nothing to restart.
	} else if opts.Cold {
		stop := instance.StopStep(in.Docker, in.target(), "a cold backup copies the whole stacks directory with nothing writing to it")
		run := stop.Run
		stop.Run = func(ctx context.Context, r engine.Reporter) error {
			err := run(ctx, r)
			downFrom = time.Now()
			return err
		}
		steps = append(steps, stop)
	} else {
		steps = append(steps, engine.Step{ID: "dump", Title: "Dump the " + dbLabel(db) + " database", ReadOnly: true,
			Cause: dumpCause(db),
			Run: func(ctx context.Context, r engine.Reporter) error {
				f, err := os.CreateTemp(instance.Layout{Dir: in.Dir}.Backups(), ".dump-*")
				if errors.Is(err, os.ErrNotExist) {
					if err = os.MkdirAll(instance.Layout{Dir: in.Dir}.Backups(), 0o700); err == nil {
						f, err = os.CreateTemp(instance.Layout{Dir: in.Dir}.Backups(), ".dump-*")
					}
				}
				if err != nil {
					return err
				}
				spool = f
				cw := &countingWriter{w: f, report: func(n int64) { r.Progress("dump", "Dumping", n, 0) }}
				dumpFn := Dump
				if opts.Format == FormatAppsmithctl {
					dumpFn = DumpPlainSQL
				}
				dbm, err := dumpFn(ctx, in.Docker, in.ContainerID, db, cw)
				if err != nil {
					return err
				}
				if _, err := f.Seek(0, io.SeekStart); err != nil {
					return err
				}
				m.DB, src.Dump = dbm, f
				return nil
			}})
	}
	steps = append(steps, engine.Step{ID: "archive", Title: "Write " + res.Location, ReadOnly: true,
		Cause: archiveCause(opts),
		Run: func(ctx context.Context, r engine.Reporter) error {
			// A file that changed between the two passes of an online
			// backup (a git push, say) makes that attempt's manifest wrong:
			// it is thrown away and the archive written again.
			// Two installs writing to one store in the same second meet on
			// a name: the later one takes the next second's.
			for attempt := 1; ; attempt++ {
				err := writeArchive(ctx, r, opts, name, m, src, &res)
				if errors.Is(err, ErrArchiveExists) && attempt < 5 {
					name = Name(opts.Host, now.Add(time.Duration(attempt)*time.Second), in.Version, !opts.Encrypt.None())
					if opts.Format == FormatAppsmithctl {
						name = AppsmithctlName(now.Add(time.Duration(attempt)*time.Second), !opts.Encrypt.None())
					}
					res.Name, res.Location = name, opts.Store.Location(name)
				} else if !errors.Is(err, ErrChanged) || attempt >= 3 {
					return err
				} else {
					r.Warn(fmt.Sprintf("%v: writing the archive again", err))
				}
				if src.Dump != nil {
					if _, err := src.Dump.Seek(0, io.SeekStart); err != nil {
						return err
					}
				}
			}
		}})
	if stopStart {
		start := instance.StartStep(in.Docker, in.target(), "the backup is written")
		ready := engine.Step{ID: "ready", Title: "Wait until Appsmith is ready", ReadOnly: true,
			Run: func(context.Context, engine.Reporter) error { return nil }}
		if opts.Ready != nil {
			ready = *opts.Ready
		}
		run := ready.Run
		ready.Run = func(ctx context.Context, r engine.Reporter) error {
			err := run(ctx, r)
			res.Downtime = time.Since(downFrom)
			return err
		}
		steps = append(steps, start, ready)
	}
	plan := engine.Plan{Name: "backup", Steps: steps}
	// Cold: a failed archive undoes the stop (the instance starts again);
	// journaled, so a run killed while Appsmith is stopped is undone by the
	// next command (RecoverCold) instead of leaving it down.
	rn := engine.Runner{Sink: sink, OnFailure: engine.RollBackOnFailure}
	if stopStart {
		j, err := engine.Create(instance.Layout{Dir: in.Dir}.Journal(), ColdOp+" "+name, plan,
			map[string]string{"container": in.ContainerID, "name": in.Name, "recover": "start"})
		if err != nil {
			return res, err
		}
		defer j.Close()
		rn.Journal = j
	}
	out, err := rn.Run(ctx, plan)
	if err != nil {
		if out == engine.OutcomeRolledBack && opts.Cold {
			return res, fmt.Errorf("%w (Appsmith was started again)", err)
		}
		return res, err
	}
	return res, nil
}

// removeSpools deletes the dumps a killed backup left in the backups dir
// (they hold the data in clear). The caller holds the install's lock, so no
// backup is writing one.
func removeSpools(dir string) {
	ms, _ := filepath.Glob(filepath.Join(instance.Layout{Dir: dir}.Backups(), ".dump-*"))
	for _, m := range ms {
		_ = os.Remove(m)
	}
}

// writeArchive writes one attempt of the archive into the store: committed
// when whole, aborted (nothing left) otherwise.
func writeArchive(ctx context.Context, r engine.Reporter, opts CreateOptions, name string, m Manifest, src Source, res *Result) error {
	up, err := opts.Store.Create(ctx, name)
	if err != nil {
		return err
	}
	cw := &countingWriter{w: up, report: func(n int64) { r.Progress("archive", "Writing", n, 0) }}
	var written Manifest
	var stats WriteStats
	if opts.Format == FormatAppsmithctl {
		written, err = WriteAppsmithctl(ctx, cw, m, src, opts.Encrypt.Passphrase)
	} else {
		written, stats, err = Write(ctx, cw, m, src, opts.Encrypt, WriteOptions{Progress: func(phase string, done, total int64) {
			r.Progress(phase, phaseStatus(phase), done, total)
		}})
	}
	if err != nil {
		_ = up.Abort()
		return err
	}
	if err := up.Commit(); err != nil {
		return err
	}
	for _, w := range stats.Warnings {
		r.Warn(w)
	}
	res.Manifest, res.Size, res.SHA256, res.Warnings = written, cw.n, cw.sum(), stats.Warnings
	return nil
}

func dbLabel(db Database) string {
	switch {
	case db.Kind == DBPostgres && db.External:
		return "external PostgreSQL"
	case db.Kind == DBPostgres:
		return "embedded PostgreSQL"
	case db.External:
		return "external MongoDB"
	}
	return "embedded MongoDB"
}

func dumpCause(db Database) string {
	if db.Kind == DBPostgres {
		return "pg_dump -Fc inside the running container: one snapshot, streamed out"
	}
	if db.External {
		return "mongodump --archive --gzip inside the running container, streamed out"
	}
	return "mongodump --archive --gzip --oplog inside the running container: one point in time, streamed out"
}

func archiveCause(opts CreateOptions) string {
	what := "the dump and the stacks files (not the raw database directories)"
	if opts.Cold {
		what = "the whole stacks directory"
	}
	how := "zstd, age-encrypted"
	switch {
	case opts.Format == FormatAppsmithctl && opts.Encrypt.None():
		how = "appsmithctl format, gzip"
	case opts.Format == FormatAppsmithctl:
		how = "appsmithctl format, gzip, openssl-encrypted"
	case opts.Encrypt.None():
		how = "zstd, NOT encrypted, without the encryption keys"
	}
	return what + "; " + how
}

func phaseStatus(phase string) string {
	switch phase {
	case "hash":
		return "Reading"
	case "dump":
		return "Archiving the dump"
	}
	return "Archiving"
}

// encryptionKeys are the docker.env keys an unencrypted archive leaves out.
var encryptionKeys = []string{stacks.KeyEncryptionPassword, stacks.KeyEncryptionSalt}

// KeyNames are the two values a user of --no-encrypt must keep elsewhere.
func KeyNames() []string { return append([]string(nil), encryptionKeys...) }

// countingWriter counts and hashes what goes through it, and reports the
// count: the archive's size and sha256 as the store receives it.
type countingWriter struct {
	w      io.Writer
	n      int64
	h      hash.Hash
	report func(int64)
	last   time.Time
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.h == nil {
		c.h = sha256.New()
	}
	n, err := c.w.Write(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	if c.report != nil && time.Since(c.last) > 100*time.Millisecond {
		c.last = time.Now()
		c.report(c.n)
	}
	return n, err
}

func (c *countingWriter) sum() string {
	if c.h == nil {
		c.h = sha256.New()
	}
	return hex.EncodeToString(c.h.Sum(nil))
}

// ColdOp is the journal operation name of cold backups.
const ColdOp = "backup-cold"

// IsCold reports a cold backup's journal.
func IsCold(j *engine.Journal) bool { return j.IsOp(ColdOp) }

// RecoverCold starts again an instance a killed cold backup left stopped:
// its plan is rebuilt with the same steps (only the stop has an undo).
func RecoverCold(ctx context.Context, dir string, d instance.Starter, sink engine.Sink) (int, error) {
	all, err := engine.UnfinishedOp(instance.Layout{Dir: dir}.Journal(), ColdOp)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, old := range all {
		j, err := engine.Open(old.Path())
		if err != nil {
			return n, err
		}
		t := instance.Target{ID: j.Meta()["container"], Name: j.Meta()["name"]}
		noop := func(id string) engine.Step {
			return engine.Step{ID: id, ReadOnly: true, Run: func(context.Context, engine.Reporter) error { return nil }}
		}
		plan := engine.Plan{Name: "backup", Steps: []engine.Step{
			instance.StopStep(d, t, ""), noop("archive"), instance.StartStep(d, t, ""), noop("ready")}}
		_, err = engine.Runner{Sink: sink, Journal: j}.RollBack(ctx, plan, "a cold backup was interrupted while Appsmith was stopped")
		j.Close()
		if err != nil {
			if _, ended := j.Ended(); !ended {
				return n, err
			}
		}
		n++
	}
	return n, nil
}
