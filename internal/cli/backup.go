package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// passphraseEnv names a passphrase file when no flag does: a secret is never
// a flag value (every user of the machine sees a command line).
const passphraseEnv = "APPSMITH_BACKUP_PASSPHRASE_FILE"

// s3Flags are the S3 settings every command that reads or writes a store takes.
type s3Flags struct {
	endpoint, region string
	pathStyle        bool
	fs               *pflag.FlagSet
}

func (s *s3Flags) add(fs *pflag.FlagSet) {
	s.fs = fs
	fs.StringVar(&s.endpoint, "s3-endpoint", "", "S3-compatible endpoint URL (MinIO, R2, B2, versitygw; default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS)")
	fs.StringVar(&s.region, "s3-region", "", "S3 region (default: AWS_REGION or the profile's)")
	fs.BoolVar(&s.pathStyle, "s3-path-style", false, "path-style addressing (default: on for a custom endpoint)")
}

func (s *s3Flags) options() backup.S3Options {
	o := backup.S3Options{Endpoint: s.endpoint, Region: s.region}
	if s.fs != nil && s.fs.Changed("s3-path-style") {
		v := s.pathStyle
		o.PathStyle = &v
	}
	return o
}

// BackupOptions are `appsmith backup`'s.
type BackupOptions struct {
	IO             IO
	Deps           Deps
	Root           *rootOpts
	To             string // DIR or s3://BUCKET/PREFIX; "" = <dir>/backups
	Cold           bool
	PassphraseFile string
	Recipients     []string
	NoEncrypt      bool
	Format         string
	JSON           bool
	Timeout        time.Duration // a cold backup's wait for ready
	S3             s3Flags
}

// NewCmdBackup builds `backup` and its commands; runF replaces backupRun.
func NewCmdBackup(f *Factory, runF func(*BackupOptions) error) *cobra.Command {
	opts := &BackupOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "backup",
		Short: "Back up the instance: a consistent, encrypted, verified archive (local dir or S3)",
		Long: "Takes a backup while Appsmith runs: a dump of the database made inside the container with its own\n" +
			"tools and streamed out (one point in time), and the stacks files (configuration, git-storage, ssl,\n" +
			"ca-certs, redis data) — never the raw database directories. --cold stops Appsmith and archives the\n" +
			"whole stacks directory instead, and says how long it was down.\n\n" +
			"Archives are tar + zstd, encrypted with age: --passphrase-file F (or " + passphraseEnv + ")\n" +
			"or --recipient AGE_PUBLIC_KEY (repeatable). --no-encrypt writes one without the encryption password\n" +
			"and salt, which you must then keep elsewhere. Open one without this tool:\n" +
			"  age -d -i KEY ARCHIVE | zstd -d | tar -x\n" +
			"Names sort by time: appsmith-<host>-<UTC time>-<version>.tar.zst.age\n\n" +
			"On a Kubernetes install (--dir records one) the same archive is taken through the API server:\n" +
			"the dump and the stacks files streamed out of the pod with exec; <host> is <release>.<namespace>.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return backupRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.To, "to", "", "where to write: a directory or s3://BUCKET/PREFIX (default <dir>/backups)")
	fl.BoolVar(&opts.Cold, "cold", false, "stop Appsmith and archive the whole stacks directory")
	fl.StringVar(&opts.PassphraseFile, "passphrase-file", "", "file holding the passphrase to encrypt with (env "+passphraseEnv+")")
	fl.StringArrayVar(&opts.Recipients, "recipient", nil, "age public key (age1…) to encrypt to; repeatable")
	fl.BoolVar(&opts.NoEncrypt, "no-encrypt", false, "write an unencrypted archive WITHOUT the encryption password and salt")
	fl.StringVar(&opts.Format, "format", backup.FormatNative, "archive format: native, or appsmithctl (what Appsmith's appsmithctl restore reads)")
	fl.BoolVar(&opts.JSON, "json", false, "print the archive's location, size, sha256 and counts as JSON on stdout")
	fl.DurationVar(&opts.Timeout, "timeout", install.Defaults().Timeout, "how long a cold backup waits for Appsmith to be ready again")
	opts.S3.add(fl)
	cmd.AddCommand(NewCmdBackupList(f, nil), NewCmdBackupVerify(f, nil), NewCmdBackupPrune(f, nil), NewCmdBackupSchedule(f, nil))
	addDayTwoTargetFlags(cmd, f.root)
	return cmd
}

