package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// BackupVerifyOptions are `appsmith backup verify`'s.
type BackupVerifyOptions struct {
	IO             IO
	Deps           Deps
	Root           *rootOpts
	Archive        string
	Drill          bool
	PassphraseFile string
	IdentityFile   string
	JSON           bool
	Timeout        time.Duration
	S3             s3Flags
}

// VerifyView is `backup verify --json` (documented in the README).
type VerifyView struct {
	Location string          `json:"location"`
	Kind     string          `json:"kind"`
	Manifest backup.Manifest `json:"manifest"`
	Drill    *DrillView      `json:"drill,omitempty"`
}

// DrillView is a drill's result.
type DrillView struct {
	OK         bool   `json:"ok"`
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
	Version    string `json:"version,omitempty"`
	Counts     int    `json:"collections_checked"`
}

// NewCmdBackupVerify builds `backup verify`; runF replaces backupVerifyRun.
func NewCmdBackupVerify(f *Factory, runF func(*BackupVerifyOptions) error) *cobra.Command {
	opts := &BackupVerifyOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "verify ARCHIVE|s3://BUCKET/KEY",
		Short: "Check an archive: decryption, every checksum, the manifest; --drill restores it into a throwaway instance",
		Long: "Reads the whole archive and checks it without writing anything. --drill also restores it into a\n" +
			"throwaway instance (a scratch dir, a free port on 127.0.0.1, its own container name — the live\n" +
			"instance is not touched), checks ready, version and the counts the manifest recorded, removes it, and\n" +
			"records the date and duration of the drill (`appsmith status` and `backup list` show its age).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Archive = args[0]
			if runF != nil {
				return runF(opts)
			}
			return backupVerifyRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Drill, "drill", false, "restore into a throwaway instance and check it")
	fl.StringVar(&opts.PassphraseFile, "passphrase-file", "", "file holding the archive's passphrase (env "+passphraseEnv+")")
	fl.StringVar(&opts.IdentityFile, "identity", "", "age identity file (AGE-SECRET-KEY-…) of a --recipient archive")
	fl.BoolVar(&opts.JSON, "json", false, "print the manifest (and the drill's result) as JSON")
	fl.DurationVar(&opts.Timeout, "timeout", 5*time.Minute, "how long the drill waits for its instance to be ready")
	opts.S3.add(fl)
	return cmd
}

func backupVerifyRun(ctx context.Context, opts *BackupVerifyOptions) error {
	// Recorded as `backup list` and `prune` name it: a path is absolute.
	if !strings.HasPrefix(opts.Archive, "s3://") {
		if abs, err := filepath.Abs(opts.Archive); err == nil {
			opts.Archive = abs
		}
	}
	dec, err := decryption(opts.IO, opts.PassphraseFile, opts.IdentityFile)
	if err != nil {
		return err
	}
	r, err := openArchive(ctx, opts.Archive, opts.S3.options())
	if err != nil {
		return archiveError(err, opts.Archive)
	}
	m, kind, err := backup.VerifyArchive(ctx, r, dec)
	r.Close()
	if err != nil {
		return archiveError(err, opts.Archive)
	}
	view := VerifyView{Location: opts.Archive, Kind: kind.String(), Manifest: m}
	var drillErr error
	if opts.Drill {
		view.Drill, drillErr = drill(ctx, opts, dec, m)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(view); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(opts.IO.Out, "%s: a good %s of Appsmith %s, taken %s on %s (%d entries", opts.Archive, kind, m.AppsmithVersion,
			m.Created.Local().Format("2006-01-02 15:04"), orUnknown(m.Host), len(m.Entries))
		if m.DB.Kind != "" {
			fmt.Fprintf(opts.IO.Out, ", %s dump", m.DB.Kind)
		}
		fmt.Fprintln(opts.IO.Out, ")")
		if view.Drill != nil && view.Drill.OK {
			fmt.Fprintf(opts.IO.Out, "drill: restored into a throwaway instance, ready with Appsmith %s and the recorded counts, in %s\n",
				view.Drill.Version, (time.Duration(view.Drill.DurationMS) * time.Millisecond).Round(100*time.Millisecond))
		}
	}
	return drillErr
}

func orUnknown(s string) string {
	if s == "" {
		return "an unknown host"
	}
	return s
}

