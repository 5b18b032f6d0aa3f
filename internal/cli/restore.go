package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
)

// RestoreOptions are `appsmith restore`'s.
type RestoreOptions struct {
	IO             IO
	Deps           Deps
	Root           *rootOpts
	Archive        string // a path or s3://BUCKET/KEY
	PassphraseFile string
	IdentityFile   string
	Yes            bool
	// Resume undoes a Kubernetes restore a killed run left (no ARCHIVE).
	Resume bool
	S3     s3Flags
	// Install are the install flags, for a fresh host (nothing in --dir).
	Install *pflag.FlagSet
}

// NewCmdRestore builds `restore`; runF replaces restoreRun.
func NewCmdRestore(f *Factory, runF func(*RestoreOptions) error) *cobra.Command {
	opts := &RestoreOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "restore ARCHIVE|s3://BUCKET/KEY",
		Short: "Restore a backup (this tool's or appsmithctl's) into the instance, or onto a fresh host",
		Long: "Verifies the whole archive first (decryption, every checksum, the manifest) before touching anything.\n" +
			"Then: stop, move the current stacks aside (a rename), lay down the archive's files with this host's\n" +
			"settings (external database, Redis, domain and TLS files are kept; the encryption password and salt\n" +
			"are the archive's), start, import the dump with the image's own tools, wait until ready, check the\n" +
			"counts the archive recorded — only then is the previous stacks deleted. Any failure puts it back and\n" +
			"starts the old instance on it (exit 1). A restore killed half-way is finished or undone by the next\n" +
			"command that changes the instance.\n\n" +
			"With nothing installed in --dir, it installs the archive's exact version first (the install flags\n" +
			"below apply), then restores into it: disaster recovery in one command.\n\n" +
			"On a Kubernetes install (--dir records one) it restores into the release through the API server:\n" +
			"a snapshot first, then the archive's keys into the Secret, its files onto the data claim, its dump\n" +
			"into the release's database, a new pod, /info checked; a failing step undoes the ones before it.\n" +
			"A restore there killed half-way is undone by `appsmith restore --resume`, or first thing by the\n" +
			"next command that changes the release.\n" +
			"Reads appsmithctl archives too (appsmith-backup-*.tar.gz and .tar.gz.enc with --passphrase-file).",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.Resume && len(args) > 0:
				return engine.UsageError("--resume takes no ARCHIVE: it undoes the restore that was interrupted")
			case !opts.Resume && len(args) == 0:
				return engine.UsageError("restore needs the ARCHIVE (a file or s3://BUCKET/KEY)")
			case len(args) == 1:
				opts.Archive = args[0]
			}
			opts.Install = cmd.Flags()
			if runF != nil {
				return runF(opts)
			}
			return restoreRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.PassphraseFile, "passphrase-file", "", "file holding the archive's passphrase (env "+passphraseEnv+")")
	fl.StringVar(&opts.IdentityFile, "identity", "", "age identity file (AGE-SECRET-KEY-…) of a --recipient archive")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before replacing the instance's data")
	fl.BoolVar(&opts.Resume, "resume", false, "Kubernetes: undo a restore that was interrupted (a host's is finished or undone by the next command that changes the instance)")
	opts.S3.add(fl)
	// The install's flags, for a fresh host.
	inst := NewCmdInstall(f, nil).Flags()
	inst.VisitAll(func(fl2 *pflag.Flag) {
		switch fl2.Name {
		case "yes", "dry-run", "plan", "config":
			return
		case "bundle", "trusted-key":
			// A fresh-host restore from a bundle is not built yet: the
			// flags would be accepted and never tried.
			return
		}
		if targetFlags[fl2.Name] {
			return // a restore onto a Kubernetes target is not there yet
		}
		fl.AddFlag(fl2)
	})
	addDayTwoTargetFlags(cmd, f.root)
	return cmd
}

// decryption reads the decryption flags.
func decryption(stdio IO, passFile, identityFile string) (backup.Decrypt, error) {
	if passFile == "" && identityFile == "" {
		passFile = stdio.Getenv(passphraseEnv)
	}
	var d backup.Decrypt
	if passFile != "" {
		p, err := readPassphrase(passFile, "--passphrase-file")
		if err != nil {
			return d, err
		}
		d.Passphrase, d.PassFile = p, passFile
	}
	if identityFile != "" {
		data, err := os.ReadFile(identityFile)
		if err != nil {
			return d, engine.UsageError("--identity %s: %v", identityFile, errors.Unwrap(err))
		}
		d.Identities, d.IdentityFile = data, identityFile
	}
	return d, nil
}

