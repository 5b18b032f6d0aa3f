package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
)

// BackupScheduleOptions are `appsmith backup schedule`'s.
type BackupScheduleOptions struct {
	IO             IO
	Deps           Deps
	Root           *rootOpts
	Daily          string // HH:MM, local time of the host
	Off            bool
	To             string
	PassphraseFile string
	Recipients     []string
	NoEncrypt      bool
	Cold           bool
	Keep           backup.Keep
	S3             s3Flags
	// SystemRoot is where /etc and /run are ("/"; tests use a scratch dir,
	// and nothing is enabled outside "/").
	SystemRoot string
	// Binary is the command the schedule runs (this executable).
	Binary string
}

// NewCmdBackupSchedule builds `backup schedule`; runF replaces backupScheduleRun.
func NewCmdBackupSchedule(f *Factory, runF func(*BackupScheduleOptions) error) *cobra.Command {
	opts := &BackupScheduleOptions{IO: f.IO, Deps: f.Deps, Root: f.root, SystemRoot: "/"}
	cmd := &cobra.Command{
		Use:   "schedule --daily HH:MM [--to ...] [--keep-...] | --off",
		Short: "Back up every day (a systemd timer, or a cron file where there is no systemd)",
		Long: "Writes a systemd service and timer (appsmith-backup-<id>.timer, logging to the journal) or, where\n" +
			"systemd is absent, /etc/cron.d/appsmith-backup-<id>, that runs `appsmith backup` with the options\n" +
			"given here and then `appsmith backup prune` with the --keep-* given. The passphrase stays in its file:\n" +
			"the unit names the file, never the secret. --off removes them.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return backupScheduleRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Daily, "daily", "", "time of day (HH:MM, the host's local time) to back up at")
	fl.BoolVar(&opts.Off, "off", false, "remove the schedule")
	fl.StringVar(&opts.To, "to", "", "where to write: a directory or s3://BUCKET/PREFIX (default <dir>/backups)")
	fl.StringVar(&opts.PassphraseFile, "passphrase-file", "", "file holding the passphrase (read at each run; env "+passphraseEnv+")")
	fl.StringArrayVar(&opts.Recipients, "recipient", nil, "age public key to encrypt to; repeatable")
	fl.BoolVar(&opts.NoEncrypt, "no-encrypt", false, "unencrypted archives without the encryption keys")
	fl.BoolVar(&opts.Cold, "cold", false, "cold backups (Appsmith stops while the stacks are archived)")
	fl.IntVar(&opts.Keep.Last, "keep-last", 0, "prune: keep the N newest archives")
	fl.IntVar(&opts.Keep.Daily, "keep-daily", 0, "prune: keep the newest archive of each of the last N days")
	fl.IntVar(&opts.Keep.Weekly, "keep-weekly", 0, "prune: keep the newest archive of each of the last N weeks")
	fl.IntVar(&opts.Keep.Monthly, "keep-monthly", 0, "prune: keep the newest archive of each of the last N months")
	opts.S3.add(fl)
	return cmd
}

var hhmm = regexp.MustCompile(`^([01]?\d|2[0-3]):([0-5]\d)$`)

func filesFor(root, dir string) scheduleFiles { return unitFiles(root, "appsmith-backup", dir) }

func backupScheduleRun(ctx context.Context, opts *BackupScheduleOptions) error {
	if opts.Off == (opts.Daily != "") {
		return engine.UsageError("backup schedule needs --daily HH:MM, or --off to remove the schedule")
	}
	var hour, minute int
	if opts.Daily != "" {
		m := hhmm.FindStringSubmatch(opts.Daily)
		if m == nil {
			return engine.UsageError("--daily %q: a time of day as HH:MM (24-hour), such as 03:30", opts.Daily)
		}
		hour, _ = strconv.Atoi(m[1])
		minute, _ = strconv.Atoi(m[2])
	}
	// A retention the nightly prune would refuse is refused now, not
	// every night after.
	if opts.Keep != (backup.Keep{}) {
		if err := opts.Keep.Check(); err != nil {
			return engine.UsageError("--keep-*: %v", err)
		}
	}
	in, err := locate(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	opts.Root.usedDir = in.dir
	files := filesFor(opts.SystemRoot, in.dir)
	if opts.Off {
		removed, err := removeTimer(ctx, opts.SystemRoot, files)
		if err != nil {
			return err
		}
		if removed == 0 {
			fmt.Fprintf(opts.IO.Err, "No backup schedule for %s.\n", in.dir)
		} else {
			fmt.Fprintf(opts.IO.Err, "Backup schedule of %s removed.\n", in.dir)
		}
		return nil
	}
	args, env, err := scheduledArgs(opts, in.dir)
	if err != nil {
		return err
	}
	bin := opts.Binary
	if bin == "" {
		if bin, err = os.Executable(); err != nil {
			return err
		}
	}
	backupCmd := append([]string{bin, "--dir", in.dir, "--progress", "plain", "backup"}, args...)
	var pruneCmd []string
	if opts.Keep != (backup.Keep{}) {
		pruneCmd = []string{bin, "--dir", in.dir, "--progress", "plain", "backup", "prune"}
		if opts.To != "" {
			pruneCmd = append(pruneCmd, "--from", opts.To)
		}
		pruneCmd = append(pruneCmd, keepArgs(opts.Keep)...)
		pruneCmd = append(pruneCmd, s3Args(&opts.S3)...)
	}
	cmds := [][]string{backupCmd}
	if pruneCmd != nil {
		cmds = append(cmds, pruneCmd)
	}
	job := timerJob{root: opts.SystemRoot, files: files, by: "appsmith backup schedule", off: hint.Appsmith(in.dir, "backup schedule --off"),
		what: "Back up the Appsmith instance in " + in.dir, when: "Daily backup of the Appsmith instance in " + in.dir, env: env, cmds: cmds,
		calendar: fmt.Sprintf("*-*-* %02d:%02d:00", hour, minute), cron: fmt.Sprintf("%d %d * * *", minute, hour), persistent: true}
	systemd, enable, err := job.write(ctx)
	if err != nil {
		return err
	}
	if !systemd {
		fmt.Fprintf(opts.IO.Err, "Daily backup of %s at %02d:%02d: %s (no systemd here; logs go to syslog as %s).\n", in.dir, hour, minute, files.cron, files.unit)
		warnNoCron(opts.IO, opts.SystemRoot)
		return nil
	}
	fmt.Fprintf(opts.IO.Err, "Daily backup of %s at %02d:%02d: %s (logs: `journalctl -u %s`).\n", in.dir, hour, minute, files.timer, files.unit)
	if enable != "" {
		fmt.Fprintf(opts.IO.Err, "Enable it with `%s`.\n", enable)
	}
	return nil
}

// scheduledArgs are the backup's flags, checked now (a schedule that would
// fail every night is refused today), and its environment.
func scheduledArgs(opts *BackupScheduleOptions, dir string) ([]string, []string, error) {
	if _, err := encryption(opts.IO, opts.PassphraseFile, opts.Recipients, opts.NoEncrypt); err != nil {
		return nil, nil, err
	}
	var args, env []string
	if opts.To != "" {
		to := opts.To
		if !strings.HasPrefix(to, "s3://") {
			abs, err := filepath.Abs(to)
			if err != nil {
				return nil, nil, err
			}
			to = abs
		}
		args = append(args, "--to", to)
		opts.To = to
	}
	if opts.Cold {
		args = append(args, "--cold")
	}
	pass := opts.PassphraseFile
	if pass == "" && len(opts.Recipients) == 0 && !opts.NoEncrypt {
		pass = opts.IO.Getenv(passphraseEnv)
	}
	switch {
	case pass != "":
		abs, err := filepath.Abs(pass)
		if err != nil {
			return nil, nil, err
		}
		env = append(env, passphraseEnv+"="+abs)
	case opts.NoEncrypt:
		args = append(args, "--no-encrypt")
	default:
		for _, r := range opts.Recipients {
			args = append(args, "--recipient", r)
		}
	}
	args = append(args, s3Args(&opts.S3)...)
	return args, env, nil
}

func keepArgs(k backup.Keep) []string {
	var a []string
	for _, kv := range []struct {
		flag string
		n    int
	}{{"--keep-last", k.Last}, {"--keep-daily", k.Daily}, {"--keep-weekly", k.Weekly}, {"--keep-monthly", k.Monthly}} {
		if kv.n > 0 {
			a = append(a, kv.flag, strconv.Itoa(kv.n))
		}
	}
	return a
}

func s3Args(s *s3Flags) []string {
	var a []string
	if s.endpoint != "" {
		a = append(a, "--s3-endpoint", s.endpoint)
	}
	if s.region != "" {
		a = append(a, "--s3-region", s.region)
	}
	if s.fs != nil && s.fs.Changed("s3-path-style") {
		a = append(a, "--s3-path-style="+strconv.FormatBool(s.pathStyle))
	}
	return a
}
