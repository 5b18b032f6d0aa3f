package install

import (
	"github.com/appsmith-install/appsmith-install/internal/releases"

	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// The preflight checks Observe runs, one per concern.

func (in *Installer) checkEngine(obs *Observation, info docker.EngineInfo, o Options) {
	switch info.Arch {
	case "x86_64", "amd64", "aarch64", "arm64":
		obs.add("cpu", OK, "", "CPU architecture %s", info.Arch)
	default:
		obs.add("cpu", Fail, "run Appsmith on an amd64 or arm64 machine", "CPU architecture %s: Appsmith images exist only for amd64 and arm64", info.Arch)
	}
	if info.MemTotal > 0 && info.MemTotal < warnMemory {
		obs.add("memory", Warn, "give the machine at least 2 GiB (4 GiB recommended), or add swap",
			"%.1f GiB of memory: Appsmith needs at least 2 GiB", float64(info.MemTotal)/(1<<30))
	} else if info.MemTotal > 0 {
		obs.add("memory", OK, "", "%.1f GiB of memory", float64(info.MemTotal)/(1<<30))
	}
	// Only MongoDB 5+ needs AVX; the embedded PostgreSQL runs without it.
	embeddedMongo := database(o, instance.Layout{Dir: o.Dir}.Stacks()) == stacks.DBEmbeddedMongoDB
	if (info.Arch == "x86_64" || info.Arch == "amd64") && embeddedMongo && needsAVX(o) && in.Host.HasAVX != nil {
		if has, err := in.Host.HasAVX(); err == nil && !has {
			obs.add("avx", Warn, "use --db embedded-postgresql, --version "+releases.LastWithoutAVX+" (the last image for CPUs without AVX), an external database (--db URL), or a CPU with AVX",
				"this CPU has no AVX: the embedded MongoDB 5+ of Appsmith v1.9.0 and later stops with \"Illegal instruction\"")
		}
	}
}

// needsAVX: the embedded MongoDB of the version asked for needs AVX.
func needsAVX(o Options) bool {
	v, _ := releases.Parse(o.ExpectedVersionOrTag())
	return releases.NeedsAVX(v)
}

func (in *Installer) checkPorts(obs *Observation, o Options) {
	if c := obs.Container; c != nil && c.Running && samePorts(c.Ports, desiredPorts(o)) {
		obs.add("ports", OK, "", "ports %d and %d are served by the existing container", o.HTTPPort, o.HTTPSPort)
		return
	}
	free := true
	for _, p := range []struct {
		flag string
		port int
	}{{"http-port", o.HTTPPort}, {"https-port", o.HTTPSPort}} {
		// A port the install's own container holds is freed when the plan
		// recreates it with the new ports: not a clash.
		if c := obs.Container; c != nil && c.Running && publishes(c, p.port) {
			continue
		}
		if err := in.Host.PortFree(o.BindAddress, p.port); err != nil {
			free = false
			if errors.Is(err, syscall.EADDRNOTAVAIL) {
				obs.add("ports", Fail, "use an address of this machine with --bind-address, or 0.0.0.0 for all of them",
					"%s is not an address of this machine", o.BindAddress)
				return
			}
			if c := publisher(obs.containers, p.port); c != nil {
				hint := fmt.Sprintf("stop that container, or choose another port with --%s", p.flag)
				if isAppsmithImage(c.Image) {
					hint = "that is an Appsmith instance already: choose another port with --" + p.flag + ", or stop that instance first"
				}
				obs.add("ports", Fail, hint, "port %d is published by container %s (%s, %s)", p.port, c.Name, c.Image, c.State)
				continue
			}
			obs.add("ports", Fail, fmt.Sprintf("free the port, or choose another with --%s", p.flag),
				"port %d on %s is in use: %v", p.port, o.BindAddress, unwrapOp(err))
		}
	}
	if free {
		obs.add("ports", OK, "", "ports %d and %d are free on %s", o.HTTPPort, o.HTTPSPort, o.BindAddress)
	}
}

func (in *Installer) checkDisk(obs *Observation, o Options) {
	free, err := in.Host.DiskFree(o.Dir)
	switch {
	case err != nil:
		obs.add("disk", Warn, "", "cannot measure free disk at %s: %v", o.Dir, err)
	case free < minFreeDisk:
		obs.add("disk", Fail, "free some space, or choose another --dir",
			"%.1f GiB free at %s: at least 1 GiB is needed (5 GiB recommended)", gib(free), o.Dir)
	case free < warnFreeDisk:
		obs.add("disk", Warn, "data, logs and backups grow here: plan for 5 GiB or more",
			"only %.1f GiB free at %s", gib(free), o.Dir)
	default:
		obs.add("disk", OK, "", "%.1f GiB free at %s", gib(free), o.Dir)
	}
	if in.Host.Writable != nil {
		if err := in.Host.Writable(o.Dir); err != nil {
			fix := "run as root (sudo), or choose a --dir this user can write"
			// root is refused only by a read-only filesystem or an
			// immutable dir: sudo would not help.
			if errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EPERM) || os.Geteuid() == 0 {
				fix = "the dir or its filesystem is read-only (even for root): remount it read-write, or choose another --dir"
			}
			obs.add("dir", Fail, fix, "cannot write %s: %v", o.Dir, err)
		}
	}
}

// checkImageDisk: the image is unpacked in the engine's data root, often
// another filesystem than the install dir. Appsmith's image takes several
// GiB unpacked. Only a local engine's root can be measured from here.
func (in *Installer) checkImageDisk(obs *Observation) {
	root := obs.Engine.DockerRootDir
	if obs.Image != nil || root == "" || !strings.HasPrefix(obs.Engine.Host, "unix://") {
		return
	}
	free, err := in.Host.DiskFree(root)
	switch {
	case err != nil:
	case free < minFreeDisk:
		obs.add("disk", Fail, "free space under "+root+" (`docker system prune` removes unused images)",
			"%.1f GiB free in Docker's data root %s: the Appsmith image needs several GiB", gib(free), root)
	case free < warnFreeDisk:
		obs.add("disk", Warn, "free space under "+root+" (`docker system prune` removes unused images)",
			"only %.1f GiB free in Docker's data root %s: the Appsmith image needs several GiB", gib(free), root)
	}
}

func publishes(c *docker.Container, port int) bool {
	for _, p := range c.Ports {
		if p.HostPort == port {
			return true
		}
	}
	return false
}

// publisher is the running container publishing host port, if any.
func publisher(cs []docker.Container, port int) *docker.Container {
	for i := range cs {
		for _, p := range cs[i].Ports {
			if p.HostPort == port && cs[i].Running {
				return &cs[i]
			}
		}
	}
	return nil
}

func gib(b uint64) float64 { return float64(b) / (1 << 30) }

// unwrapOp drops the "listen tcp 0.0.0.0:80:" prefix net.OpError adds.
func unwrapOp(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
