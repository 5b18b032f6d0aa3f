package instance

import (
	"context"
	"fmt"
	"sort"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Roles of the containers of one install. An upgrade keeps the old
// container, stopped, beside the new one until the new one is proven: it
// is the "previous" container, and the way back is to start it again on
// the pre-upgrade data. Every other command acts on the "current" one.
const (
	RoleCurrent  = "current"
	RolePrevious = "previous"
)

// Role is the role of a managed container. Containers made before roles
// existed carry no label: they are the current one.
func Role(c docker.Container) string {
	if r := c.Labels[state.LabelRole]; r != "" {
		return r
	}
	return RoleCurrent
}

// Manages reports whether c is a container appsmith-install made for the
// install in dir.
func Manages(c docker.Container, dir string) bool {
	return c.Labels[state.LabelManaged] == "true" && c.Labels[state.LabelDir] == dir
}

// Labels are the labels of a container of the install in dir.
func Labels(dir, installerVersion, linkDir, role string) map[string]string {
	return map[string]string{
		state.LabelManaged:   "true",
		state.LabelDir:       dir,
		state.LabelInstaller: installerVersion,
		state.LabelLinkDir:   linkDir,
		state.LabelRole:      role,
	}
}

// Lister is what finding an install's containers needs of the engine.
type Lister interface {
	ContainerList(ctx context.Context, labels map[string]string) ([]docker.Container, error)
}

var _ Lister = (*docker.Client)(nil)

// Containers are the containers of one install, by role.
type Containers struct {
	Current  *docker.Container  // nil when there is none
	Extra    []docker.Container // more containers claiming the current role: a conflict to report
	Previous []docker.Container // kept for a rollback, newest first
}

// Find lists the containers the engine holds for the install in dir.
func Find(ctx context.Context, d Lister, dir string) (Containers, error) {
	cs, err := d.ContainerList(ctx, map[string]string{state.LabelManaged: "true", state.LabelDir: dir})
	if err != nil {
		return Containers{}, fmt.Errorf("list the containers of %s: %w", dir, err)
	}
	return Sort(cs, dir), nil
}

// Sort sorts containers (any list) into the roles of the install in dir;
// containers of other installs are left out.
func Sort(cs []docker.Container, dir string) Containers {
	var out Containers
	for i := range cs {
		c := cs[i]
		if !Manages(c, dir) {
			continue
		}
		switch Role(c) {
		case RolePrevious:
			out.Previous = append(out.Previous, c)
		default:
			if out.Current == nil {
				out.Current = &c
			} else {
				out.Extra = append(out.Extra, c)
			}
		}
	}
	sort.SliceStable(out.Previous, func(i, j int) bool { return out.Previous[j].StartedAt.Before(out.Previous[i].StartedAt) })
	return out
}

// Published is where a container publishes Appsmith's HTTP (80) and HTTPS
// (443) ports on the host; zero ports when it does not.
type Published struct {
	BindAddress string // the host IP of the HTTP port
	HTTPPort    int
	HTTPSPort   int
}

// PublishedPorts reads c's published ports.
func PublishedPorts(c docker.Container) Published {
	var p Published
	for _, b := range c.Ports {
		switch b.ContainerPort {
		case 80:
			p.HTTPPort, p.BindAddress = b.HostPort, b.HostIP
		case 443:
			p.HTTPSPort = b.HostPort
		}
	}
	return p
}
