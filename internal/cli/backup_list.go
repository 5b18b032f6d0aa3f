package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// storeOptions are what the commands reading a store share.
type storeOptions struct {
	IO   IO
	Deps Deps
	Root *rootOpts
	From string // DIR or s3://BUCKET/PREFIX; "" = <dir>/backups
	S3   s3Flags
}

// openFrom opens --from, by default the install's backups dir, and returns
// the install's state when there is one (what it knows of drills).
func (o *storeOptions) openFrom(ctx context.Context) (backup.Store, *state.State, string, error) {
	var st *state.State
	dir := ""
	if ks, err := kubeRecord(o.Root, o.IO); err != nil {
		return nil, nil, "", err
	} else if ks != nil {
		// A Kubernetes install's archives are in its dir as a host's
		// are; no engine or container is asked.
		st, dir = ks, ks.Dir
		o.Root.usedDir = dir
	} else if in, err := locate(ctx, o.Root, o.IO, o.Deps); err == nil {
		st, dir = in.state, in.dir
		o.Root.usedDir = dir
	} else if o.From == "" {
		return nil, nil, "", err
	}
	from := o.From
	if from == "" {
		from = instance.Layout{Dir: dir}.Backups()
	}
	s, err := backup.OpenStore(ctx, from, o.S3.options())
	return s, st, dir, coreError(err)
}

func drilled(st *state.State, loc string) bool {
	return st != nil && st.Backups != nil && slices.Contains(st.Backups.Drilled, loc)
}

// listStore lists the store openFrom opened: the install's own backups
// dir before any backup is empty, not an error; a --from that does not
// exist is a bad flag.
func (o *storeOptions) listStore(ctx context.Context, store backup.Store) ([]backup.Object, error) {
	objs, err := store.List(ctx)
	if errors.Is(err, fs.ErrNotExist) {
		if o.From != "" {
			return nil, engine.UsageError("--from %s: %v", o.From, err)
		}
		return nil, nil
	}
	return objs, coreError(err)
}

// BackupListOptions are `appsmith backup list`'s.
type BackupListOptions struct {
	storeOptions
	JSON bool
}

// ArchiveView is one archive in `backup list --json` (documented in the README).
type ArchiveView struct {
	Location  string    `json:"location"` // as `restore` takes it
	Time      time.Time `json:"time"`
	Version   string    `json:"version,omitempty"`
	Size      int64     `json:"size"`
	Encrypted bool      `json:"encrypted"`
	Format    string    `json:"format"`  // native | appsmithctl
	Drilled   bool      `json:"drilled"` // passed a restore drill
}

// NewCmdBackupList builds `backup list`; runF replaces backupListRun.
func NewCmdBackupList(f *Factory, runF func(*BackupListOptions) error) *cobra.Command {
	opts := &BackupListOptions{storeOptions: storeOptions{IO: f.IO, Deps: f.Deps, Root: f.root}}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the archives in a backup store, oldest first, with the age of the last backup and drill",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return backupListRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "a directory or s3://BUCKET/PREFIX (default <dir>/backups)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	opts.S3.add(cmd.Flags())
	return cmd
}

