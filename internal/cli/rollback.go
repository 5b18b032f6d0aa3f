package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// RollbackOptions are `appsmith rollback`'s.
type RollbackOptions struct {
	IO      IO
	Deps    Deps
	Root    *rootOpts
	Yes     bool
	Timeout time.Duration
}

// NewCmdRollback builds `rollback`; runF replaces rollbackRun.
func NewCmdRollback(f *Factory, runF func(*RollbackOptions) error) *cobra.Command {
	opts := &RollbackOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "rollback",
		Short: "Go back to the version before the last upgrade, with the copy of the stacks it took",
		Long: "After a successful `appsmith upgrade`, goes back to the version that ran before it, on the copy of the\n" +
			"stacks the upgrade took (migrations are one-way: the data goes back with the image). Data written since\n" +
			"the upgrade is not in that copy: the current stacks are moved aside (kept, not deleted), and the rollback\n" +
			"asks first, or needs --yes. Any failure puts the upgraded instance back (exit 1).\n" +
			"On Kubernetes (needs --yes) it goes back one Helm revision, waits for the pods on the old tag, and puts\n" +
			"back the data the last upgrade snapshotted when the snapshot is of that version (the newer data are\n" +
			"backed up first); without one the data stay as the newer version left them, and it says so.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return rollbackRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask (data written since the upgrade is set aside)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", install.Defaults().Timeout, "how long to wait for the old version to be ready")
	addDayTwoTargetFlags(cmd, f.root)
	return cmd
}

func rollbackRun(ctx context.Context, opts *RollbackOptions) error {
	stdio, deps := opts.IO, opts.Deps
	mode, err := progress.ParseMode(opts.Root.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	s, err := kubeRecord(opts.Root, stdio)
	if err != nil {
		return err
	}
	if s != nil {
		return kubeRollbackRun(ctx, opts, s)
	}
	in, err := locateContainerForChange(ctx, opts.Root, stdio, deps)
	if err != nil {
		return err
	}
	defer in.release()
	opts.Root.usedDir = in.dir
	if in.state == nil {
		return engine.Errorf(engine.ExitPreflight, "", "%s cannot be read: it records what a rollback goes back to", in.dir+"/appsmith.yaml")
	}
	rev, err := upgrade.Point(in.state)
	if errors.Is(err, upgrade.ErrNoRollbackPoint) {
		return engine.Errorf(engine.ExitPreflight, "restore a backup instead (`"+hint.Appsmith(in.dir, "backup list")+"` lists them)", "%v", err)
	}
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "restore a backup of "+rev.Version+" instead", "%v", err)
	}
	ui := upgradeInstance(ctx, in, deps, opts.Timeout)
	if ui.Version == "" {
		ui.Version = in.state.Version
	}
	question := fmt.Sprintf("Go back from %s to %s, on the stacks copied before %q? Data written since then is set aside in %s.",
		ui.Version, rev.Version, rev.Operation, filepath.Join(filepath.Dir(rev.RollbackPoint), "stacks-at-rollback"))
	if !opts.Yes {
		if !canPrompt(stdio) {
			return engine.UsageError("rollback to %s sets aside the data written since the upgrade: pass --yes to go ahead (there is no terminal to ask on)", rev.Version)
		}
		ok, err := deps.confirm(stdio, question)
		if err != nil || !ok {
			return engine.Errorf(engine.ExitUsage, "", "rollback cancelled: nothing was changed")
		}
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	err = upgrade.Rollback(ctx, ui, rev, sink)
	_ = sink.Close()
	if err != nil {
		return err
	}
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(stdio.Err, "Appsmith %s is ready in %s again. The stacks of %s are kept in %s.\n", rev.Version, in.dir, ui.Version, filepath.Join(filepath.Dir(rev.RollbackPoint), "stacks-at-rollback"))
	}
	return nil
}
