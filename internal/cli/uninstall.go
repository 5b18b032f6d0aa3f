package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

func newUninstallCmd(ro *rootOpts, stdio IO, deps Deps) *cobra.Command {
	var purge, yes bool
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove the container and the appsmith link; keep the data unless --purge",
		Long: "Removes the container and the `appsmith` link. The install dir (data, secrets, backups) is kept,\n" +
			"so `appsmith-install --yes --dir DIR` brings the same instance back. --purge also deletes the install\n" +
			"dir: it asks first, or needs --yes when there is no terminal.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := locate(cmd.Context(), ro, stdio, deps)
			if err != nil {
				return err
			}
			if purge && !yes {
				if !stdio.IsTTY {
					return engine.UsageError("--purge deletes %s with all data and secrets: pass --yes to confirm (there is no terminal to ask on)", in.dir)
				}
				fmt.Fprintf(stdio.Err, "--purge deletes %s: every app, datasource credential and backup in it.\n", in.dir)
				ok, err := confirm(stdio, "Delete it for good?")
				if err != nil || !ok {
					return engine.Errorf(engine.ExitFailure, "", "not confirmed: nothing was changed")
				}
			}
			var steps []engine.Step
			if in.c != nil {
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
			if link := in.ownLink(); link != "" {
				steps = append(steps, engine.Step{ID: "unlink", Title: "Remove the link " + link, Cause: "it points at this installer",
					Run: func(context.Context, engine.Reporter) error { return os.Remove(link) }})
			}
			if purge {
				steps = append(steps, engine.Step{ID: "purge", Title: "Delete " + in.dir, Cause: "--purge",
					Run: func(context.Context, engine.Reporter) error { return os.RemoveAll(in.dir) }})
			}
			if err := runPlan(cmd.Context(), ro, stdio, in.dir, engine.Plan{Name: "uninstall", Steps: steps}); err != nil {
				return err
			}
			if !purge {
				fmt.Fprintf(stdio.Err, "The data is kept in %s; `appsmith-install --yes --dir %s` brings it back.\n", in.dir, in.dir)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&purge, "purge", false, "also delete the install dir with all data and secrets")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask before --purge")
	return cmd
}

func (in *instance) ownLink() string {
	if in.state == nil {
		return ""
	}
	return install.OwnLink(in.state.Link)
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
