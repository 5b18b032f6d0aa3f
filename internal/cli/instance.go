package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"strings"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/lock"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// located is the installed Appsmith a day-two command acts on.
type located struct {
	dir      string
	source   string            // "--dir", "APPSMITH_DIR" or "" (default or found on the engine)
	state    *state.State      // nil when the state file is missing or damaged
	c        *docker.Container // nil when the container is gone
	d        Engine
	warnings []string   // said on stderr; status --json carries them
	lock     *lock.Lock // held by a command that changes the instance (locateForChange)
}

// locate finds the install in the dir: by its state file, else by the
// container labels (a state file lost with a restored dir, or damaged, must
// not orphan a running instance). On error the instance, when not nil, holds
// what is known (for status --json).
func locate(ctx context.Context, ro *rootOpts, stdio IO, deps Deps) (*located, error) {
	return locateIn(ctx, ro, stdio, deps, false)
}

// locateForChange is locate for a command that changes the instance: the
// install dir's lock is taken as soon as the dir is known, BEFORE the first
// look, so what the command decides from cannot change under it; and an
// unfinished operation refuses it. The caller releases in.lock.
func locateForChange(ctx context.Context, ro *rootOpts, stdio IO, deps Deps) (*located, error) {
	in, err := locateIn(ctx, ro, stdio, deps, true)
	if err != nil && in.lock != nil {
		in.release()
	}
	return in, err
}

func (in *located) release() {
	if in.lock != nil {
		in.lock.Release()
		in.lock = nil
	}
}

func locateIn(ctx context.Context, ro *rootOpts, stdio IO, deps Deps, change bool) (*located, error) {
	d, derr := deps.Docker(ctx)
	if derr != nil {
		d = nil
	}
	dir, src, err := ro.findDir(ctx, stdio, d)
	if err != nil {
		return &located{}, err
	}
	in := &located{dir: dir, source: src, d: d}
	if s, err := state.Load(dir); err == nil && s.Target == state.TargetKubernetes && s.Kubernetes != nil {
		return in, engine.Errorf(engine.ExitUsage, "status, upgrade, rollback, backup, restore and uninstall work on it; use helm for the rest for now",
			"%s is a Kubernetes target (release %s in namespace %s): this command is not implemented for Kubernetes yet", dir, s.Kubernetes.Release, s.Kubernetes.Namespace)
	}
	if change {
		if in.lock, err = lockDir(dir); err != nil {
			return in, err
		}
		// An interrupted restore is finished or undone below, once the
		// container is known: it is not a reason to refuse.
		skip := func(j *engine.Journal) bool {
			return backup.IsRestore(j) || backup.IsCold(j) || (ro.guardSkip != nil && ro.guardSkip(j))
		}
		if err := guardUnfinished(dir, skip); err != nil {
			return in, err
		}
	}
	var newer *state.NewerSchemaError
	if in.state, err = state.Load(dir); errors.As(err, &newer) {
		return in, &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "an older appsmith-install must not act on what a newer one recorded"}
	} else if err != nil && !errors.Is(err, state.ErrNoState) {
		in.state = nil
		in.warn(fmt.Sprintf("%s is damaged (%s): using the container's labels; move it aside, and a re-run of the install rewrites it",
			state.Path(dir), damage(err)))
	}
	for _, w := range in.warnings {
		fmt.Fprintf(stdio.Err, "warning: %s\n", w)
	}
	if derr != nil {
		return in, &engine.Error{Code: engine.ExitFailure, Err: derr, Hint: "start Docker (`sudo systemctl start docker`) or set DOCKER_HOST"}
	}
	if in.state != nil && in.state.ContainerID != "" { // none yet while installing
		c, err := in.d.ContainerInspect(ctx, in.state.ContainerID)
		switch {
		case err == nil && (instance.Manages(c, dir) || composeAdopted(in.state, c, dir)):
			in.c = &c
		case err == nil:
			// A copy of an install dir (a backup, a move) records the
			// original's container: acting on it from here would stop or
			// remove the live instance of another dir.
			other := c.Labels[state.LabelDir]
			if other == "" {
				other = "no install of appsmith-install"
			}
			in.warn(fmt.Sprintf("%s names container %s, which belongs to %s, not to %s (a copied or moved install dir?): commands here leave it alone",
				state.Path(dir), c.Name, other, dir))
			for _, w := range in.warnings[len(in.warnings)-1:] {
				fmt.Fprintf(stdio.Err, "warning: %s\n", w)
			}
		case !errors.Is(err, docker.ErrNotFound):
			return in, err
		}
	}
	if in.c == nil {
		// The current container: one an upgrade keeps for its rollback
		// (role previous) is not the instance.
		cs, err := instance.Find(ctx, in.d, dir)
		if err != nil {
			return in, err
		}
		in.c = cs.Current
		if in.c == nil {
			in.c = findComposeAdopted(ctx, in.d, in.state, dir)
		}
	}
	// A dir whose install stopped before the state was written (a failed
	// first start) still holds data and secrets: it is an install.
	if change {
		if err := recoverRestores(ctx, ro, stdio, deps, in); err != nil {
			return in, err
		}
	}
	if in.state == nil && in.c == nil && !holdsInstall(dir) {
		where := dir
		if in.source == "APPSMITH_DIR" {
			where += " (from APPSMITH_DIR)"
		}
		return in, &engine.Error{Code: engine.ExitNotFound, Err: fmt.Errorf("no Appsmith installed in %s", where),
			Hint: "pass the install dir with --dir (or APPSMITH_DIR), or install with `" + hint.Install(dir, "--yes") + "`"}
	}
	return in, nil
}

