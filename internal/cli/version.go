package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

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
	Update   *updateCheck      `json:"update,omitempty"` // with --check
}

type installedVersion struct {
	Version string `json:"version"`
	Image   string `json:"image"`
	Dir     string `json:"dir"`
}

// VersionOptions are `appsmith version`'s: it needs no Docker.
type VersionOptions struct {
	IO    IO
	Root  *rootOpts
	HTTP  *http.Client
	JSON  bool
	Check bool
}

// NewCmdVersion builds `version`; runF replaces versionRun.
func NewCmdVersion(f *Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IO, Root: f.root, HTTP: f.Deps.Host.HTTP}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the installer's version, and the Appsmith installed in --dir",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&opts.Check, "check", false, "also ask the project's releases (or APPSMITH_RELEASES_URL) whether a newer appsmith-install exists; only when asked")
	return cmd
}

func versionRun(ctx context.Context, opts *VersionOptions) error {
	stdio := opts.IO
	v := versionInfo{Info: buildinfo.Get()}
	if opts.Check {
		url := releasesURL
		if u := stdio.Getenv("APPSMITH_RELEASES_URL"); u != "" {
			url = u
		}
		u, err := checkForUpdate(ctx, opts.HTTP, url, v.Version)
		if err != nil {
			return err
		}
		v.Update = u
	}
	// From the state file only: `version` must answer without Docker.
	if dir, _, err := opts.Root.givenDir(stdio); err == nil {
		if dir == "" {
			dir = hint.DefaultDir
		}
		if s, err := state.Load(dir); err == nil && !s.Installing() { // no version before it was seen ready
			v.Appsmith = &installedVersion{Version: s.Version, Image: s.Image, Dir: dir}
		}
	}
	if opts.JSON {
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
	if v.Update != nil {
		printUpdate(stdio.Out, v.Update, v.Version)
	}
	return nil
}
