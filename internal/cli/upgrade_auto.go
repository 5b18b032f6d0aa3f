package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// Outcomes of `upgrade --auto`, as appsmith.yaml and status show them.
const (
	autoDone       = "done"
	autoRolledBack = "rolled_back"
	autoFailed     = "failed"
	autoNothing    = "nothing-to-do"
)

// autoUpgradeRun is `upgrade --auto`: the newest version of the channel,
// a backup first when a passphrase file is known, the upgrade (which
// rolls itself back), and the outcome recorded whatever it was.
//
// Without a passphrase file it goes on without a backup, and records that
// none was taken: the upgrade's own copy of the stacks, finished while
// Appsmith is stopped, is a restore point of the same moment (what a
// failed hop rolls back to, and what `appsmith rollback` uses). A backup
// that was asked for and failed stops it: something is wrong (a disk, a
// bucket) that an unattended upgrade should not run into.
func autoUpgradeRun(ctx context.Context, opts *UpgradeOptions) error {
	if opts.Target != "" || opts.Plan || opts.Resume || opts.JSON {
		return engine.UsageError("--auto takes no VERSION, --plan, --json or --resume: it picks the newest version of the auto-update channel")
	}
	stdio, deps := opts.IO, opts.Deps
	mode, err := progress.ParseMode(opts.Root.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	say := func(format string, a ...any) {
		if mode != progress.ModeQuiet && mode != progress.ModeJSON { // stderr is NDJSON then
			fmt.Fprintf(stdio.Err, format, a...)
		}
	}
	in, err := locateContainer(ctx, opts.Root, stdio, deps)
	if err != nil {
		return err
	}
	opts.Root.usedDir = in.dir
	rec := state.AutoUpdateRecord{At: deps.now().UTC()}
	channel := upgrade.ChannelPatch
	if in.state != nil && in.state.AutoUpdate != nil && in.state.AutoUpdate.Channel != "" {
		channel = in.state.AutoUpdate.Channel
	}
	finish := func(outcome string, err error) error {
		rec.Outcome = outcome
		if err != nil {
			rec.Error = err.Error()
		}
		recordAutoUpdate(stdio, in.dir, rec)
		return err
	}
	if !in.c.Running {
		return finish(autoFailed, engine.Errorf(engine.ExitPreflight, "`"+hint.Appsmith(in.dir, "start")+"` starts it",
			"Appsmith (%s) is not running: an upgrade starts from a running, ready instance", in.name()))
	}
	ui := upgradeInstance(ctx, in, deps, opts.Timeout)
	rec.From = ui.Version
	if ui.Version == "" {
		return finish(autoFailed, engine.Errorf(engine.ExitPreflight, "`"+hint.Appsmith(in.dir, "status")+"` shows why",
			"Appsmith does not answer at %s: an upgrade starts from a ready instance", in.baseURL()))
	}
	tags, err := deps.tags(ctx, instance.Repository(in.c.Image))
	if err != nil {
		return finish(autoFailed, engine.Errorf(engine.ExitPreflight, "check the registry is reachable (a mirror: the instance's image names it)",
			"listing the tags of %s: %v", instance.Repository(in.c.Image), err))
	}
	target, err := upgrade.ChannelTarget(ui.Version, tags, channel)
	if err != nil {
		return finish(autoFailed, engine.Errorf(engine.ExitPreflight, "", "%v", err))
	}
	if target == "" {
		say("Appsmith %s in %s is the newest of channel %s: nothing to do.\n", ui.Version, in.dir, channel)
		return finish(autoNothing, nil)
	}
	rec.To = target
	say("Auto-update of %s: %s → %s (channel %s).\n", in.dir, ui.Version, target, channel)

	if pass := autoPassphraseFile(stdio, in.dir); pass != "" {
		bo := &BackupOptions{IO: IO{In: stdio.In, Out: stdio.Err, Err: stdio.Err, Getenv: stdio.Getenv}, Deps: deps, Root: opts.Root,
			PassphraseFile: pass, Format: backup.FormatNative, Timeout: opts.Timeout}
		if err := backupRun(ctx, bo); err != nil {
			return finish(autoFailed, fmt.Errorf("the backup before the upgrade failed, nothing was upgraded: %w", err))
		}
		if st, err := state.Load(in.dir); err == nil && st.Backups != nil && st.Backups.Last != nil {
			rec.Backup = st.Backups.Last.Location
		}
	} else {
		say("No backup passphrase file (%s, or a backup schedule's): no backup taken; the upgrade's copy of the stacks is the rollback point.\n", passphraseEnv)
	}

	up := *opts
	up.Auto, up.Target, up.Yes = false, target, true
	err = upgradeRun(ctx, &up)
	switch {
	case err == nil:
		return finish(autoDone, nil)
	case errors.Is(err, upgrade.ErrRolledBack):
		return finish(autoRolledBack, err)
	}
	return finish(autoFailed, err)
}

// recordAutoUpdate writes the outcome into appsmith.yaml, read afresh: the
// backup and the upgrade wrote it meanwhile.
func recordAutoUpdate(stdio IO, dir string, rec state.AutoUpdateRecord) {
	st, err := state.Load(dir)
	if err == nil {
		if st.AutoUpdate == nil {
			st.AutoUpdate = &state.AutoUpdate{}
		}
		st.AutoUpdate.Last = &rec
		err = state.Save(dir, st)
	}
	if err != nil {
		fmt.Fprintf(stdio.Err, "warning: %s could not record the auto-update's outcome (%s): %v\n", state.Path(dir), rec.Outcome, err)
	}
}

// autoPassphraseFile is the backup passphrase file: the environment's
// (the auto-update timer sets it), else the one the backup schedule of dir
// names.
func autoPassphraseFile(stdio IO, dir string) string {
	if p := stdio.Getenv(passphraseEnv); p != "" {
		return p
	}
	f := filesFor("/", dir)
	for _, path := range []string{f.service, f.cron} {
		if p := envInFile(path, passphraseEnv); p != "" {
			return p
		}
	}
	return ""
}

// envInFile reads NAME=VALUE from a unit's Environment= line (as
// systemdQuote wrote it) or a cron file's variable line.
func envInFile(path, name string) string {
	fh, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimPrefix(line, "Environment=")
		if len(line) > 1 && line[0] == '"' && line[len(line)-1] == '"' {
			line = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `$$`, `$`, `%%`, `%`).Replace(line[1 : len(line)-1])
		}
		if v, ok := strings.CutPrefix(line, name+"="); ok {
			return v
		}
	}
	return ""
}