// drill restores the archive into a throwaway instance: a fresh-host
// restore into a scratch dir, on free ports of 127.0.0.1, under its own
// container name; then everything of it is removed. The live instance (if
// any) is only read: its image repository, and its state records the drill.
func drill(ctx context.Context, opts *BackupVerifyOptions, dec backup.Decrypt, m backup.Manifest) (*DrillView, error) {
	t0 := time.Now()
	stamp := opts.Deps.now().UTC().Format("20060102T150405Z")
	live, _ := locate(ctx, opts.Root, opts.IO, opts.Deps)
	removeStaleDrills(ctx, opts)
	scratch, err := os.MkdirTemp("", drillPrefix)
	if err != nil {
		return nil, err
	}
	droot := &rootOpts{dir: filepath.Join(scratch, "appsmith"), progress: opts.Root.progress}
	f := &Factory{IO: opts.IO, Deps: opts.Deps, root: droot}
	rcmd := NewCmdRestore(f, nil)
	fs := rcmd.Flags()
	httpPort, err1 := freePort()
	httpsPort, err2 := freePort()
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("no free port on 127.0.0.1 for the drill")
	}
	name := "appsmith-drill-" + stamp
	for k, v := range map[string]string{"bind-address": "127.0.0.1", "http-port": strconv.Itoa(httpPort), "https-port": strconv.Itoa(httpsPort),
		"container-name": name, "link-dir": "", "timeout": opts.Timeout.String()} {
		if err := fs.Set(k, v); err != nil {
			return nil, err
		}
	}
	if live != nil && live.state != nil {
		if live.state.Registry != "" {
			_ = fs.Set("registry", live.state.Registry)
		}
		if live.state.Edition != "" && m.Edition == "" {
			_ = fs.Set("edition", live.state.Edition)
		}
	}
	ropts := &RestoreOptions{IO: opts.IO, Deps: opts.Deps, Root: droot, Archive: opts.Archive, Yes: true, S3: opts.S3, Install: fs}
	defer removeDrill(opts, droot, scratch)
	mode, err := progress.ParseMode(opts.Root.progress)
	if err != nil {
		return nil, engine.UsageError("%v", err)
	}
	in := &located{dir: droot.dir}
	if !m.KeysIncluded {
		fmt.Fprintf(opts.IO.Err, "warning: %s carries no encryption keys: the drill restores it with new ones, so it cannot tell whether datasource credentials would decrypt\n", opts.Archive)
	}
	err = restoreFresh(ctx, ropts, dec, in, mode, true)
	view := &DrillView{OK: err == nil, DurationMS: time.Since(t0).Milliseconds(), Version: m.AppsmithVersion, Counts: len(m.DB.Counts)}
	if err != nil {
		view.Error = err.Error()
		return view, &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("the drill failed: %w", err), Hint: engine.HintOf(err)}
	}
	if live != nil && live.state != nil {
		recordDrill(live.dir, opts.Archive, opts.Deps.now(), time.Since(t0), opts.IO)
	}
	return view, nil
}

const drillPrefix = "appsmith-drill-"

// removeStaleDrills removes what a drill killed half-way left: its
// container (it may be running, on the archive's data) and scratch dir.
func removeStaleDrills(ctx context.Context, opts *BackupVerifyOptions) {
	d, err := opts.Deps.Docker(ctx)
	if err != nil {
		return
	}
	cs, err := d.ContainerList(ctx, map[string]string{state.LabelManaged: "true"})
	if err != nil {
		return
	}
	prefix := filepath.Join(os.TempDir(), drillPrefix)
	for _, c := range cs {
		dir := c.Labels[state.LabelDir]
		if !strings.HasPrefix(dir, prefix) {
			continue
		}
		fmt.Fprintf(opts.IO.Err, "Removing %s, left by a drill that was cut short.\n", c.Name)
		_ = d.ContainerRemove(ctx, c.ID)
		_ = os.RemoveAll(filepath.Dir(dir))
	}
}

// removeDrill removes the drill's container and scratch dir, whatever
// happened.
func removeDrill(opts *BackupVerifyOptions, droot *rootOpts, scratch string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if d, err := opts.Deps.Docker(ctx); err == nil {
		if cs, err := d.ContainerList(ctx, map[string]string{state.LabelManaged: "true", state.LabelDir: droot.dir}); err == nil {
			for _, c := range cs {
				if c.Running {
					_ = d.ContainerStop(ctx, c.ID, instance.StopTimeout)
				}
				_ = d.ContainerRemove(ctx, c.ID)
			}
		}
	}
	_ = os.RemoveAll(scratch)
}

// recordDrill notes a good drill in the live instance's state, under its lock.
func recordDrill(dir, loc string, at time.Time, took time.Duration, stdio IO) {
	l, err := lockDir(dir)
	if err != nil {
		fmt.Fprintf(stdio.Err, "warning: the drill passed, but it could not be recorded: %v\n", err)
		return
	}
	defer l.Release()
	s, err := state.Load(dir)
	if err != nil {
		return
	}
	if s.Backups == nil {
		s.Backups = &state.Backups{}
	}
	s.Backups.LastDrill = &state.DrillRecord{At: at.UTC(), Location: loc, Duration: took}
	if !slices.Contains(s.Backups.Drilled, loc) {
		s.Backups.Drilled = append(s.Backups.Drilled, loc)
	}
	if err := state.Save(dir, s); err != nil {
		fmt.Fprintf(stdio.Err, "warning: the drill passed, but %s could not record it: %v\n", state.Path(dir), err)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
