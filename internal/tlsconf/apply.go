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

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Docker is what a TLS change needs of the engine.
type Docker interface {
	install.Docker
	ContainerStop(ctx context.Context, id string, timeout time.Duration) error
}

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
	return stacks.Layout{Root: filepath.Join(in.Dir, "stacks")}
}

// Change is the TLS the instance should have afterwards.
type Change struct {
	Name       string               // "use-cert", "add-ca", ... (the plan's name)
	Mode       string               // install.TLS*: recorded in the state file
	Domain     *string              // new APPSMITH_CUSTOM_DOMAIN; nil = unchanged, "" = cleared
	Material   *install.TLSMaterial // certificate pair and/or CA roots to write
	RemoveCert bool                 // delete ssl/fullchain.pem and ssl/privkey.pem
	RemoveCAs  []string             // file names in ca-certs/
}

// stopTimeout: as `appsmith stop`, the embedded databases need time to flush.
const stopTimeout = install.StopTimeout

// Apply carries out the change and reports through sink. On failure after
// the write, the previous files are restored and the instance restarted;
// the returned error then says so and why.
func Apply(ctx context.Context, in Instance, c Change, sink engine.Sink) error {
	stamp := in.Now().UTC().Format("20060102T150405Z")
	snap := filepath.Join(in.Dir, "backups", "tls-"+stamp)
	l := in.layout()
	wrote := false // a failure from the write on, even a partial write, needs the rollback
	plan := engine.Plan{Name: "tls " + c.Name, Steps: []engine.Step{
		// A copy of every file the change may touch, first: the rollback
		// and the user's own way back.
		{ID: "snapshot", Title: "Keep a copy of the current TLS files", Cause: "restored if Appsmith does not come back: " + snap,
			Run: func(context.Context, engine.Reporter) error {
				if err := snapshot(l, snap); err != nil {
					return err
				}
				return markInProgress(snap)
			}},
		{ID: "write", Title: "Write the new TLS files", Cause: describe(c),
			Run: func(context.Context, engine.Reporter) error { wrote = true; return write(l, c, stamp) }},
		// The entrypoint reads docker.env, ssl/ and ca-certs/ only at start.
		restartStep(in, "the container reads TLS files only at start"),
		readyStep(in),
		// Ready is not enough for a new certificate: Caddy must serve it.
		servesStep(in, c),
		{ID: "state", Title: "Record the TLS mode in " + state.FileName, Cause: "`appsmith tls status` and re-runs read it",
			Run: func(context.Context, engine.Reporter) error {
				if err := record(in.Dir, c); err != nil {
					return err
				}
				return clearInProgress(snap)
			}},
	}}
	err := engine.Run(ctx, plan, sink)
	if err == nil {
		return nil
	}
	if !wrote {
		_ = clearInProgress(snap)
		return err
	}
	if rerr := rollBack(ctx, in, snap, firstLine(err), sink); rerr != nil {
		return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("%v; and the rollback failed too: %v", err, rerr),
			Hint: "the previous files are in " + snap + "; `appsmith logs -f` shows why the container does not start"}
	}
	return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("TLS change rolled back, Appsmith runs on the previous files: %w", err),
		Hint: "`appsmith logs editor` shows why the new files were refused; nothing else changed"}
}

// rollBack restores the snapshot and restarts the instance on it; nil means
// the instance is ready again on the previous files.
func rollBack(ctx context.Context, in Instance, snap, reason string, sink engine.Sink) error {
	l := in.layout()
	rollback := engine.Plan{Name: "tls rollback", Steps: []engine.Step{
		{ID: "restore", Title: "Restore the previous TLS files", Cause: reason,
			Run: func(context.Context, engine.Reporter) error { return restore(l, snap) }},
		restartStep(in, "back on the previous files"),
		readyStep(in),
	}}
	// The rollback runs even when the user interrupted the change: a
	// half-applied TLS change is the state to leave least.
	if err := engine.Run(context.WithoutCancel(ctx), rollback, sink); err != nil {
		return err
	}
	return clearInProgress(snap)
}

func restartStep(in Instance, cause string) engine.Step {
	return engine.Step{ID: "restart", Title: "Restart the container", Cause: cause,
		Run: func(ctx context.Context, _ engine.Reporter) error {
			if err := in.Docker.ContainerStop(ctx, in.ContainerID, stopTimeout); err != nil {
				return err
			}
			return in.Docker.ContainerStart(ctx, in.ContainerID)
		}}
}

func readyStep(in Instance) engine.Step {
	return engine.Step{ID: "ready", Title: "Wait until Appsmith is ready", Cause: "health and version at " + in.BaseURL,
		Run: func(ctx context.Context, r engine.Reporter) error {
			_, err := install.WaitReady(ctx, in.Docker, in.HTTP, in.ContainerID, in.BaseURL, in.Version, in.Timeout, r)
			return err
		}}
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

func firstLine(err error) string {
	s := err.Error()
	for i := range s {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// servesStep checks that the HTTPS port serves the new certificate; a
// custom certificate that Caddy ignored counts as a failed change.
func servesStep(in Instance, c Change) engine.Step {
	return engine.Step{ID: "verify", Title: "Check the certificate served on HTTPS", Cause: "the new certificate must be the one clients get",
		Run: func(ctx context.Context, r engine.Reporter) error {
			if c.Material == nil || c.Material.KeyPair == nil || in.HTTPSAddr == "" {
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
