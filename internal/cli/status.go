package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// Status is the documented output of `appsmith status --json` (README.md).
// Fields are added, never renamed or removed.
type Status struct {
	State            string     `json:"state"`   // running, stopped, restarting, missing (container gone), not-installed, unknown (engine unreachable)
	Healthy          bool       `json:"healthy"` // health 200 and /info answered with the installed version
	Version          string     `json:"version"` // from /info when it answers, else the recorded one
	Image            string     `json:"image"`
	ImageDigest      string     `json:"image_digest"`
	ImageID          string     `json:"image_id"`
	Container        string     `json:"container"`
	ContainerID      string     `json:"container_id"`
	Dir              string     `json:"dir"`
	URL              string     `json:"url"`
	HTTPPort         int        `json:"http_port"`
	HTTPSPort        int        `json:"https_port"`
	BindAddress      string     `json:"bind_address"`
	StartedAt        *time.Time `json:"started_at,omitempty"`
	Restarts         int        `json:"restarts"`
	Problem          string     `json:"problem,omitempty"` // why it is not healthy
	InstallerVersion string     `json:"installer_version,omitempty"`
	Warnings         []string   `json:"warnings,omitempty"`   // such as a damaged appsmith.yaml
	Installing       bool       `json:"installing,omitempty"` // the first install was not seen ready yet
	// Database is embedded-postgresql, embedded-mongodb or external.
	Database string `json:"database,omitempty"`
	// Unfinished operations (a run killed half-way), each with the command
	// that finishes or undoes it; other changes are refused until then.
	Unfinished []Unfinished `json:"unfinished,omitempty"`
	// LastBackup and LastDrill: the newest backup this tool wrote and the
	// last restore drill that passed; absent when there was none.
	LastBackup *state.BackupRecord `json:"last_backup,omitempty"`
	LastDrill  *state.DrillRecord  `json:"last_drill,omitempty"`
	// RollbackPoint is what `appsmith rollback` goes back to, when an
	// upgrade left one.
	RollbackPoint *RollbackPoint `json:"rollback_point,omitempty"`
	// AutoUpdate is the auto-update window and channel ("" window: off)
	// and the last `upgrade --auto`; absent when never set up nor run.
	AutoUpdate *state.AutoUpdate `json:"auto_update,omitempty"`
	// Compose is the docker compose service an adopted instance is: compose,
	// not appsmith-install, recreates its container.
	Compose *state.ComposeService `json:"compose,omitempty"`
}

// RollbackPoint is the version before the last upgrade and its copy.
type RollbackPoint struct {
	Version string `json:"version"`
	Path    string `json:"path"`
	Bytes   int64  `json:"bytes"`
}

// Unfinished is an operation whose journal did not end.
type Unfinished struct {
	Operation string    `json:"operation"`
	Began     time.Time `json:"began"`
	Step      string    `json:"step,omitempty"` // the last step it announced
	Fix       string    `json:"fix,omitempty"`  // the command that finishes or undoes it
}

// StatusOptions are `appsmith status`'s.
type StatusOptions struct {
	IO   IO
	Deps Deps
	Root *rootOpts
	JSON bool
}