func (in *located) warn(w string) { in.warnings = append(in.warnings, w) }

var yamlLine = regexp.MustCompile(`line (\d+)`)

// damage says what is wrong with a state file in words, not the YAML
// decoder's ("cannot unmarshal !!seq into state.State").
func damage(err error) string {
	if errors.Is(err, fs.ErrPermission) {
		return "not readable by this user"
	}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		return "not the YAML this tool writes, at line " + m[1]
	}
	if strings.Contains(err.Error(), "yaml:") {
		return "not the YAML this tool writes"
	}
	return firstLine(err.Error())
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// locateContainer is locate for commands that act on the container.
func locateContainer(ctx context.Context, ro *rootOpts, stdio IO, deps Deps) (*located, error) {
	in, err := locate(ctx, ro, stdio, deps)
	if err != nil {
		return nil, err
	}
	return in, in.requireContainer()
}

// locateContainerForChange is locateForChange for commands that act on the
// container.
func locateContainerForChange(ctx context.Context, ro *rootOpts, stdio IO, deps Deps) (*located, error) {
	in, err := locateForChange(ctx, ro, stdio, deps)
	if err != nil {
		return nil, err
	}
	if err := in.requireContainer(); err != nil {
		in.release()
		return nil, err
	}
	return in, nil
}

// requireContainer is for commands that act on the container.
func (in *located) requireContainer() error {
	if in.c != nil {
		return nil
	}
	return &engine.Error{Code: engine.ExitNotFound, Err: fmt.Errorf("the Appsmith container of %s is gone (its data is still in %s/stacks)", in.dir, in.dir),
		Hint: "re-run `" + hint.Install(in.dir, "--yes") + "` to recreate it on the same data"}
}

func (in *located) name() string {
	if in.c != nil {
		return in.c.Name
	}
	return in.state.Container
}

// baseURL is where the host reaches the instance's HTTP port.
func (in *located) baseURL() string {
	port, bind := 80, "0.0.0.0"
	if in.state != nil {
		port, bind = in.state.HTTPPort, in.state.BindAddress
	}
	if in.c != nil {
		if p := instance.PublishedPorts(*in.c); p.HTTPPort != 0 {
			port, bind = p.HTTPPort, p.BindAddress
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
