package cli

import (
	"context"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A container docker compose manages cannot carry this tool's labels (only
// compose makes it), so an adopted one is recognised by what appsmith.yaml
// records of it: its compose project and service, and the install's stacks
// mounted on /appsmith-stacks. Compose gives it a new ID on each `up` that
// changes it; the service finds it again.

// composeAdopted reports whether st records c as the install's compose
// service.
func composeAdopted(st *state.State, c docker.Container, dir string) bool {
	if st == nil || st.Adopted == nil || st.Adopted.Compose == nil {
		return false
	}
	cs := st.Adopted.Compose
	return instance.IsComposeService(c, cs.Project, cs.Service) && instance.MountsStacksOf(c, dir)
}

// findComposeAdopted is the install's compose service container, when st
// records one; nil when there is none (or the engine cannot say).
func findComposeAdopted(ctx context.Context, d instance.Lister, st *state.State, dir string) *docker.Container {
	if st == nil || st.Adopted == nil || st.Adopted.Compose == nil {
		return nil
	}
	cs, err := d.ContainerList(ctx, map[string]string{"com.docker.compose.project": st.Adopted.Compose.Project})
	if err != nil {
		return nil
	}
	for i := range cs {
		if composeAdopted(st, cs[i], dir) {
			return &cs[i]
		}
	}
	return nil
}

// composeManaged is the compose service of the located instance, nil when
// compose does not manage it.
func (in *located) composeManaged() *state.ComposeService {
	if in.state == nil || in.state.Adopted == nil || in.c == nil || !composeAdopted(in.state, *in.c, in.dir) {
		return nil
	}
	return in.state.Adopted.Compose
}
