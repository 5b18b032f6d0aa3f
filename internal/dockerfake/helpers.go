package dockerfake

import (
	"context"
	"fmt"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// NotFound is the error the engine gives for a missing container or image.
func NotFound(what string) error { return fmt.Errorf("%s: %w", what, docker.ErrNotFound) }

// Serve answers ContainerList and ContainerInspect from a fixed set of
// containers, matching as the engine does: a list keeps the containers that
// carry every label (an empty value matches any value), an inspect finds a
// container by ID, ID prefix or name, else NotFound.
func (e *Engine) Serve(cs ...docker.Container) *Engine {
	e.ContainerListFunc = func(_ context.Context, labels map[string]string) ([]docker.Container, error) {
		var out []docker.Container
		for _, c := range cs {
			if hasLabels(c, labels) {
				out = append(out, c)
			}
		}
		return out, nil
	}
	e.ContainerInspectFunc = func(_ context.Context, nameOrID string) (docker.Container, error) {
		for _, c := range cs {
			if matches(c, nameOrID) {
				return c, nil
			}
		}
		return docker.Container{}, NotFound("inspect container " + nameOrID)
	}
	return e
}

func hasLabels(c docker.Container, labels map[string]string) bool {
	for k, v := range labels {
		got, ok := c.Labels[k]
		if !ok || (v != "" && got != v) {
			return false
		}
	}
	return true
}

func matches(c docker.Container, nameOrID string) bool {
	if nameOrID == "" {
		return false
	}
	return c.ID == nameOrID || strings.HasPrefix(c.ID, nameOrID) || c.Name == strings.TrimPrefix(nameOrID, "/")
}

// InState is c as the engine reports it running, or stopped after a clean
// exit.
func InState(c docker.Container, running bool) docker.Container {
	c.Running = running
	c.State = "exited"
	if running {
		c.State = "running"
	}
	return c
}
