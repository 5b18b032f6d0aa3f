package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// instance is an installed Appsmith found for a day-two command.
type instance struct {
	dir   string
	state *state.State      // nil when the state file is missing
	c     *docker.Container // nil when the container is gone
	d     Engine
}

// locate finds the install in the dir: by its state file, else by the
// container labels (a state file lost with a restored dir must not orphan
// a running instance).
func locate(ctx context.Context, ro *rootOpts, stdio IO, deps Deps) (*instance, error) {
	dir, err := ro.resolveDir(stdio, "")
	if err != nil {
		return nil, err
	}
	in := &instance{dir: dir}
	if in.state, err = state.Load(dir); err != nil && !errors.Is(err, state.ErrNoState) {
		return nil, err
	}
	if in.d, err = deps.Docker(ctx); err != nil {
		return nil, &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "start Docker (`sudo systemctl start docker`) or set DOCKER_HOST"}
	}
	if in.state != nil && in.state.ContainerID != "" { // none yet while installing
		if c, err := in.d.ContainerInspect(ctx, in.state.ContainerID); err == nil {
			in.c = &c
		} else if !errors.Is(err, docker.ErrNotFound) {
			return nil, err
		}
	}
	if in.c == nil {
		cs, err := in.d.ContainerList(ctx, map[string]string{state.LabelManaged: "true", state.LabelDir: dir})
		if err != nil {
			return nil, err
		}
		if len(cs) > 0 {
			in.c = &cs[0]
		}
	}
	// A dir whose install stopped before the state was written (a failed
	// first start) still holds data and secrets: it is an install.
	if _, err := os.Stat(filepath.Join(dir, "stacks", "configuration", "docker.env")); in.state == nil && in.c == nil && err != nil {
		return nil, &engine.Error{Code: engine.ExitNotFound, Err: fmt.Errorf("no Appsmith installed in %s", dir),
			Hint: "pass the install dir with --dir (or APPSMITH_DIR), or install with `appsmith-install --yes --dir " + dir + "`"}
	}
	return in, nil
}

// locateContainer is locate for commands that act on the container.
func locateContainer(ctx context.Context, ro *rootOpts, stdio IO, deps Deps) (*instance, error) {
	in, err := locate(ctx, ro, stdio, deps)
	if err != nil {
		return nil, err
	}
	return in, in.requireContainer()
}

// requireContainer is for commands that act on the container.
func (in *instance) requireContainer() error {
	if in.c != nil {
		return nil
	}
	return &engine.Error{Code: engine.ExitNotFound, Err: fmt.Errorf("the Appsmith container of %s is gone (its data is still in %s/stacks)", in.dir, in.dir),
		Hint: "re-run `appsmith-install --yes --dir " + in.dir + "` to recreate it on the same data"}
}

func (in *instance) name() string {
	if in.c != nil {
		return in.c.Name
	}
	return in.state.Container
}

// baseURL is where the host reaches the instance's HTTP port.
func (in *instance) baseURL() string {
	port, bind := 80, "0.0.0.0"
	if in.state != nil {
		port, bind = in.state.HTTPPort, in.state.BindAddress
	}
	if in.c != nil {
		for _, p := range in.c.Ports {
			if p.ContainerPort == 80 {
				port, bind = p.HostPort, p.HostIP
			}
		}
	}
	return install.LocalURL(bind, port)
}

func httpClient(deps Deps) *http.Client {
	if deps.Host.HTTP != nil {
		return deps.Host.HTTP
	}
	return http.DefaultClient
}