func backupListRun(ctx context.Context, opts *BackupListOptions) error {
	store, st, _, err := opts.openFrom(ctx)
	if err != nil {
		return err
	}
	objs, err := opts.listStore(ctx, store)
	if err != nil {
		return err
	}
	views := make([]ArchiveView, 0, len(objs))
	for _, o := range objs {
		format := backup.FormatNative
		if !o.Info.Native {
			format = backup.FormatAppsmithctl
		}
		views = append(views, ArchiveView{Location: o.Location, Time: o.Info.Time, Version: o.Info.Version, Size: o.Size,
			Encrypted: o.Info.Encrypted, Format: format, Drilled: drilled(st, o.Location)})
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Store     string             `json:"store"`
			Archives  []ArchiveView      `json:"archives"`
			LastDrill *state.DrillRecord `json:"last_drill,omitempty"`
		}{store.String(), views, lastDrill(st)})
	}
	if len(views) == 0 {
		fmt.Fprintf(opts.IO.Err, "No archives in %s.\n", store.String())
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME (UTC)\tVERSION\tSIZE\tDRILLED\tLOCATION")
	for _, v := range views {
		d := ""
		if v.Drilled {
			d = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.Time.UTC().Format("2006-01-02 15:04:05"), v.Version, progress.FormatBytes(v.Size), d, v.Location)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	now := opts.Deps.now()
	fmt.Fprintf(opts.IO.Err, "Last backup: %s ago. Last good restore drill: %s.\n", age(now, views[len(views)-1].Time), drillAge(now, st))
	return nil
}

func lastDrill(st *state.State) *state.DrillRecord {
	if st == nil || st.Backups == nil {
		return nil
	}
	return st.Backups.LastDrill
}

func drillAge(now time.Time, st *state.State) string {
	d := lastDrill(st)
	if d == nil {
		return "never (`appsmith backup verify ARCHIVE --drill` runs one)"
	}
	return age(now, d.At) + " ago"
}

// age is a duration for people: "3h", "2d".
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// BackupPruneOptions are `appsmith backup prune`'s.
type BackupPruneOptions struct {
	storeOptions
	Keep   backup.Keep
	DryRun bool
	JSON   bool
}

// NewCmdBackupPrune builds `backup prune`; runF replaces backupPruneRun.
func NewCmdBackupPrune(f *Factory, runF func(*BackupPruneOptions) error) *cobra.Command {
	opts := &BackupPruneOptions{storeOptions: storeOptions{IO: f.IO, Deps: f.Deps, Root: f.root}}
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Delete old archives: keep the newest N and the newest per day, week and month",
		Long: "Keeps the union of --keep-last N (the N newest) and the GFS rules (the newest archive of each of the\n" +
			"last N days, ISO weeks and months, in UTC); deletes the rest. It never deletes the only archive that\n" +
			"passed a restore drill. --dry-run lists what would go.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return backupPruneRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.From, "from", "", "a directory or s3://BUCKET/PREFIX (default <dir>/backups)")
	fl.IntVar(&opts.Keep.Last, "keep-last", 0, "keep the N newest archives")
	fl.IntVar(&opts.Keep.Daily, "keep-daily", 0, "keep the newest archive of each of the last N days")
	fl.IntVar(&opts.Keep.Weekly, "keep-weekly", 0, "keep the newest archive of each of the last N weeks")
	fl.IntVar(&opts.Keep.Monthly, "keep-monthly", 0, "keep the newest archive of each of the last N months")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list what would be deleted, delete nothing")
	fl.BoolVar(&opts.JSON, "json", false, "print what was kept and deleted as JSON")
	opts.S3.add(fl)
	return cmd
}

func backupPruneRun(ctx context.Context, opts *BackupPruneOptions) error {
	k := opts.Keep
	if err := k.Check(); err != nil {
		return engine.UsageError("backup prune: %v", err)
	}
	store, st, _, err := opts.openFrom(ctx)
	if err != nil {
		return err
	}
	objs, err := opts.listStore(ctx, store)
	if err != nil {
		return err
	}
	var drilledHere []string
	for _, o := range objs {
		if drilled(st, o.Location) {
			drilledHere = append(drilledHere, o.Location)
		}
	}
	protect := func(o backup.Object) bool { return len(drilledHere) == 1 && drilledHere[0] == o.Location }
	kept, removed, err := backup.Prune(objs, k, protect)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	var deleted []string
	for _, o := range removed {
		if !opts.DryRun {
			if err := store.Delete(ctx, o.Name); err != nil {
				return coreError(fmt.Errorf("deleting %s: %w (deleted before it: %d)", o.Location, err, len(deleted)))
			}
		}
		deleted = append(deleted, o.Location)
	}
	if opts.JSON {
		keptLocs := make([]string, len(kept))
		for i, o := range kept {
			keptLocs[i] = o.Location
		}
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"dry_run": opts.DryRun, "kept": keptLocs, "deleted": deleted})
	}
	verb := "deleted"
	if opts.DryRun {
		verb = "would delete"
	}
	for _, l := range deleted {
		fmt.Fprintf(opts.IO.Out, "%s %s\n", verb, l)
	}
	fmt.Fprintf(opts.IO.Err, "%s %d, kept %d archive(s) in %s.\n", verb, len(deleted), len(kept), store.String())
	return nil
}
