package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// versionInfo is `appsmith version --json`: the installer's build, and the
// Appsmith recorded in the install dir when there is one.
type versionInfo struct {
	buildinfo.Info
	Appsmith *installedVersion `json:"appsmith,omitempty"`
}

type installedVersion struct {
	Version string `json:"version"`
	Image   string `json:"image"`
	Dir     string `json:"dir"`
}

func newVersionCmd(ro *rootOpts, stdio IO) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the installer's version, and the Appsmith installed in --dir",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			v := versionInfo{Info: buildinfo.Get()}
			// From the state file only: `version` must answer without Docker.
			if dir, _, err := ro.givenDir(stdio); err == nil {
				if dir == "" {
					dir = hint.DefaultDir
				}
				if s, err := state.Load(dir); err == nil && !s.Installing() { // no version before it was seen ready
					v.Appsmith = &installedVersion{Version: s.Version, Image: s.Image, Dir: dir}
				}
			}
			if asJSON {
				return json.NewEncoder(stdio.Out).Encode(v)
			}
			commit := v.Commit
			if len(commit) > 12 {
				commit = commit[:12]
			}
			fmt.Fprintf(stdio.Out, "appsmith-install %s (commit %s, %s, %s)\n", v.Version, orDash(commit), v.GoVersion, v.Platform)
			if a := v.Appsmith; a != nil {
				fmt.Fprintf(stdio.Out, "Appsmith %s in %s (%s)\n", a.Version, a.Dir, a.Image)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