// archiveError maps the core's archive errors to messages naming the file
// and flag, and to exit codes: a bad archive or key is bad input (2).
func archiveError(err error, loc string) error {
	var e *engine.Error
	if errors.As(err, &e) {
		return err
	}
	switch {
	case errors.Is(err, backup.ErrNeedKey):
		return &engine.Error{Code: engine.ExitUsage, Err: fmt.Errorf("%s: %w", loc, err), Hint: "pass --passphrase-file FILE (or set " + passphraseEnv + "), or --identity FILE for an archive made with --recipient"}
	case errors.Is(err, backup.ErrWrongKey):
		return &engine.Error{Code: engine.ExitUsage, Err: fmt.Errorf("%s: %w", loc, err), Hint: "check --passphrase-file / --identity: it is not the key this archive was encrypted with"}
	case errors.Is(err, backup.ErrNotArchive), errors.Is(err, backup.ErrTruncated), errors.Is(err, backup.ErrCorrupt):
		return &engine.Error{Code: engine.ExitUsage, Err: fmt.Errorf("%s: %w", loc, err), Hint: "nothing was changed; use another archive (`appsmith backup list` shows them)"}
	case errors.Is(err, os.ErrNotExist):
		return &engine.Error{Code: engine.ExitUsage, Err: fmt.Errorf("%s: no such archive", loc)}
	}
	return coreError(err)
}

// openArchive opens a path or an s3:// URL.
func openArchive(ctx context.Context, loc string, s3 backup.S3Options) (io.ReadCloser, error) {
	store, name, err := backup.OpenLocation(ctx, loc, s3)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, name)
}

