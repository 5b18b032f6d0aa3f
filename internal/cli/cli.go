// Package cli is the command-line edge: cobra commands that turn flags, the
// environment and config files into options, hand them to the core (install,
// engine) and render results. It decides nothing the core could.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/bundle"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/registry"
)

// IO is where a command reads and writes, and what it knows of its
// surroundings. Tests build one with buffers.
type IO struct {
	In     io.Reader
	Out    io.Writer // data and --json only
	Err    io.Writer // progress, prompts, logs, errors
	IsTTY  bool      // stdin and stderr are a terminal: prompts are allowed
	Getenv func(string) string
}

// Deps are the outside world: the Engine client, the host (and through
// Host.Getenv its environment, which Main sets to IO.Getenv when unset), the
// clock, the registry and the prompter. One factory of everything outside
// the process, so commands and tests never reach for them directly; nil
// fields fall back to the real thing (see now, tags and confirm).
type Deps struct {
	Docker func(ctx context.Context) (Engine, error)
	Host   install.Host
	// Now is the clock (certificate validity, time stamps of events).
	Now func() time.Time
	// Tags lists the tags of an image repository (the wizard's version list).
	Tags func(ctx context.Context, repo string) ([]string, error)
	// ImageSize is the download size of an image from its registry (upgrade --plan).
	ImageSize func(ctx context.Context, ref string) (int64, error)
	// Confirm asks a yes/no question (uninstall --purge); the caller has
	// checked that there is a terminal to ask on (canPrompt).
	Confirm func(stdio IO, question string) (bool, error)
	// Kube connects to the cluster of a Kubernetes target (kube.Connect;
	// see kube_deps.go).
	Kube kubeConnector
}

func (d Deps) confirm(stdio IO, question string) (bool, error) {
	if d.Confirm != nil {
		return d.Confirm(stdio, question)
	}
	return confirm(stdio, question)
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d Deps) tags(ctx context.Context, repo string) ([]string, error) {
	if d.Tags != nil {
		return d.Tags(ctx, repo)
	}
	return registry.Tags(ctx, repo)
}

// Engine is every Engine API call the commands make.
type Engine interface {
	install.Docker
	instance.StepDocker
	backup.RestoreDocker
	bundle.Saver
	bundle.Loader
}

var _ Engine = (*docker.Client)(nil)

// RealDeps talks to the Docker engine of DOCKER_HOST and this machine.
func RealDeps() Deps {
	return Deps{
		Docker: func(ctx context.Context) (Engine, error) {
			c, err := docker.New(ctx)
			if err != nil {
				return nil, err // not a typed nil inside the interface
			}
			return c, nil
		},
		Host:    install.RealHost(),
		Now:     time.Now,
		Tags:    registry.Tags,
		Confirm: confirm,
	}
}

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdio IO, deps Deps) int {
	name := filepath.Base(args[0])
	if deps.Host.Getenv == nil {
		// One environment: what the commands read (IO.Getenv) is what the
		// core sees of the host (SUDO_USER, HOME).
		deps.Host.Getenv = stdio.Getenv
	}
	var ro *rootOpts
	// The command line says json before cobra parses it: a bad flag ahead
	// of --progress json stops the parse, and its refusal is NDJSON too.
	argsJSON := progressInArgs(args[1:]) == "json"
	errs := &errStream{w: stdio.Err, json: func() bool { return argsJSON || ro != nil && ro.progress == "json" }, now: deps.now}
	// A library's stray log line (net/http's, for one) goes through the
	// stream too: under --progress json it becomes an event, not text.
	// Only for the process's own stderr: log's output is global, and a
	// test's Main must not catch another's lines.
	if _, isFile := stdio.Err.(*os.File); isFile {
		log.SetOutput(errs)
	}
	stdio.Err = errs
	defer errs.flush()
	root, ro := newRoot(name, stdio, deps)
	ro.args = args
	root.SetArgs(args[1:])
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		err = ro.helpErr
	}
	if err == nil {
		if errs.json() {
			errs.end(engine.ExitOK, nil)
		}
		return engine.ExitOK
	}
	code := engine.ExitCode(err)
	var silent *silentError
	if errs.json() {
		// Failures are events too: an error event, then the outcome that
		// ends every json stream, both saying how the command ended.
		errs.flush()
		ev := map[string]any{"kind": "error", "exit_code": code}
		if !errors.As(err, &silent) {
			ev["message"] = hint.WithDir(err.Error(), ro.usedDir)
		} else if silent.why != "" {
			// Said on stdout (a report, a status): the event says it too.
			ev["message"] = silent.why
		}
		if code == engine.ExitInterrupted {
			ev["hint"] = "re-run the same command to continue"
		} else if h := engine.HintOf(err); h != "" {
			ev["hint"] = hint.WithDir(h, ro.usedDir)
		}
		// An error that knows more for machines says it (upgrade: the
		// checkpoint a hop met).
		var fe interface{ Fields() map[string]any }
		if errors.As(err, &fe) {
			maps.Copy(ev, fe.Fields())
		}
		_ = errs.event(ev)
		errs.end(code, ev)
		return code
	}
	if !errors.As(err, &silent) {
		if code == engine.ExitInterrupted {
			fmt.Fprintln(stdio.Err, "interrupted: stopped cleanly; re-run the same command to continue")
		} else {
			fmt.Fprintf(stdio.Err, "error: %s\n", hint.WithDir(err.Error(), ro.usedDir))
		}
		if h := engine.HintOf(err); h != "" && code != engine.ExitInterrupted {
			fmt.Fprintf(stdio.Err, "hint: %s\n", hint.WithDir(h, ro.usedDir))
		}
	}
	return code
}

