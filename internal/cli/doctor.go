package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/internal/doctor"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// DoctorOptions are `appsmith doctor`'s.
type DoctorOptions struct {
	IO   IO
	Deps Deps
	Root *rootOpts
	JSON bool
}

// NewCmdDoctor builds `doctor`; runF replaces doctorRun.
func NewCmdDoctor(f *Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Look for what breaks instances, each finding with its fix (exit 0 ok, 6 warnings, 1 failures)",
		Long: "Checks the Docker Engine, this machine and the install (ports, disk, memory, AVX, DNS, certificates,\n" +
			"CA roots, docker.env, versions, backups, unfinished operations, restart policy) and prints each\n" +
			"finding with the command that fixes it. It changes nothing. README.md's Troubleshooting section lists\n" +
			"the checks and documents --json.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, `print {"findings": [...], "worst": ...} (documented in README.md)`)
	return cmd
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	e, err := doctorEnv(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	r := doctor.Run(ctx, e)
	if opts.JSON {
		if err := printJSON(opts.IO, r); err != nil {
			return err
		}
	} else {
		printDoctor(opts.IO, r)
	}
	if code := r.ExitCode(); code != engine.ExitOK {
		return exitSilentlyBecause(code, doctorWhy(r))
	}
	return nil
}

// doctorEnv finds the install as every day-two command does, but goes on
// without an engine or an install: the machine's checks still run.
func doctorEnv(ctx context.Context, ro *rootOpts, stdio IO, deps Deps) (*doctor.Env, error) {
	in, err := locate(ctx, ro, stdio, deps)
	if in == nil || in.dir == "" || engine.ExitCode(err) == engine.ExitUsage {
		return nil, err
	}
	e := &doctor.Env{
		Dir:       in.dir,
		Installed: in.state != nil || in.c != nil || holdsInstall(in.dir),
		State:     in.state,
		Container: in.c,
		Now:       deps.now(),
		Host: doctor.Host{
			DiskFree:   deps.Host.DiskFree,
			HasAVX:     deps.Host.HasAVX,
			PortFree:   deps.Host.PortFree,
			LookupHost: deps.Host.LookupHost,
			HostIPs:    deps.Host.PublicIPs,
		},
	}
	if in.d != nil {
		e.Engine = in.d
	} else if _, derr := deps.Docker(ctx); derr != nil {
		e.DockerErr = derr
	}
	want := ""
	if in.state != nil {
		want = in.state.Version
	}
	e.InfoVersion = func(ctx context.Context) (string, error) {
		info, err := instance.Probe(ctx, httpClient(deps), in.baseURL(), want)
		if info.Version != "" {
			err = nil // a version other than the recorded one is the version check's finding
		}
		return info.Version, err
	}
	return e, nil
}

func printDoctor(stdio IO, r doctor.Report) {
	w := stdio.Out
	counts := map[doctor.Status]int{}
	fs := r.Findings
	for i := 0; i < len(fs); i++ {
		f := fs[i]
		counts[f.Status]++
		// Checks that say the same ("not installed") are one line.
		ids := f.ID
		for i+1 < len(fs) && fs[i+1].Status == f.Status && fs[i+1].Message == f.Message && fs[i+1].Fix == f.Fix {
			i++
			counts[f.Status]++
			ids += ", " + fs[i].ID
		}
		if ids != f.ID {
			fmt.Fprintf(w, "%-5s %s: %s\n", strings.ToUpper(string(f.Status)), ids, f.Message)
			continue
		}
		fmt.Fprintf(w, "%-5s %-16s %s\n", strings.ToUpper(string(f.Status)), f.ID, f.Message)
		if f.Path != "" && f.Status != doctor.OK && !strings.Contains(f.Message, f.Path) {
			fmt.Fprintf(w, "      %-16s at %s\n", "", f.Path)
		}
		if f.Fix != "" && (f.Status == doctor.Warn || f.Status == doctor.Fail || f.Status == doctor.Info) {
			fmt.Fprintf(w, "      %-16s fix: %s\n", "", f.Fix)
		}
	}
	fmt.Fprintf(w, "\n%s, %s, %s\n", plural(counts[doctor.Fail], "failure"), plural(counts[doctor.Warn], "warning"), plural(counts[doctor.Info], "note"))
}

// SupportBundleOptions are `appsmith support-bundle`'s.
type SupportBundleOptions struct {
	IO     IO
	Deps   Deps
	Root   *rootOpts
	Output string
}

// NewCmdSupportBundle builds `support-bundle`; runF replaces supportBundleRun.
func NewCmdSupportBundle(f *Factory, runF func(*SupportBundleOptions) error) *cobra.Command {
	opts := &SupportBundleOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "support-bundle",
		Short: "Write doctor's findings, logs and redacted configuration into one tar.gz to share with a helper",
		Long: "Writes a tar.gz (mode 0600) with doctor's JSON, the Engine's info, the container's inspect (environment\n" +
			"values hidden), docker.env with every secret replaced by <redacted>, appsmith.yaml, the journals and\n" +
			"the newest logs of each program. Private keys are never included; every secret known is scrubbed from\n" +
			"every file. Read it before you share it.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return supportBundleRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "file to write (default ./appsmith-support-<host>-<UTC time>.tar.gz)")
	return cmd
}

func supportBundleRun(ctx context.Context, opts *SupportBundleOptions) error {
	out := opts.Output
	now := opts.Deps.now()
	if out == "" {
		host, _ := os.Hostname()
		out = fmt.Sprintf("appsmith-support-%s-%s.tar.gz", orDash(host), now.UTC().Format("20060102T150405Z"))
	}
	if fi, err := os.Stat(filepath.Dir(out)); err != nil || !fi.IsDir() {
		return engine.UsageError("-o %s: the directory %s does not exist", out, filepath.Dir(out))
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return engine.UsageError("-o %s is a directory: name the file to write", out)
	}
	e, err := doctorEnv(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	r := doctor.Run(ctx, e)
	f, err := fsutil.CreateAtomic(out, 0o600)
	if err != nil {
		return &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "name a file in a directory this user can write with -o FILE"}
	}
	defer f.Abort()
	if err := doctor.WriteBundle(ctx, f, e, doctor.BundleOptions{Report: r, Environ: os.Environ()}); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if err := f.Commit(); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, out)
	fmt.Fprintf(opts.IO.Err, "Wrote %s (doctor: worst finding %s). Secrets are replaced by %s; read it before you share it.\n", out, r.Worst, doctor.Marker)
	return nil
}

// doctorWhy names the worst findings, for --progress json's events (the
// report itself went to stdout).
func doctorWhy(r doctor.Report) string {
	var titles []string
	for _, f := range r.Findings {
		if f.Status == r.Worst {
			titles = append(titles, f.Title)
		}
	}
	kind := "failure"
	if r.Worst == doctor.Warn {
		kind = "warning"
	}
	return fmt.Sprintf("doctor found %s: %s", plural(len(titles), kind), strings.Join(titles, "; "))
}