func restoreRun(ctx context.Context, opts *RestoreOptions) error {
	stdio, deps := opts.IO, opts.Deps
	mode, err := progress.ParseMode(opts.Root.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	dec, err := decryption(stdio, opts.PassphraseFile, opts.IdentityFile)
	if err != nil {
		return err
	}
	// A local archive that is not there is a bad argument, said before
	// the engine or the install is looked for.
	if opts.Archive != "" && !strings.Contains(opts.Archive, "://") {
		if _, err := os.Stat(opts.Archive); err != nil {
			return archiveError(err, opts.Archive)
		}
	}
	s, err := kubeRecord(opts.Root, stdio)
	if err != nil {
		return err
	}
	if s != nil {
		return kubeRestoreRun(ctx, opts, s, mode, dec)
	}
	if opts.Resume {
		return engine.UsageError("--resume is for a Kubernetes install: a host's interrupted restore is finished or undone by the next command that changes the instance (`appsmith start`)")
	}
	in, err := locateForChange(ctx, opts.Root, stdio, deps)
	if engine.ExitCode(err) == engine.ExitNotFound && in != nil && in.dir != "" && in.state == nil && in.c == nil {
		return restoreFresh(ctx, opts, dec, in, mode, false)
	}
	if err != nil {
		return err
	}
	defer in.release()
	if err := in.requireContainer(); err != nil {
		return err
	}
	opts.Root.usedDir = in.dir
	// What a restore killed while it read its archive left is a copy of it.
	if err := backup.CleanStages(in.dir); err != nil {
		return err
	}
	st, err := stageArchive(ctx, opts, dec, in.dir)
	if err != nil {
		return err
	}
	keep := false
	defer func() {
		if !keep {
			_ = st.Remove()
		}
	}()
	timeout, _ := opts.Install.GetDuration("timeout")
	t := in.restoreTarget(ctx, deps, timeout)
	if err := backup.Check(t, st); err != nil {
		return err
	}
	if err := switchVersion(&t, st, in, opts.Yes); err != nil {
		return err
	}
	if !st.Manifest.KeysIncluded {
		fmt.Fprintf(stdio.Err, "warning: %s carries no %s: the instance's are kept; they read the archive's datasource credentials only if they are the keys of the instance that wrote it\n",
			opts.Archive, strings.Join(backup.KeyNames(), " and "))
	}
	if !opts.Yes {
		if !canPrompt(stdio) {
			return engine.UsageError("restore replaces the data of %s with the archive's (Appsmith %s, %s): pass --yes to confirm (there is no terminal to ask on)",
				in.dir, st.Manifest.AppsmithVersion, st.Manifest.Created.Local().Format("2006-01-02 15:04"))
		}
		ok, err := deps.confirm(stdio, fmt.Sprintf("Replace the data of %s with the archive's (Appsmith %s, taken %s)? Data written since then is lost.",
			in.dir, st.Manifest.AppsmithVersion, st.Manifest.Created.Local().Format("2006-01-02 15:04")))
		if err != nil || !ok {
			return engine.Errorf(engine.ExitUsage, "", "restore cancelled: nothing was changed")
		}
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	keep = true // the journal owns the staged copy now: its last step deletes it
	err = backup.Restore(ctx, t, st, sink)
	_ = sink.Close()
	if err != nil {
		var pe *engine.Error
		if errors.As(err, &pe) && pe.Code == engine.ExitPreflight {
			keep = false
		}
		return err
	}
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(stdio.Err, "Restored %s into %s: Appsmith %s is ready.\n", opts.Archive, in.dir, st.Manifest.AppsmithVersion)
	}
	return nil
}

// stageArchive reads and verifies the whole archive into the install dir.
func stageArchive(ctx context.Context, opts *RestoreOptions, dec backup.Decrypt, dir string) (*backup.Staged, error) {
	r, err := openArchive(ctx, opts.Archive, opts.S3.options())
	if err != nil {
		return nil, archiveError(err, opts.Archive)
	}
	defer r.Close()
	stage := backup.StageDir(dir, opts.Deps.now().UTC().Format("20060102T150405Z"))
	st, err := backup.Stage(ctx, r, dec, stage)
	if err != nil {
		return nil, archiveError(err, opts.Archive)
	}
	return st, nil
}

// switchVersion decides what runs the archive's data: the version that
// wrote it. An instance on another version is refused, unless --yes
// accepts replacing its container by one on the archive's version (same
// repository, same settings). An archive that does not say its version
// (a v1.7-era appsmithctl one) needs --yes and is taken as the instance's.
func switchVersion(t *backup.Target, st *backup.Staged, in *located, yes bool) error {
	m := &st.Manifest
	if m.AppsmithVersion == backup.VersionUnknown {
		if !yes {
			return engine.Errorf(engine.ExitPreflight, "pass --yes to restore it into the running "+t.Version,
				"the archive does not say which Appsmith version wrote it (an appsmithctl archive of v1.7 or older)")
		}
		m.AppsmithVersion = t.Version
		return nil
	}
	if t.Version == "" || t.Version == m.AppsmithVersion {
		return nil
	}
	if !yes {
		return engine.Errorf(engine.ExitPreflight, "pass --yes to replace the container by one on "+m.AppsmithVersion+" (same settings), or restore an archive of "+t.Version,
			"the archive holds Appsmith %s data and the instance runs %s: data is restored only into the version that wrote it", m.AppsmithVersion, t.Version)
	}
	if cs := in.composeManaged(); cs != nil {
		return engine.Errorf(engine.ExitPreflight, "restore an archive of "+t.Version+", or set the compose file's image line to "+instance.WithTag(in.c.Image, m.AppsmithVersion)+", `docker compose up -d`, and restore again",
			"the archive holds Appsmith %s data and docker compose runs %s (service %q): compose, not appsmith-install, changes its image", m.AppsmithVersion, t.Version, cs.Service)
	}
	t.Switch = instance.WithTag(in.c.Image, m.AppsmithVersion)
	return nil
}

// restoreTarget is the located instance as the restore core sees it.
func (in *located) restoreTarget(ctx context.Context, deps Deps, timeout time.Duration) backup.Target {
	return backup.Target{Instance: in.backupInstance(ctx, deps), Docker: in.d, HTTP: httpClient(deps), BaseURL: in.baseURL(), Timeout: timeout, Container: *in.c}
}

// restoreFresh is a restore onto an empty --dir: install the archive's
// exact version (the install flags apply), then restore into it. The
// archive is verified before anything is installed.
func restoreFresh(ctx context.Context, opts *RestoreOptions, dec backup.Decrypt, in *located, mode progress.Mode, allowNoKeys bool) (err error) {
	// A refusal before the install leaves no trace: the dirs the staging
	// made (the install dir itself, its parents, its backups/) go again.
	installing := false
	undoDirs := madeDirs(in.dir)
	defer func() {
		if err != nil && !installing {
			undoDirs()
		}
	}()
	if in.lock, err = lockDir(in.dir); err != nil {
		return err
	}
	opts.Root.usedDir = in.dir
	st, err := stageArchive(ctx, opts, dec, in.dir)
	if err != nil {
		in.release()
		return err
	}
	keep := false
	defer func() {
		if !keep {
			_ = st.Remove()
		}
	}()
	m := st.Manifest
	fs := opts.Install
	if !m.KeysIncluded && !allowNoKeys {
		in.release()
		return engine.Errorf(engine.ExitPreflight, "install "+m.AppsmithVersion+" first, put the two values you kept into "+
			"<dir>/stacks/configuration/docker.env, then restore into it",
			"%s carries no %s (made with --no-encrypt): a new install's keys cannot read its datasource credentials",
			opts.Archive, strings.Join(backup.KeyNames(), " and "))
	}
	switch {
	case fs.Changed("image"):
		// The user's image: its version must be the archive's (install checks /info).
	case fs.Changed("version"):
		v, _ := fs.GetString("version")
		if nv, err := install.NormalizeVersion(v); err != nil || nv != m.AppsmithVersion {
			in.release()
			return engine.UsageError("--version %s: the archive holds Appsmith %s data, which is restored only into %s", v, m.AppsmithVersion, m.AppsmithVersion)
		}
	default:
		if _, err := install.NormalizeVersion(m.AppsmithVersion); err != nil {
			in.release()
			return engine.UsageError("the archive does not say which Appsmith version wrote it (%q): pass --version, the version the instance ran", m.AppsmithVersion)
		}
		_ = fs.Set("version", m.AppsmithVersion)
	}
	if !fs.Changed("edition") && !fs.Changed("image") && m.Edition != "" {
		_ = fs.Set("edition", m.Edition)
	}
	// The manifest's exact image (its repository: a mirror stays a mirror),
	// unless the flags name another.
	if !fs.Changed("image") && !fs.Changed("version") && !fs.Changed("registry") && !fs.Changed("edition") && m.Image != "" {
		_ = fs.Set("image", instance.WithTag(m.Image, m.AppsmithVersion))
	}
	in.release() // the install takes the lock itself
	installing = true
	fmt.Fprintf(opts.IO.Err, "Nothing is installed in %s: installing Appsmith %s to restore %s into.\n", in.dir, m.AppsmithVersion, opts.Archive)
	if err := installRun(ctx, &InstallOptions{IO: opts.IO, Deps: opts.Deps, Root: opts.Root, Yes: true, Flags: fs}); err != nil {
		return err
	}
	in2, err := locateContainerForChange(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	defer in2.release()
	timeout, _ := fs.GetDuration("timeout")
	sink, err := progress.New(mode, progress.Options{Out: terminal(opts.IO.Err), NoColor: !progress.ColorAllowed(opts.IO.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	keep = true // the journal owns the staged copy now
	err = backup.Restore(ctx, in2.restoreTarget(ctx, opts.Deps, timeout), st, sink)
	_ = sink.Close()
	if err != nil {
		return err
	}
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(opts.IO.Err, "Restored %s into the new install in %s: Appsmith %s is ready.\n", opts.Archive, in2.dir, m.AppsmithVersion)
	}
	return nil
}

// madeDirs returns what removes the dirs a command is about to make for
// dir: dir's backups/, dir and each parent that does not exist yet, each
// only while empty (os.Remove never deletes a dir with anything in it).
func madeDirs(dir string) func() {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || !errors.Is(err, os.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	return func() {
		if len(missing) == 0 {
			return
		}
		_ = os.Remove(instance.Layout{Dir: dir}.Backups())
		for _, d := range missing {
			if os.Remove(d) != nil {
				return
			}
		}
	}
}

// recoverRestores finishes or undoes a restore that was killed half-way,
// before the command that found it acts: the next command after a kill -9
// finds the instance on its previous data (or on the restored, verified
// data), never between the two.
func recoverRestores(ctx context.Context, ro *rootOpts, stdio IO, deps Deps, in *located) error {
	if n, err := backup.RecoverCold(ctx, in.dir, in.d, engine.SinkFunc(func(engine.Event) {})); err != nil {
		return err
	} else if n > 0 {
		fmt.Fprintf(stdio.Err, "A cold backup of %s was interrupted while Appsmith was stopped: started it again.\n", in.dir)
		if in.c != nil {
			if c, err := in.d.ContainerInspect(ctx, in.c.ID); err == nil {
				in.c = &c
			}
		}
	}
	js, err := backup.Unfinished(in.dir)
	if err != nil {
		return err
	}
	if len(js) == 0 {
		return nil
	}
	fmt.Fprintf(stdio.Err, "An earlier restore of %s was interrupted: finishing or undoing it first.\n", in.dir)
	mode, err := progress.ParseMode(ro.progress)
	if err != nil {
		mode = progress.ModePlain
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	t := backup.Target{Instance: backup.Instance{Dir: in.dir}, Docker: in.d, HTTP: httpClient(deps), BaseURL: in.baseURL(), Timeout: install.Defaults().Timeout}
	_, err = backup.Recover(ctx, t, sink)
	_ = sink.Close()
	if err != nil {
		return err
	}
	if err := backup.CleanStages(in.dir); err != nil {
		return err
	}
	// What the recovery started is what the command acts on.
	if in.c != nil {
		if c, err := in.d.ContainerInspect(ctx, in.c.ID); err == nil {
			in.c = &c
		}
	}
	return nil
}