// NewCmdStatus builds `status`; runF replaces statusRun.
func NewCmdStatus(f *Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the state, health and version of the install (exit 0 healthy, 4 not ready, 5 not installed)",
		Long: "Shows the state, health and version of the install: its container on a host; on Kubernetes the Helm\n" +
			"release (revision, state, image tag, the chart's auto-update), its pods Ready out of those wanted, and the\n" +
			"version a Ready pod's /info reports through the API server. Unfinished operations are listed with the\n" +
			"command that ends them. Exit 0 healthy, 4 not ready, 5 not installed (on Kubernetes: Helm has no such\n" +
			"release), 1 the engine or cluster did not answer (--json: state unknown).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON (fields documented in README.md)")
	addDayTwoTargetFlags(cmd, f.root)
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	stdio := opts.IO
	s, err := kubeRecord(opts.Root, stdio)
	if err != nil {
		return err
	}
	if s != nil {
		return kubeStatusRun(opts, s)
	}
	in, err := locate(ctx, opts.Root, stdio, opts.Deps)
	if err != nil {
		// A script reading --json gets an object whatever happened; the
		// error still goes to stderr and sets the exit code.
		if opts.JSON && in != nil {
			if jerr := printJSON(stdio, in.failedStatus(err)); jerr != nil {
				return jerr
			}
		}
		return err
	}
	st := in.status(ctx, opts.Deps)
	if opts.JSON {
		if err := printJSON(stdio, st); err != nil {
			return err
		}
	} else {
		printStatus(stdio, st, opts.Deps.now())
	}
	if !st.Healthy {
		return exitSilentlyBecause(engine.ExitNotReady, "Appsmith is not healthy: state "+st.State+" (the status on stdout says more)")
	}
	return nil
}