// progressInArgs is the last --progress value on the command line ("" when
// none), read before cobra parses it; "--" ends the flags.
func progressInArgs(args []string) string {
	v := ""
	for i, a := range args {
		if a == "--" {
			break
		}
		if rest, ok := strings.CutPrefix(a, "--progress="); ok {
			v = rest
		} else if a == "--progress" && i+1 < len(args) {
			v = args[i+1]
		}
	}
	return v
}

// silentError carries an exit code for a failure already reported (on
// stdout, or by the wizard); why is what --progress json's events say of it.
type silentError struct {
	code int
	why  string
}

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func exitSilently(code int) error { return exitSilentlyBecause(code, "") }

func exitSilentlyBecause(code int, why string) error {
	return &engine.Error{Code: code, Err: &silentError{code, why}}
}

type rootOpts struct {
	dir       string
	progress  string
	usedDir   string // the install dir the command acted on: hints name it
	dirSource string // where the install's dir came from: "--dir", "APPSMITH_DIR", "dir in FILE", ...
	helpErr   error  // help asked for a command that does not exist
	// guardSkip: unfinished operations a command finishes itself (the TLS
	// commands roll back an interrupted TLS change) and so is not refused for.
	guardSkip func(*engine.Journal) bool
	// kt are the day-two commands' target flags (addDayTwoTargetFlags).
	kt kubeTarget
	// args are the command line as Main got it: a build without the
	// Kubernetes target hands them to its companion (kube_companion.go).
	args []string
}

func newRoot(name string, stdio IO, deps Deps) (*cobra.Command, *rootOpts) {
	ro := &rootOpts{}
	root := &cobra.Command{
		Use:           name,
		Short:         "Install and run a self-hosted Appsmith",
		Long:          "Installs a self-hosted Appsmith (one Docker container, one data directory) and carries it through its life.\nWith no command, `" + name + "` installs (the same as `" + name + " install`).\n" + installHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
	}
	root.SetFlagErrorFunc(flagError)
	pf := root.PersistentFlags()
	pf.StringVar(&ro.dir, "dir", "", "install directory (env APPSMITH_DIR; default /opt/appsmith, and for day-two commands the only install on the engine when /opt/appsmith holds none)")
	pf.StringVar(&ro.progress, "progress", "auto", "progress output: auto, tty, plain, json or quiet")

	f := &Factory{IO: stdio, Deps: deps, root: ro}
	inst := NewCmdInstall(f, nil)
	root.AddCommand(inst, NewCmdStatus(f, nil), NewCmdLogs(f, nil),
		NewCmdStart(f, nil), NewCmdStop(f, nil), NewCmdRestart(f, nil),
		NewCmdUninstall(f, nil), NewCmdTLS(f), NewCmdBackup(f, nil), NewCmdRestore(f, nil), NewCmdUpgrade(f, nil), NewCmdRollback(f, nil), NewCmdAdopt(f, nil), NewCmdVersion(f, nil), NewCmdFirstboot(f, nil),
		NewCmdDoctor(f, nil), NewCmdSupportBundle(f, nil))
	root.AddCommand(NewCmdAutoUpdate(f))
	root.AddCommand(NewCmdImage(f), NewCmdBundle(f))
	// `appsmith-install [flags]` means install: the root carries the install
	// flags and runs it.
	root.Flags().AddFlagSet(inst.Flags())
	root.RunE = inst.RunE
	// Made now, not by cobra at Execute: strictArgs then checks its words
	// too (`completion bogus` is a usage error, exit 2).
	root.InitDefaultCompletionCmd()
	strictArgs(root)
	guardPurge(root, ro, stdio)
	helpGuard(root, &ro.helpErr)
	return root, ro
}

func plural(n int, s string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, s)
	}
	return fmt.Sprintf("%d %ss", n, strings.TrimSuffix(s, "s"))
}
