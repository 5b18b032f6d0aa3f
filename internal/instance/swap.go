package instance

import (
	"context"
	"errors"
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Replacer is what replacing a container by one on another image needs of
// the engine.
type Replacer interface {
	Renamer
	Keeper
	ImageInspect(ctx context.Context, ref string) (docker.Image, error)
	ContainerCreate(ctx context.Context, spec docker.ContainerSpec) (string, error)
	ContainerRemove(ctx context.Context, id string) error
}

var _ Replacer = (*docker.Client)(nil)

// Swap replaces a stopped container by a new one with exactly its settings
// (ports, env, mounts, labels, restart policy, networks: SpecFromContainer)
// on another image. The old one is kept — renamed, never started by itself
// — until the caller's plan removes it at its end (Remove), so a rollback
// starts it again under its own name.
type Swap struct {
	Old      docker.Container
	Image    string // the new container's image reference
	KeptName string // the old one's name while it is kept
	newID    string
}

// Current is the container that serves: the new one once created, else
// the old one. Steps after the swap take it as their Target.Current.
func (s *Swap) Current() string {
	if s.newID != "" {
		return s.newID
	}
	return s.Old.ID
}

// Target is the serving container for the standard steps.
func (s *Swap) Target() Target {
	return Target{ID: s.Old.ID, Name: s.Old.Name, Current: s.Current}
}

// Steps rename and keep the old container, then create the new one under
// the old name. Each undoes itself; the new container's undo removes it
// (also in a later process: its ID is in the step's outputs).
func (s *Swap) Steps(d Replacer) []engine.Step {
	old := Target{ID: s.Old.ID, Name: s.Old.Name}
	policy := s.Old.Restart
	if policy == "" {
		policy = "unless-stopped"
	}
	return []engine.Step{
		RenameStep(d, old, s.KeptName, "the new container takes its name; it is kept until the end, to go back to"),
		KeepStep(d, Target{ID: s.Old.ID, Name: s.KeptName}, policy, "a kept container must not take the ports after a reboot"),
		{ID: "create", Title: "Create " + s.Old.Name + " on " + s.Image, Cause: "the same settings as before: ports, env, mounts, labels, restart policy, networks",
			Run: func(ctx context.Context, r engine.Reporter) error {
				img, err := d.ImageInspect(ctx, s.Old.ImageID)
				if err != nil {
					return fmt.Errorf("the old container's image: %w", err)
				}
				spec := Retag(SpecFromContainer(s.Old, img.Config), s.Image)
				spec.Name = s.Old.Name
				id, err := d.ContainerCreate(ctx, spec)
				if err != nil {
					return err
				}
				s.newID = id
				r.Output("id", id)
				return nil
			},
			Undo: func(ctx context.Context, _ engine.Reporter, out engine.Outputs) error {
				id := out["id"]
				if id == "" {
					id = s.newID
				}
				if id == "" {
					return nil // never created
				}
				s.newID = ""
				err := d.ContainerRemove(ctx, id)
				if errors.Is(err, docker.ErrNotFound) {
					return nil
				}
				return err
			}},
	}
}

// RemoveStep removes the kept old container once the plan has verified the
// new one. It cannot be undone: it is the plan's last step but one.
func (s *Swap) RemoveStep(d Replacer) engine.Step {
	return engine.Step{ID: "remove-old", Title: "Remove the kept container " + s.KeptName, Cause: "the new one is ready",
		Run: func(ctx context.Context, _ engine.Reporter) error {
			err := d.ContainerRemove(ctx, s.Old.ID)
			if errors.Is(err, docker.ErrNotFound) {
				return nil
			}
			return err
		}}
}
