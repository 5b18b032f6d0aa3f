// Package tlsconf changes an installed instance's TLS: certificate pair,
// domain (APPSMITH_CUSTOM_DOMAIN) and custom CA roots. A change is checked
// before anything is written, then snapshot → write → restart → wait ready;
// when the instance does not come back, the snapshot is restored and the
// instance restarted on it, so a bad certificate never leaves Appsmith down.
package tlsconf

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/certs"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Docker is what a TLS change needs of the engine: a restart and the wait.
type Docker interface {
	instance.ReadyDocker
	ContainerStart(ctx context.Context, id string) error
	ContainerStop(ctx context.Context, id string, timeout time.Duration) error
}

var _ Docker = (*docker.Client)(nil)

// Instance is the installed Appsmith a change applies to.
type Instance struct {
	Dir         string
	ContainerID string
	BaseURL     string // where the host reaches its HTTP port
	Version     string // the version /info must report ("" = any)
	Docker      Docker
	HTTP        *http.Client
	HTTPSAddr   string        // where the host reaches its HTTPS port ("" = do not check what is served)
	Timeout     time.Duration // readiness wait after the restart
	Now         func() time.Time
}

func (in Instance) layout() stacks.Layout {
	return instance.Layout{Dir: in.Dir}.Stacks()
}

// Change is the TLS the instance should have afterwards.
type Change struct {
	Name       string          // "use-cert", "add-ca", ... (the plan's name)
	Mode       string          // state.TLS*: recorded in the state file
	Domain     *string         // new APPSMITH_CUSTOM_DOMAIN; nil = unchanged, "" = cleared
	Material   *certs.Material // certificate pair and/or CA roots to write
	RemoveCert bool            // delete ssl/fullchain.pem and ssl/privkey.pem
	RemoveCAs  []string        // file names in ca-certs/
}

// Op is the journal operation name of TLS changes; the next TLS command
// recognises its own unfinished operations by it.
const Op = "tls"

// Apply carries out the change and reports through sink. Each step is
// journaled (<dir>/journal/); on failure after the write, even a partial
// one, the previous files are restored and the instance restarted on them,
// and the returned error says so and why. A run killed half-way is rolled
// back by Recover.
func Apply(ctx context.Context, in Instance, c Change, sink engine.Sink) error {
	stamp := in.Now().UTC().Format("20060102T150405Z")
	snap := filepath.Join(instance.Layout{Dir: in.Dir}.Backups(), "tls-"+stamp)
	plan := changePlan(in, &c, snap, stamp)
	j, err := engine.Create(instance.Layout{Dir: in.Dir}.Journal(), Op+" "+c.Name, plan, map[string]string{"snapshot": snap, "recover": "tls recover"})
	if err != nil {
		return err
	}
	defer j.Close()
	out, err := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}.Run(ctx, plan)
	switch out {
	case engine.OutcomeDone:
		return nil
	case engine.OutcomeRolledBack:
		return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("TLS change rolled back, Appsmith runs on the previous files: %w", err),
			Hint: "`appsmith logs editor` shows why the new files were refused; nothing else changed"}
	}
	if _, ended := j.Ended(); ended {
		return err // nothing had changed
	}
	return &engine.Error{Code: engine.ExitFailure, Err: err,
		Hint: "the previous files are in " + snap + "; `appsmith logs -f` shows why the container does not start; `appsmith tls recover` tries the rollback again"}
}

