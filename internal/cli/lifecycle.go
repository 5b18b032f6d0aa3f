package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/lock"
	"github.com/appsmith-install/appsmith-install/internal/progress"
)

// stopTimeout: Appsmith's backend and embedded databases need time to flush;
// a kill after a short timeout risks the data this tool exists to protect.
// The container carries the same value for stops the engine makes itself.
const stopTimeout = install.StopTimeout

// StartOptions are `appsmith start`'s.
type StartOptions struct {
	IO      IO
	Deps    Deps
	Root    *rootOpts
	Timeout time.Duration
}

// NewCmdStart builds `start`; runF replaces startRun (tests check the flags
// parsed into the options).
func NewCmdStart(f *Factory, runF func(*StartOptions) error) *cobra.Command {
	opts := &StartOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the container and wait until Appsmith is ready",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return startRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", install.Defaults().Timeout, "how long to wait for Appsmith to become ready")
	return cmd
}

func startRun(ctx context.Context, opts *StartOptions) error {
	in, err := locateContainerForChange(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	defer in.release()
	var steps []engine.Step
	if !in.c.Running {
		steps = append(steps, in.startStep("the container is "+in.c.State))
	}
	steps = append(steps, in.readyStep(opts.Deps, opts.Timeout))
	return runPlan(ctx, opts.Root, opts.IO, in, engine.Plan{Name: "start", Steps: steps})
}

// StopOptions are `appsmith stop`'s.
type StopOptions struct {
	IO   IO
	Deps Deps
	Root *rootOpts
}

// NewCmdStop builds `stop`; runF replaces stopRun.
func NewCmdStop(f *Factory, runF func(*StopOptions) error) *cobra.Command {
	opts := &StopOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop the container (it stays stopped across reboots until `appsmith start`)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return stopRun(cmd.Context(), opts)
		},
	}
}

func stopRun(ctx context.Context, opts *StopOptions) error {
	in, err := locateContainerForChange(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	defer in.release()
	if !in.c.Running {
		fmt.Fprintf(opts.IO.Err, "%s is already stopped\n", in.name())
		return nil
	}
	return runPlan(ctx, opts.Root, opts.IO, in, engine.Plan{Name: "stop", Steps: []engine.Step{in.stopStep("asked to")}})
}

// RestartOptions are `appsmith restart [PROGRAM]`'s.
type RestartOptions struct {
	IO      IO
	Deps    Deps
	Root    *rootOpts
	Program string // "": the whole container
	Timeout time.Duration
}

// NewCmdRestart builds `restart`; runF replaces restartRun.
func NewCmdRestart(f *Factory, runF func(*RestartOptions) error) *cobra.Command {
	opts := &RestartOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "restart [PROGRAM]",
		Short: "Restart the container, or one program inside it (supervisorctl restart PROGRAM)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Program = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return restartRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", install.Defaults().Timeout, "how long to wait for Appsmith to become ready")
	return cmd
}

func restartRun(ctx context.Context, opts *RestartOptions) error {
	in, err := locateContainerForChange(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	defer in.release()
	var steps []engine.Step
	switch {
	case opts.Program != "":
		if !in.c.Running {
			return engine.Errorf(engine.ExitFailure, "`"+hint.Appsmith(in.dir, "start")+"` starts it", "%s is not running: cannot restart %s inside it", in.name(), opts.Program)
		}
		if err := in.checkProgram(ctx, opts.Program); err != nil {
			return err
		}
		steps = append(steps, in.supervisorStep(opts.Program))
	default:
		if in.c.Running {
			steps = append(steps, in.stopStep("restart"))
		}
		steps = append(steps, in.startStep("restart"))
	}
	steps = append(steps, in.readyStep(opts.Deps, opts.Timeout))
	return runPlan(ctx, opts.Root, opts.IO, in, engine.Plan{Name: "restart", Steps: steps})
}

// target is the container the standard steps act on.
func (in *located) target() instance.Target { return instance.Target{ID: in.c.ID, Name: in.name()} }

func (in *located) startStep(cause string) engine.Step {
	return instance.StartStep(in.d, in.target(), cause)
}

func (in *located) stopStep(cause string) engine.Step {
	return instance.StopStep(in.d, in.target(), cause)
}

// supervisorStep restarts one program with the container's supervisorctl.
func (in *located) supervisorStep(program string) engine.Step {
	return engine.Step{ID: "supervisorctl", Title: "Restart " + program + " in " + in.name(), Cause: "supervisorctl restart " + program,
		Run: func(ctx context.Context, r engine.Reporter) error {
			res, err := in.d.Exec(ctx, in.c.ID, []string{"supervisorctl", "restart", program}, nil, nil)
			if err != nil {
				return err
			}
			out := strings.TrimSpace(string(res.Stdout) + string(res.Stderr))
			for _, l := range strings.Split(out, "\n") {
				if l != "" {
					r.Log(l)
				}
			}
			if res.ExitCode != 0 || strings.Contains(out, "ERROR") {
				return engine.Errorf(engine.ExitFailure, "`"+hint.Appsmith(in.dir, "logs "+program)+"` shows why",
					"supervisorctl restart %s failed (exit %d): %s", program, res.ExitCode, out)
			}
			return nil
		}}
}

// checkProgram refuses a program the container's supervisor does not run,
// before anything is restarted. The list is the supervisor's own: it differs
// by version and by which databases are embedded.
func (in *located) checkProgram(ctx context.Context, program string) error {
	res, err := in.d.Exec(ctx, in.c.ID, []string{"supervisorctl", "status"}, nil, nil)
	if err != nil {
		return err
	}
	var names []string
	for _, l := range strings.Split(string(res.Stdout), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || strings.HasSuffix(f[0], ":") { // "name: ERROR ..." is not a program
			continue
		}
		if f[0] == program || program == "all" || strings.TrimPrefix(f[0], strings.SplitN(f[0], ":", 2)[0]+":") == program {
			return nil
		}
		names = append(names, f[0])
	}
	if len(names) == 0 {
		return nil // no list to compare with: supervisorctl restart says what it finds
	}
	return engine.Errorf(engine.ExitUsage, "`"+hint.Appsmith(in.dir, "restart")+"` restarts the whole container",
		"unknown program %q: the supervisor in %s runs %s", program, in.name(), strings.Join(names, ", "))
}

func (in *located) readyStep(deps Deps, timeout time.Duration) engine.Step {
	want := ""
	if in.state != nil {
		want = in.state.Version
	}
	return instance.ReadyStep(in.d, httpClient(deps), in.target(), in.baseURL(), want, timeout)
}

// runPlan runs a plan that changes the instance, rendering progress with
// the --progress sink. The caller holds the instance's lock
// (locateForChange).
func runPlan(ctx context.Context, ro *rootOpts, stdio IO, in *located, p engine.Plan) error {
	if in.lock == nil {
		return fmt.Errorf("internal error: plan %q run without the install's lock", p.Name)
	}
	mode, err := progress.ParseMode(ro.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	err = engine.Run(ctx, p, sink)
	_ = sink.Close()
	return err
}

// lockDir takes the install dir's lock, or says who holds it.
func lockDir(dir string) (*lock.Lock, error) {
	l, err := lock.Acquire(dir)
	if errors.Is(err, lock.ErrBusy) {
		return nil, &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "wait until it finishes, then run this again"}
	}
	return l, err
}
