package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
)

func newVersionCmd(stdio IO) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the installer's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			bi := buildinfo.Get()
			if asJSON {
				return json.NewEncoder(stdio.Out).Encode(bi)
			}
			commit := bi.Commit
			if len(commit) > 12 {
				commit = commit[:12]
			}
			_, err := fmt.Fprintf(stdio.Out, "appsmith-install %s (commit %s, %s, %s)\n", bi.Version, orDash(commit), bi.GoVersion, bi.Platform)
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