// changePlan is the plan of a change, and — with c nil — the same steps
// for a later process that only needs their undos (Recover): the undos
// depend on the snapshot alone.
func changePlan(in Instance, c *Change, snap, stamp string) engine.Plan {
	l := in.layout()
	name, cause := "recover", ""
	if c != nil {
		name, cause = c.Name, describe(*c)
	}
	restoreFiles := func(context.Context, engine.Reporter, engine.Outputs) error { return restore(l, snap) }
	restartStep := instance.RestartStep(in.Docker, instance.Target{ID: in.ContainerID, Name: "the container"}, "the container reads TLS files only at start")
	return engine.Plan{Name: "tls " + name, Steps: []engine.Step{
		// A copy of every file the change may touch, first: the rollback
		// and the user's own way back. It changes nothing of the instance.
		{ID: "snapshot", Title: "Keep a copy of the current TLS files", Cause: "restored if Appsmith does not come back: " + snap, ReadOnly: true,
			Run: func(_ context.Context, r engine.Reporter) error {
				r.Output("snapshot", snap)
				return snapshot(l, snap, in.Dir)
			}},
		{ID: "write", Title: "Write the new TLS files", Cause: cause,
			Run:  func(context.Context, engine.Reporter) error { return write(l, *c, stamp) },
			Undo: restoreFiles},
		// The entrypoint reads docker.env, ssl/ and ca-certs/ only at start.
		// Undone newest first, this restart's undo comes before the write's:
		// it puts the files back itself, then restarts on them (the write's
		// undo then finds them in place). A change that failed before the
		// restart is undone without one.
		withUndo(restartStep, func(ctx context.Context, r engine.Reporter, out engine.Outputs) error {
			if err := restoreFiles(ctx, r, out); err != nil {
				return err
			}
			if err := restartStep.Run(ctx, r); err != nil {
				return err
			}
			return readyStep(in).Run(ctx, r)
		}),
		readyStep(in),
		// Ready is not enough for a new certificate: Caddy must serve it.
		servesStep(in, c),
		{ID: "state", Title: "Record the TLS mode in " + state.FileName, Cause: "`appsmith tls status` and re-runs read it",
			Run:  func(context.Context, engine.Reporter) error { return record(in.Dir, *c) },
			Undo: func(context.Context, engine.Reporter, engine.Outputs) error { return restoreState(snap, in.Dir) }},
	}}
}

func readyStep(in Instance) engine.Step {
	return instance.ReadyStep(in.Docker, in.HTTP, instance.Target{ID: in.ContainerID}, in.BaseURL, in.Version, in.Timeout)
}

// withUndo is s with another undo.
func withUndo(s engine.Step, undo func(context.Context, engine.Reporter, engine.Outputs) error) engine.Step {
	s.Undo = undo
	return s
}

func record(dir string, c Change) error {
	s, err := state.Load(dir)
	if err != nil {
		return err
	}
	s.TLS = c.Mode
	if c.Domain != nil {
		s.Domain = *c.Domain
	}
	s.UpdatedAt = time.Now().UTC()
	return state.Save(dir, s)
}

func describe(c Change) string {
	switch {
	case c.Domain != nil && *c.Domain != "":
		return "TLS " + c.Mode + " for " + *c.Domain
	case c.Domain != nil:
		return "TLS " + c.Mode + ": no domain"
	case len(c.RemoveCAs) > 0:
		return fmt.Sprintf("remove %d CA root(s)", len(c.RemoveCAs))
	default:
		return "add CA roots"
	}
}

// servesStep checks that the HTTPS port serves the new certificate; a
// custom certificate that Caddy ignored counts as a failed change.
func servesStep(in Instance, c *Change) engine.Step {
	return engine.Step{ID: "verify", Title: "Check the certificate served on HTTPS", Cause: "the new certificate must be the one clients get", ReadOnly: true,
		Run: func(ctx context.Context, r engine.Reporter) error {
			if c == nil || c.Material == nil || c.Material.KeyPair == nil || in.HTTPSAddr == "" {
				return nil
			}
			want := c.Material.KeyPair.Leaf
			var last error
			for i := 0; i < 20; i++ {
				got, err := served(ctx, in.HTTPSAddr, c.Material.KeyPair.Domain)
				if err == nil && got.Equal(want) {
					return nil
				}
				if err == nil {
					err = fmt.Errorf("HTTPS serves %q (serial %s), not the new certificate", got.Subject.CommonName, got.SerialNumber)
				}
				last = err
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(250 * time.Millisecond):
				}
			}
			return last
		}}
}
