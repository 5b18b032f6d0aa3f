package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/dbcheck"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/internal/tui"
)

// runWizard is `appsmith-install` on a terminal: the wizard asks, then the
// same plan an unattended install would run is run, with the TUI progress.
func runWizard(ctx context.Context, ro *rootOpts, stdio IO, deps Deps, in *install.Installer, o install.Options) error {
	term := stdio.Getenv("TERM")
	wo := tui.WizardOptions{NoColor: !progress.ColorAllowed(stdio.Getenv),
		Accessible: stdio.Getenv("NO_COLOR") != "" || term == "dumb"}
	screen := terminal(stdio.Err)
	res, err := tui.RunWizard(ctx, stdio.In, screen, o, wizardEnv(in, deps), wo)
	if errors.Is(err, context.Canceled) {
		return &engine.Error{Code: engine.ExitInterrupted, Err: err}
	}
	if err != nil {
		return err
	}
	if res.SaveConfigPath != "" {
		b, err := tui.ConfigYAML(res.Options)
		if err != nil {
			return err
		}
		// No secrets in it (ConfigYAML leaves passwords out), so 0644.
		if err := fsutil.WriteFileAtomic(res.SaveConfigPath, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdio.Err, "Saved %s: `appsmith-install --yes --config %s` repeats this install.\n", res.SaveConfigPath, res.SaveConfigPath)
	}
	switch res.Action {
	case tui.ActionQuit:
		return nil
	case tui.ActionStatus:
		inst, err := locate(ctx, &rootOpts{dir: res.Options.Dir, progress: ro.progress}, stdio, deps)
		if err != nil {
			return err
		}
		printStatus(stdio, inst.status(ctx, deps), deps.now())
		return nil
	}
	if !res.Confirmed {
		return nil
	}
	o = res.Options
	ro.usedDir = o.Dir
	if in.TLS, err = install.LoadTLS(o, deps.now()); err != nil {
		return newLoader(install.Options{}).usage(err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wo.Input, wo.Interrupt = stdio.In, cancel
	ui := tui.NewProgress(screen, wo)
	err = runLocked(ctx, in, o, stdio, progress.ModeTTY, ui)
	final := tui.FinalSummary{URL: fmt.Sprintf("http://%s:%d/", hostFor(o.BindAddress), o.HTTPPort), Dir: o.Dir, Err: err, Hint: hint.WithDir(engine.HintOf(err), o.Dir)}
	if s, serr := state.Load(o.Dir); serr == nil {
		final.Version = s.Version
	}
	ui.Done(final)
	_ = ui.Close()
	return silenceIfShown(err)
}

// wizardEnv is what the wizard may ask of this machine, over the same
// installer the unattended path uses.
func wizardEnv(in *install.Installer, deps Deps) tui.Env {
	return tui.Env{
		Preflight: func(ctx context.Context, o install.Options) ([]install.Finding, *install.Observation, error) {
			obs, err := withTLS(in, o, deps.now()).Observe(ctx, o)
			if err != nil {
				return nil, nil, err
			}
			return obs.Findings, obs, nil
		},
		PortFree:     deps.Host.PortFree,
		FileReadable: readable,
		Tags: func(ctx context.Context, o install.Options) ([]string, error) {
			return deps.tags(ctx, repoOf(o))
		},
		CheckTLS: func(o install.Options) error { _, err := install.LoadTLS(o, deps.now()); return err },
		TLSDomain: func(o install.Options) (string, error) {
			m, err := install.LoadTLS(o, deps.now())
			if err != nil || m.KeyPair == nil {
				return "", err
			}
			return m.KeyPair.Domain, nil
		},
		CheckDB: dbcheck.Reachable,
		Plan: func(ctx context.Context, o install.Options) (engine.Plan, error) {
			in := withTLS(in, o, deps.now())
			obs, err := in.Observe(ctx, o)
			if err != nil {
				return engine.Plan{}, err
			}
			return in.Plan(ctx, o, obs)
		},
	}
}

// withTLS is in with o's certificate and CA roots loaded, as the install
// will have them: without them the plan the wizard shows would lack its TLS
// step. A copy, since the wizard checks while the user is still choosing.
// A load error leaves them out: CheckTLS has reported it to the user.
func withTLS(in *install.Installer, o install.Options, now time.Time) *install.Installer {
	c := *in
	c.TLS, _ = install.LoadTLS(o, now)
	return &c
}

// silenceIfShown: the progress view already showed the failure and its
// hint; only the exit code is left to give.
func silenceIfShown(err error) error {
	if err == nil {
		return nil
	}
	return exitSilently(engine.ExitCode(err))
}

func readable(p string) error {
	f, err := os.Open(p)
	if err == nil {
		f.Close()
	}
	return err
}

// repoOf is the repository whose tags the version list shows.
func repoOf(o install.Options) string { return instance.Repository(o.ImageRef()) }
