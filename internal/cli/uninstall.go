package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// UninstallOptions are `appsmith uninstall`'s.
type UninstallOptions struct {
	IO    IO
	Deps  Deps
	Root  *rootOpts
	Purge bool // also delete what appsmith-install created in the dir
	Yes   bool // do not ask before Purge
	// DeleteAdopted: with Purge, also delete the data of an adopted
	// instance, which was there before this tool.
	DeleteAdopted bool
}

// NewCmdUninstall builds `uninstall`; runF replaces uninstallRun.
func NewCmdUninstall(f *Factory, runF func(*UninstallOptions) error) *cobra.Command {
	opts := &UninstallOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove the container and the appsmith link; keep the data unless --purge",
		Long: "Removes the container, and the `appsmith` link when no other install uses it. The install dir (data,\n" +
			"secrets, backups) is kept, so `appsmith-install --yes --dir DIR` brings the same instance back.\n" +
			"--purge also deletes what appsmith-install created in the install dir (stacks/, backups/, journal/,\n" +
			"appsmith.yaml), and the dir itself when nothing else is left in it; other files there are kept.\n" +
			"On an adopted instance (`appsmith adopt`) it keeps what was there before the adopt (the stacks),\n" +
			"unless --delete-adopted-data is given too.\n" +
			"On Kubernetes it uninstalls the Helm release and removes appsmith.yaml; the data claim (Helm never deletes\n" +
			"a StatefulSet's claims; annotated helm.sh/resource-policy: keep) and the Secret with the encryption keys\n" +
			"stay, so a later install into the namespace reuses both (--purge is refused there: delete them with kubectl).\n" +
			"It lists what it deletes and asks first, or needs --yes when there is no terminal.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return uninstallRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Purge, "purge", false, "also delete what appsmith-install created in the install dir: all data and secrets")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before --purge")
	cmd.Flags().BoolVar(&opts.DeleteAdopted, "delete-adopted-data", false, "with --purge on an adopted instance: also delete the stacks it had before it was adopted")
	addDayTwoTargetFlags(cmd, f.root)
	return cmd
}

func uninstallRun(ctx context.Context, opts *UninstallOptions) error {
	stdio, deps := opts.IO, opts.Deps
	if opts.DeleteAdopted && !opts.Purge {
		return engine.UsageError("--delete-adopted-data goes with --purge")
	}
	s, err := kubeRecord(opts.Root, stdio)
	if err != nil {
		return err
	}
	if s != nil {
		return kubeUninstallRun(opts, s)
	}
	in, err := locateForChange(ctx, opts.Root, stdio, deps)
	if err != nil {
		return err
	}
	defer in.release()
	var content install.DirContent
	var keep []string // an adopted instance's data: not this tool's to delete
	if opts.Purge {
		if content, err = install.InspectDir(in.dir); err != nil {
			return err
		}
		keep = adoptedKeep(in.state, content.Owned, opts.DeleteAdopted)
		content = content.Keeping(keep)
		if !opts.Yes {
			if err := confirmPurge(stdio, deps, in.dir, content); err != nil {
				return err
			}
		}
	}
	var steps []engine.Step
	if cs := in.composeManaged(); cs != nil {
		fmt.Fprintf(stdio.Err, "Leaving the container %s to docker compose (service %q of project %q), which made it: `docker compose down` removes it.\n", in.c.Name, cs.Service, cs.Project)
	} else if in.c != nil {
		c := in.c
		steps = append(steps, engine.Step{ID: "remove", Title: "Remove the container " + c.Name, Cause: "uninstall",
			Run: func(ctx context.Context, _ engine.Reporter) error {
				if c.Running {
					if err := in.d.ContainerStop(ctx, c.ID, stopTimeout); err != nil {
						return err
					}
				}
				return in.d.ContainerRemove(ctx, c.ID)
			}})
	}
	if in.state != nil {
		link, others, err := install.RemovableLink(ctx, in.d, in.dir, in.state.Link, deps.Host.Executable)
		if err != nil {
			return err
		}
		if link != "" {
			steps = append(steps, engine.Step{ID: "unlink", Title: "Remove the link " + link, Cause: "it points at this installer and no other install uses it",
				Run: func(context.Context, engine.Reporter) error { return os.Remove(link) }})
		} else if len(others) > 0 {
			fmt.Fprintf(stdio.Err, "Keeping the link %s: the Appsmith install in %s may use it.\n", in.state.Link, strings.Join(others, ", "))
		}
	}
	if opts.Purge && len(content.Owned) > 0 {
		steps = append(steps, engine.Step{ID: "purge", Title: "Delete " + ownedList(content) + " from " + in.dir, Cause: purgeCause(content),
			Run: func(context.Context, engine.Reporter) error { _, err := install.Purge(in.dir, keep...); return err }})
	}
	if err := runPlan(ctx, opts.Root, stdio, in, engine.Plan{Name: "uninstall", Steps: steps}); err != nil {
		return err
	}
	if len(keep) > 0 {
		fmt.Fprintf(stdio.Err, "Kept %s: it was there before `appsmith adopt`, so it is not appsmith-install's to delete. "+
			"Delete it by hand once you are sure (`sudo rm -rf %s`), or run uninstall --purge --delete-adopted-data.\n",
			strings.Join(keptPaths(in.dir, keep), ", "), strings.Join(keptPaths(in.dir, keep), " "))
	}
	if foreign := slices.DeleteFunc(slices.Clone(content.Foreign), func(n string) bool { return slices.Contains(keep, n) }); opts.Purge && len(foreign) > 0 {
		fmt.Fprintf(stdio.Err, "Kept %s with what appsmith-install did not create in it: %s\n", in.dir, strings.Join(foreign, ", "))
	}
	if !opts.Purge {
		fmt.Fprintf(stdio.Err, "The data is kept in %s; `appsmith-install --yes --dir %s` brings it back.\n", in.dir, in.dir)
	}
	return nil
}

