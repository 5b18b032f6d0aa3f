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
	ContainerInspect(ctx context.Context, nameOrID string) (docker.Container, error)
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
	Old docker.Container
	// Prev, in a chain of swaps (an upgrade's hops), is the swap whose new
	// container this one replaces: known only once that one was created, it
	// is inspected then. Old then only gives the name and restart policy.
	Prev     *Swap
	Image    string // the new container's image reference
	KeptName string // the old one's name while it is kept
	// Labels are put on the new container over the old one's (adopt gives
	// a container this tool's labels, which the engine cannot add).
	Labels map[string]string
	newID  string
}

// SetCurrent tells a swap rebuilt in a later process (from a journal) the
// container it had created.
func (s *Swap) SetCurrent(id string) { s.newID = id }

// old is the container this swap replaces, as a step target.
func (s *Swap) old() Target {
	if s.Prev != nil {
		return Target{Name: s.Old.Name, Current: s.Prev.Current}
	}
	return Target{ID: s.Old.ID, Name: s.Old.Name}
}

// OldTarget is the container this swap replaces (the previous hop's, in a
// chain), for the steps before the swap.
func (s *Swap) OldTarget() Target { return s.old() }

// Current is the container that serves: the new one once created, else
// the old one. Steps after the swap take it as their Target.Current.
func (s *Swap) Current() string {
	if s.newID != "" {
		return s.newID
	}
	return s.old().Serving()
}

// Target is the serving container for the standard steps.
func (s *Swap) Target() Target {
	return Target{ID: s.Old.ID, Name: s.Old.Name, Current: s.Current}
}

// Steps rename and keep the old container, then create the new one under
// the old name. Each undoes itself; the new container's undo removes it
// (also in a later process: its ID is in the step's outputs).
func (s *Swap) Steps(d Replacer) []engine.Step {
	old := s.old()
	policy := s.Old.Restart
	if policy == "" {
		policy = "unless-stopped"
	}
	return []engine.Step{
		RenameStep(d, old, s.KeptName, "the new container takes its name; it is kept until the end, to go back to"),
		KeepStep(d, Target{ID: old.ID, Name: s.KeptName, Current: old.Current}, policy, "a kept container must not take the ports after a reboot"),
		{ID: "create", Title: "Create " + s.Old.Name + " on " + s.Image, Cause: "the same settings as before: ports, env, mounts, labels, restart policy, networks",
			Run: func(ctx context.Context, r engine.Reporter) error {
				from := s.Old
				if s.Prev != nil {
					c, err := d.ContainerInspect(ctx, s.Prev.Current())
					if err != nil {
						return err
					}
					from = c
				}
				img, err := d.ImageInspect(ctx, from.ImageID)
				if err != nil {
					return fmt.Errorf("the old container's image: %w", err)
				}
				spec := Retag(SpecFromContainer(from, img.Config), s.Image)
				spec.Name = s.Old.Name
				if len(s.Labels) > 0 && spec.Labels == nil {
					spec.Labels = map[string]string{}
				}
				for k, v := range s.Labels {
					spec.Labels[k] = v
				}
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
			err := d.ContainerRemove(ctx, s.old().Serving())
			if errors.Is(err, docker.ErrNotFound) {
				return nil
			}
			return err
		}}
}