func printJSON(stdio IO, v any) error {
	enc := json.NewEncoder(stdio.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// failedStatus is the status of an instance locate could not finish: not
// installed, or the engine unreachable (what the state file says is kept).
func (in *located) failedStatus(err error) Status {
	st := in.recorded()
	st.State, st.Problem = "unknown", err.Error()
	if in.state == nil {
		st.URL = "" // nothing says where it would be
	}
	if engine.ExitCode(err) == engine.ExitNotFound {
		st.State = "not-installed"
	}
	return st
}

// recorded is the status as far as the state file tells it.
func (in *located) recorded() Status {
	st := Status{State: "missing", Dir: in.dir, URL: in.baseURL() + "/", Warnings: in.warnings}
	st.Unfinished = unfinished(in.dir)
	st.Database = installDatabase(in.dir, in.state)
	if s := in.state; s != nil {
		st.Version, st.Image, st.ImageDigest, st.ImageID = s.Version, s.Image, s.ImageDigest, s.ImageID
		st.Container, st.ContainerID = s.Container, s.ContainerID
		st.HTTPPort, st.HTTPSPort, st.BindAddress, st.InstallerVersion = s.HTTPPort, s.HTTPSPort, s.BindAddress, s.InstallerVersion
		if s.Backups != nil {
			st.LastBackup, st.LastDrill = s.Backups.Last, s.Backups.LastDrill
		}
		st.AutoUpdate = s.AutoUpdate
		if s.Adopted != nil {
			st.Compose = s.Adopted.Compose
		}
		if rev, err := upgrade.Point(s); err == nil {
			st.RollbackPoint = &RollbackPoint{Version: rev.Version, Path: rev.RollbackPoint, Bytes: rev.RollbackBytes}
		}
	}
	return st
}

func (in *located) status(ctx context.Context, deps Deps) (st Status) {
	defer in.markInstalling(&st)
	st = in.recorded()
	c := in.c
	if c == nil {
		st.Problem = "the container is gone; `" + hint.Install(in.dir, "--yes") + "` recreates it on the same data"
		return st
	}
	st.Container, st.ContainerID, st.Image, st.ImageID, st.Restarts = c.Name, c.ID, c.Image, c.ImageID, c.Restarts
	p := instance.PublishedPorts(*c)
	if p.HTTPPort != 0 {
		st.HTTPPort, st.BindAddress = p.HTTPPort, p.BindAddress
	}
	if p.HTTPSPort != 0 {
		st.HTTPSPort = p.HTTPSPort
	}
	switch {
	case c.Running:
		st.State = "running"
		t := c.StartedAt.UTC()
		st.StartedAt = &t
	case c.State == "restarting":
		st.State = "restarting"
	default:
		st.State = "stopped"
		st.Problem = fmt.Sprintf("the container is %s (exit code %d); `%s` starts it", c.State, c.ExitCode, hint.Appsmith(in.dir, "start"))
		return st
	}
	want := ""
	if in.state != nil {
		want = in.state.Version
	}
	info, err := instance.Probe(ctx, httpClient(deps), in.baseURL(), want)
	if info.Version != "" {
		st.Version = info.Version
	}
	if err != nil {
		st.Problem = err.Error()
		return st
	}
	st.Healthy = true
	return st
}

func printStatus(stdio IO, st Status, now time.Time) {
	health := "not ready"
	if st.Installing {
		health = "first install not finished"
	}
	if st.Healthy {
		health = "healthy"
	}
	w := stdio.Out
	fmt.Fprintf(w, "Appsmith %s: %s, %s\n", orDash(st.Version), st.State, health)
	if st.Problem != "" {
		fmt.Fprintf(w, "  problem:    %s\n", st.Problem)
	}
	for _, u := range st.Unfinished {
		fmt.Fprintf(w, "  unfinished: %s, begun %s, stopped at %s: `%s` finishes or undoes it\n", u.Operation, u.Began.Local().Format(time.DateTime), orDash(u.Step), u.Fix)
	}
	fmt.Fprintf(w, "  url:        %s\n", st.URL)
	fmt.Fprintf(w, "  container:  %s %s\n", orDash(st.Container), short(st.ContainerID))
	fmt.Fprintf(w, "  image:      %s\n", orDash(st.Image))
	if st.ImageDigest != "" {
		fmt.Fprintf(w, "  digest:     %s\n", st.ImageDigest)
	}
	fmt.Fprintf(w, "  ports:      %s:%d (http), %s:%d (https)\n", st.BindAddress, st.HTTPPort, st.BindAddress, st.HTTPSPort)
	fmt.Fprintf(w, "  dir:        %s\n", st.Dir)
	if st.Database != "" {
		fmt.Fprintf(w, "  database:   %s\n", stacks.DatabaseLabel(st.Database))
	}
	if st.StartedAt != nil {
		fmt.Fprintf(w, "  up since:   %s (%d restarts)\n", st.StartedAt.Format(time.RFC3339), st.Restarts)
	}
	backups := "none taken by appsmith-install (`" + hint.Appsmith(st.Dir, "backup --passphrase-file FILE") + "`)"
	if b := st.LastBackup; b != nil {
		backups = fmt.Sprintf("last %s ago, %s (%s)", age(now, b.At), b.Location, progress.FormatBytes(b.Size))
	}
	fmt.Fprintf(w, "  backups:    %s\n", backups)
	drill := "never"
	if d := st.LastDrill; d != nil {
		drill = fmt.Sprintf("last passed %s ago (%s)", age(now, d.At), d.Duration.Round(time.Second))
	}
	fmt.Fprintf(w, "  drills:     %s\n", drill)
	if au := st.AutoUpdate; au != nil {
		fmt.Fprintf(w, "  auto-update: %s; last: %s\n", autoUpdateSettings(au), autoUpdateLine(au.Last, now))
	}
	if c := st.Compose; c != nil {
		fmt.Fprintf(w, "  compose:    service %q of project %q%s (compose recreates the container)\n", c.Service, c.Project, composeFileNote(c))
	}
	if r := st.RollbackPoint; r != nil {
		fmt.Fprintf(w, "  rollback:   to %s with %s (%s): `%s`\n", r.Version, r.Path, progress.FormatBytes(r.Bytes), hint.Appsmith(st.Dir, "rollback"))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func short(id string) string {
	if len(id) > 12 {
		return "(" + id[:12] + ")"
	}
	if id == "" {
		return ""
	}
	return "(" + id + ")"
}

func unfinished(dir string) []Unfinished {
	js, err := engine.Unfinished(instance.Layout{Dir: dir}.Journal())
	if err != nil {
		return []Unfinished{{Operation: "unreadable journal: " + err.Error()}}
	}
	var out []Unfinished
	for _, j := range js {
		u := Unfinished{Operation: j.Op(), Began: j.Began(), Step: j.LastStep()}
		if c := j.Meta()["recover"]; c != "" {
			u.Fix = hint.Appsmith(dir, c)
		}
		out = append(out, u)
	}
	return out
}
