package install

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// stacksMount is where the container expects the stacks volume.
const stacksMount = "/appsmith-stacks"

// observeInstance finds an existing instance: ours for this dir (to converge
// on), or anything else that would clash (to refuse, changing nothing).
func (in *Installer) observeInstance(ctx context.Context, d Docker, o Options, obs *Observation) error {
	all, err := d.ContainerList(ctx, nil)
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	obs.containers = all
	stacksDir := instance.Layout{Dir: o.Dir}.Stacks().Root
	for i := range all {
		c := all[i]
		ours := instance.Manages(c, o.Dir)
		switch {
		case ours && instance.Role(c) == instance.RolePrevious:
			// Kept stopped by an upgrade for its rollback: not the instance,
			// and on the same data by design.
		case ours && obs.Container == nil:
			obs.Container = &c
		case ours:
			obs.add("instance", Fail, fmt.Sprintf("remove the extra one: it runs on the same data (`appsmith --dir %s uninstall` keeps the data)", o.Dir),
				"two containers (%s, %s) are managed for %s", obs.Container.Name, c.Name, o.Dir)
		case mountsDir(c, stacksDir):
			obs.add("instance", Fail, "this installer will not install over it: manage it from its own install dir (`appsmith status --dir DIR`)",
				"an Appsmith instance already uses %s: container %s (%s, %s)", stacksDir, c.Name, c.Image, c.State)
		case c.Name == o.ContainerName:
			hint := "choose another name with --container-name, or remove that container"
			if isAppsmithImage(c.Image) {
				hint = "it runs Appsmith: choose another --container-name, or manage that instance from its own install dir"
			}
			obs.add("instance", Fail, hint, "a container named %s already exists (%s, %s) and was not created by appsmith-install for %s",
				c.Name, c.Image, c.State, o.Dir)
		}
	}
	if c := obs.Container; c != nil {
		if c.Image != o.ImageRef() {
			obs.add("instance", Fail, fmt.Sprintf("to change the version, `%s` (it steps through checkpoints and rolls back on failure); to keep it, re-run with --version %s",
				appsmithCmd(o, "upgrade "+o.ExpectedVersionOrTag()), imageVersion(c.Image)),
				"Appsmith is already installed in %s from %s (asked for %s); an install never changes the version", o.Dir, c.Image, o.ImageRef())
		} else {
			obs.add("instance", OK, "", "existing install found: container %s (%s), converging", c.Name, c.State)
		}
		if c.Running && samePorts(c.Ports, desiredPorts(o)) {
			if info, err := instance.Probe(ctx, in.Host.HTTP, baseURL(o), o.ExpectedVersion()); err == nil {
				obs.Ready = &info
			}
		}
	}
	img, err := d.ImageInspect(ctx, o.ImageRef())
	switch {
	case err == nil:
		obs.Image = &img
	case errors.Is(err, docker.ErrNotFound):
	default:
		return fmt.Errorf("inspect image %s: %w", o.ImageRef(), err)
	}
	return nil
}

func mountsDir(c docker.Container, dir string) bool {
	for _, m := range c.Mounts {
		if filepath.Clean(m.Source) == dir {
			return true
		}
	}
	return false
}

func isAppsmithImage(ref string) bool {
	return strings.Contains(ref, "appsmith/appsmith-") || strings.Contains(ref, "appsmith/appsmith-editor")
}

func imageVersion(ref string) string {
	if t := refTag(ref); t != "" {
		return t
	}
	return ref
}

func desiredPorts(o Options) []docker.PortBinding {
	return []docker.PortBinding{
		{HostIP: o.BindAddress, HostPort: o.HTTPPort, ContainerPort: 80},
		{HostIP: o.BindAddress, HostPort: o.HTTPSPort, ContainerPort: 443},
	}
}

func samePorts(have, want []docker.PortBinding) bool {
	key := func(p docker.PortBinding) string {
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		return fmt.Sprintf("%s:%d->%d", ip, p.HostPort, p.ContainerPort)
	}
	set := map[string]bool{}
	for _, p := range have {
		set[key(p)] = true
	}
	for _, p := range want {
		if !set[key(p)] {
			return false
		}
	}
	return len(set) == len(want)
}

// baseURL is where the installer reaches the container's HTTP port.
func baseURL(o Options) string { return LocalURL(o.BindAddress, o.HTTPPort) }

// LocalURL is how this host reaches a port published on bind: a wildcard
// bind is reached on loopback.
func LocalURL(bind string, port int) string {
	host := bind
	switch bind {
	case "0.0.0.0", "":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port))
}
