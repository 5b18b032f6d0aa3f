package instance

import (
	"context"
	"net/http"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// The standard steps on one container, shared by every lifecycle command
// (start, stop, restart, TLS changes, and the upgrade's hops), each with
// the undo a rollback needs. A step acts on what it was given when the plan
// was made; Undo also works in a later process (outputs carry what it needs).

// Each step takes the narrowest part of the engine it uses.
type (
	// Starter starts and stops containers.
	Starter interface {
		ContainerStart(ctx context.Context, id string) error
		ContainerStop(ctx context.Context, id string, timeout time.Duration) error
	}
	// Renamer renames containers (and looks at their name first: a rename
	// to the name a container has is refused by the engine).
	Renamer interface {
		ContainerRename(ctx context.Context, id, newName string) error
		ContainerInspect(ctx context.Context, nameOrID string) (docker.Container, error)
	}
	// Keeper changes a container's restart policy.
	Keeper interface {
		ContainerSetRestart(ctx context.Context, id, policy string) error
	}
	// Puller pulls images.
	Puller interface {
		ImagePull(ctx context.Context, ref string, onEvent func(docker.PullEvent)) error
	}
	// StepDocker is all of them, and readiness.
	StepDocker interface {
		ReadyDocker
		Starter
		Renamer
		Keeper
		Puller
	}
)

var _ StepDocker = (*docker.Client)(nil)

// Target is the container a step acts on.
type Target struct {
	ID   string
	Name string // for titles
	// Current, when set, gives the ID when the step runs: in a plan that
	// replaces the container (see Swap), the one that serves is known only
	// once it was created.
	Current func() string
}

// Serving is the container ID the target names when a step runs.
func (c Target) Serving() string {
	if c.Current != nil {
		if id := c.Current(); id != "" {
			return id
		}
	}
	return c.ID
}

// StartStep starts the container; its undo stops it again.
func StartStep(d Starter, c Target, cause string) engine.Step {
	return engine.Step{ID: "start", Title: "Start " + c.Name, Cause: cause,
		Run: func(ctx context.Context, _ engine.Reporter) error { return d.ContainerStart(ctx, c.Serving()) },
		Undo: func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
			return d.ContainerStop(ctx, c.Serving(), StopTimeout)
		}}
}

// StopStep stops the container, giving the databases StopTimeout to
// flush; its undo starts it again.
func StopStep(d Starter, c Target, cause string) engine.Step {
	return engine.Step{ID: "stop", Title: "Stop " + c.Name, Cause: cause,
		Run: func(ctx context.Context, _ engine.Reporter) error {
			return d.ContainerStop(ctx, c.Serving(), StopTimeout)
		},
		Undo: func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
			return d.ContainerStart(ctx, c.Serving())
		}}
}

// RestartStep stops and starts the container (the entrypoint reads
// docker.env, ssl/ and ca-certs/ only at start). Its undo is a restart
// again, which is right only when an earlier undo put the files back first:
// plans that change files pair it so (see tlsconf).
func RestartStep(d Starter, c Target, cause string) engine.Step {
	restart := func(ctx context.Context) error {
		if err := d.ContainerStop(ctx, c.Serving(), StopTimeout); err != nil {
			return err
		}
		return d.ContainerStart(ctx, c.Serving())
	}
	return engine.Step{ID: "restart", Title: "Restart the container", Cause: cause,
		Run:  func(ctx context.Context, _ engine.Reporter) error { return restart(ctx) },
		Undo: func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error { return restart(ctx) }}
}

// RenameStep renames the container (an upgrade keeps the old one under
// another name); its undo gives the old name back.
func RenameStep(d Renamer, c Target, newName, cause string) engine.Step {
	return engine.Step{ID: "rename", Title: "Rename " + c.Name + " to " + newName, Cause: cause,
		Run: func(ctx context.Context, _ engine.Reporter) error { return rename(ctx, d, c.Serving(), newName) },
		Undo: func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
			return rename(ctx, d, c.Serving(), c.Name)
		}}
}

// rename is safe to repeat: a run or an undo killed after the engine
// renamed, or before, both end with the name asked for.
func rename(ctx context.Context, d Renamer, id, name string) error {
	if c, err := d.ContainerInspect(ctx, id); err == nil && c.Name == name {
		return nil
	}
	return d.ContainerRename(ctx, id, name)
}

// KeepStep stops a container from starting by itself (restart policy
// "no"), so one kept for a rollback cannot take the ports after a reboot;
// its undo puts the policy back.
func KeepStep(d Keeper, c Target, policy, cause string) engine.Step {
	return engine.Step{ID: "keep", Title: "Keep " + c.Name + " stopped across reboots", Cause: cause,
		Run: func(ctx context.Context, _ engine.Reporter) error {
			return d.ContainerSetRestart(ctx, c.Serving(), "no")
		},
		Undo: func(ctx context.Context, _ engine.Reporter, _ engine.Outputs) error {
			return d.ContainerSetRestart(ctx, c.Serving(), policy)
		}}
}

// PullStep pulls an image. It changes no instance: a rollback passes it.
func PullStep(d Puller, ref, cause string) engine.Step {
	return engine.Step{ID: "pull", Title: "Pull " + ref, Cause: cause, ReadOnly: true,
		Run: func(ctx context.Context, r engine.Reporter) error {
			return d.ImagePull(ctx, ref, func(e docker.PullEvent) { r.Progress(e.Layer, e.Status, e.Current, e.Total) })
		}}
}

// ReadyStep waits until the container answers ready with version want
// ("" = any). It changes nothing.
func ReadyStep(d ReadyDocker, hc *http.Client, c Target, base, want string, timeout time.Duration) engine.Step {
	return engine.Step{ID: "ready", Title: "Wait until Appsmith is ready", Cause: "health and version at " + base, ReadOnly: true,
		Run: func(ctx context.Context, r engine.Reporter) error {
			_, err := WaitReady(ctx, d, hc, c.Serving(), base, want, timeout, r)
			return err
		}}
}