// encryption reads the encryption flags: exactly one way, or --no-encrypt.
func encryption(stdio IO, passFile string, recipients []string, noEncrypt bool) (backup.Encrypt, error) {
	if passFile == "" && len(recipients) == 0 && !noEncrypt {
		passFile = stdio.Getenv(passphraseEnv)
	}
	switch {
	case noEncrypt && (passFile != "" || len(recipients) > 0):
		return backup.Encrypt{}, engine.UsageError("--no-encrypt with --passphrase-file or --recipient: choose one")
	case noEncrypt:
		return backup.Encrypt{}, nil
	case passFile != "" && len(recipients) > 0:
		return backup.Encrypt{}, engine.UsageError("--passphrase-file and --recipient: choose one way to encrypt")
	case passFile != "":
		p, err := readPassphrase(passFile, "--passphrase-file")
		return backup.Encrypt{Passphrase: p}, err
	case len(recipients) > 0:
		if err := backup.CheckRecipients(recipients); err != nil {
			return backup.Encrypt{}, engine.UsageError("%v", err)
		}
		return backup.Encrypt{Recipients: recipients}, nil
	}
	return backup.Encrypt{}, engine.UsageError("backups are encrypted: pass --passphrase-file FILE (or set %s) or --recipient AGE_PUBLIC_KEY; --no-encrypt writes one without the encryption keys", passphraseEnv)
}

// readPassphrase reads a passphrase file: its first line, which must not be
// empty.
func readPassphrase(path, flag string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, engine.UsageError("%s %s: %v", flag, path, errors.Unwrap(err))
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return nil, engine.UsageError("%s %s: the file is empty (the passphrase is its first line)", flag, path)
	}
	return []byte(line), nil
}