// confirmPurge lists what --purge deletes and what it keeps, and asks; with
// no terminal to ask on, --yes is needed.
func confirmPurge(stdio IO, deps Deps, dir string, c install.DirContent) error {
	if !canPrompt(stdio) {
		return engine.UsageError("--purge deletes %s from %s with all data and secrets: pass --yes to confirm (there is no terminal to ask on, or --progress json)", ownedList(c), dir)
	}
	fmt.Fprintf(stdio.Err, "--purge deletes from %s every app, datasource credential and backup of this instance:\n", dir)
	for _, n := range c.Owned {
		fmt.Fprintf(stdio.Err, "  %s", filepath.Join(dir, n))
		if n == instance.BackupsDir {
			if k := archivesIn(filepath.Join(dir, n)); k > 0 {
				fmt.Fprintf(stdio.Err, "  — with %s: copy them elsewhere first to keep them", plural(k, "backup archive"))
			}
		}
		fmt.Fprintln(stdio.Err)
	}
	if len(c.Foreign) > 0 {
		fmt.Fprintf(stdio.Err, "It keeps what appsmith-install did not create: %s (so %s stays).\n", strings.Join(c.Foreign, ", "), dir)
	} else {
		fmt.Fprintf(stdio.Err, "and then %s itself, which holds nothing else.\n", dir)
	}
	ok, err := deps.confirm(stdio, "Delete them for good?")
	if err != nil || !ok {
		return engine.Errorf(engine.ExitFailure, "", "not confirmed: nothing was changed")
	}
	return nil
}

// archivesIn counts the backup archives in dir.
func archivesIn(dir string) int {
	es, _ := os.ReadDir(dir)
	n := 0
	for _, e := range es {
		if _, ok := backup.ParseName(e.Name()); ok && !e.IsDir() {
			n++
		}
	}
	return n
}

// ownedList names the entries --purge deletes: "stacks/, appsmith.yaml".
func ownedList(c install.DirContent) string {
	names := make([]string, len(c.Owned))
	for i, n := range c.Owned {
		names[i] = n
		if n != state.FileName && !strings.HasPrefix(n, ".") {
			names[i] += "/"
		}
	}
	return strings.Join(names, ", ")
}

func purgeCause(c install.DirContent) string {
	if len(c.Foreign) > 0 {
		return "--purge; kept: " + strings.Join(c.Foreign, ", ") + " (not created by appsmith-install)"
	}
	return "--purge; the dir goes too: nothing else is in it"
}

// confirm asks a yes/no question on the terminal.
func confirm(stdio IO, question string) (bool, error) {
	fmt.Fprintf(stdio.Err, "%s [y/N] ", question)
	line, err := bufio.NewReader(stdio.In).ReadString('\n')
	if err != nil && line == "" {
		return false, err
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// adoptedKeep names what --purge keeps of an adopted instance: what was in
// the dir before the adopt (the stacks always: adopt needs them; older
// state files did not record the rest).
func adoptedKeep(s *state.State, owned []string, deleteAdopted bool) []string {
	if s == nil || s.Adopted == nil || deleteAdopted {
		return nil
	}
	var keep []string
	for _, n := range owned {
		if n == instance.StacksDir || slices.Contains(s.Adopted.Preexisting, n) {
			keep = append(keep, n)
		}
	}
	return keep
}

func keptPaths(dir string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(dir, n)
	}
	return out
}