func backupRun(ctx context.Context, opts *BackupOptions) error {
	stdio, deps := opts.IO, opts.Deps
	mode, err := progress.ParseMode(opts.Root.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	if opts.Format != backup.FormatNative && opts.Format != backup.FormatAppsmithctl {
		return engine.UsageError("--format %q: native or appsmithctl", opts.Format)
	}
	enc, err := encryption(stdio, opts.PassphraseFile, opts.Recipients, opts.NoEncrypt)
	if err != nil {
		return err
	}
	if t := strings.ToLower(opts.To); strings.Contains(t, "://") && !strings.HasPrefix(t, "s3://") {
		return engine.UsageError("--to %q: only a directory or s3://BUCKET[/PREFIX] is supported", opts.To)
	}
	s, err := kubeRecord(opts.Root, stdio)
	if err != nil {
		return err
	}
	if s != nil {
		return kubeBackupRun(ctx, opts, s, mode, enc)
	}
	in, err := locateContainerForChange(ctx, opts.Root, stdio, deps)
	if err != nil {
		return err
	}
	defer in.release()
	opts.Root.usedDir = in.dir
	if !in.c.Running && !opts.Cold {
		return engine.Errorf(engine.ExitPreflight, "start it (`"+hint.Appsmith(in.dir, "start")+"`), or take a cold backup (`"+hint.Appsmith(in.dir, "backup --cold")+"`)",
			"Appsmith (%s) is not running: an online backup dumps the database from the running container", in.name())
	}
	to := opts.To
	if to == "" {
		to = instance.Layout{Dir: in.dir}.Backups()
	}
	store, err := backup.OpenStore(ctx, to, opts.S3.options())
	if err != nil {
		return coreError(err)
	}
	bi := in.backupInstance(ctx, deps)
	if bi.Version == "" {
		return engine.Errorf(engine.ExitPreflight, "`"+hint.Appsmith(in.dir, "status")+"` shows what is wrong",
			"cannot read the running Appsmith's version (/info at %s): the manifest must record it", in.baseURL())
	}
	host, _ := os.Hostname()
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	ready := in.readyStep(deps, opts.Timeout)
	res, err := backup.Create(ctx, bi, backup.CreateOptions{Store: store, Cold: opts.Cold, Encrypt: enc, Format: opts.Format,
		Host: host, Installer: buildinfo.Get().Version, Now: deps.now, Ready: &ready}, sink)
	_ = sink.Close()
	if err != nil {
		return coreError(err)
	}
	if in.state != nil {
		if in.state.Backups == nil {
			in.state.Backups = &state.Backups{}
		}
		in.state.Backups.Last = &state.BackupRecord{At: res.Manifest.Created, Location: res.Location, Size: res.Size}
		if err := state.Save(in.dir, in.state); err != nil {
			fmt.Fprintf(stdio.Err, "warning: the backup is written, but %s could not record it: %v\n", state.Path(in.dir), err)
		}
	}
	if opts.JSON {
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintln(stdio.Out, res.Location)
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(stdio.Err, "Backup of Appsmith %s written: %s (%s)\n", res.Manifest.AppsmithVersion, res.Location, progress.FormatBytes(res.Size))
		if opts.Cold && in.c.Running {
			fmt.Fprintf(stdio.Err, "Appsmith was down for %s.\n", res.Downtime.Round(100e6))
		}
		if enc.None() {
			fmt.Fprintf(stdio.Err, "The archive is NOT encrypted and does not carry %s: keep both values from %s somewhere safe — without them a restore cannot read any datasource credential.\n",
				strings.Join(backup.KeyNames(), " and "), instance.Layout{Dir: in.dir}.Stacks().DockerEnv())
		}
		fmt.Fprintf(stdio.Err, "Restore it with `%s`.\n", hint.Appsmith(in.dir, "restore "+res.Location))
	}
	return nil
}

// backupInstance is the located instance as the backup core sees it.
func (in *located) backupInstance(ctx context.Context, deps Deps) backup.Instance {
	bi := backup.Instance{Dir: in.dir, Docker: in.d, ContainerID: in.c.ID, Name: in.c.Name, Image: in.c.Image, Running: in.c.Running}
	if in.state != nil {
		bi.Edition, bi.ImageDigest, bi.Version = in.state.Edition, in.state.ImageDigest, in.state.Version
		if in.state.Image != "" {
			bi.Image = in.state.Image
		}
	}
	if in.c.Running {
		if info, err := instance.Probe(ctx, httpClient(deps), in.baseURL(), ""); err == nil && info.Version != "" {
			bi.Version = info.Version
		}
	}
	return bi
}

// coreError gives the backup core's errors their exit code and hint: S3
// credentials, permissions or a missing bucket are found before anything
// changed (exit 3); a full disk and the rest are failures (exit 1) whose
// hint the core wrote (the flag or variable to fix).
func coreError(err error) error {
	if err == nil {
		return nil
	}
	var e *engine.Error
	if errors.As(err, &e) {
		return err
	}
	code := engine.ExitFailure
	if errors.Is(err, backup.ErrS3Auth) || errors.Is(err, backup.ErrS3NoBucket) || errors.Is(err, backup.ErrS3Denied) || errors.Is(err, backup.ErrS3Region) {
		code = engine.ExitPreflight
	}
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return &engine.Error{Code: code, Err: err, Hint: h.Hint()}
	}
	if code != engine.ExitFailure {
		return &engine.Error{Code: code, Err: err}
	}
	return err
}
