package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Level of a preflight finding.
type Level string

const (
	OK   Level = "ok"
	Warn Level = "warn"
	Fail Level = "fail"
)

// Finding is the result of one preflight check, with the fix when it is not OK.
type Finding struct {
	Check   string `json:"check"`
	Level   Level  `json:"level"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
}

// Observation is what the machine looks like now, read without changing
// anything. The plan is computed from it, so a re-run picks up where an
// interrupted run stopped.
type Observation struct {
	Findings   []Finding
	Engine     docker.EngineInfo
	Container  *docker.Container // ours for this dir, if any
	Image      *docker.Image     // the desired image, if present locally
	HasEnv     bool              // docker.env exists
	EnvMissing []string          // keys an existing docker.env lacks
	LayoutOK   bool              // the stacks skeleton is complete
	Ready      *ReadyInfo        // the running container answered ready
	State      *state.State      // the state file, if any
	LinkNeeded bool
	containers []docker.Container // every container, to name who holds a busy port
}

// Failed reports whether a preflight check failed.
func (o *Observation) Failed() bool {
	for _, f := range o.Findings {
		if f.Level == Fail {
			return true
		}
	}
	return false
}

func (o *Observation) add(check string, level Level, hint, format string, args ...any) {
	o.Findings = append(o.Findings, Finding{Check: check, Level: level, Message: fmt.Sprintf(format, args...), Hint: hint})
}

const (
	minFreeDisk  = 1 << 30 // below this an install fails: data, logs and backups live here
	warnFreeDisk = 5 << 30
	warnMemory   = 2 << 30
)

// Observe runs the preflight checks and reads the current state. It changes
// nothing. A Docker engine that cannot be reached is a failed finding, not an
// error, so every finding is reported at once.
func (in *Installer) Observe(ctx context.Context, o Options) (*Observation, error) {
	obs := &Observation{}
	layout := stacks.Layout{Root: filepath.Join(o.Dir, "stacks")}
	d, derr := in.Connect(ctx)
	if derr != nil {
		d = nil
		obs.add("engine", Fail, "start Docker (`sudo systemctl start docker`) or point DOCKER_HOST at a running engine", "%s", firstLine(derr.Error()))
	} else if info, err := d.Info(ctx); err != nil {
		obs.add("engine", Fail, "check that this user may use the Docker socket (root or the docker group)", "Docker engine info: %v", err)
		d = nil
	} else {
		obs.Engine = info
		obs.add("engine", OK, "", "Docker %s (API %s) at %s", info.ServerVersion, info.APIVersion, info.Host)
		in.checkEngine(obs, info, o)
	}
	if d != nil {
		if err := in.observeInstance(ctx, d, o, obs); err != nil {
			return nil, err
		}
	}
	in.checkPorts(obs, o)
	in.checkDisk(obs, o)
	in.checkImageDisk(obs)
	if err := in.observeStacks(obs, o, layout); err != nil {
		return nil, err
	}
	if s, err := state.Load(o.Dir); err == nil {
		obs.State = s
	} else if !errors.Is(err, state.ErrNoState) {
		obs.add("state", Fail, "move the file aside; it is rewritten after a successful install", "%v", err)
	}
	obs.LinkNeeded = in.linkNeeded(o.LinkDir)
	if in.TLS != nil {
		for _, w := range in.TLS.Warnings {
			obs.add("tls", Warn, "", "%s", w)
		}
	}
	if o.TLS == TLSLetsEncrypt && !obs.HasEnv {
		in.checkDNS(ctx, obs, o)
	}
	if in.Host.Reachable != nil {
		for _, u := range []struct{ flag, url string }{{"db-url", o.DBURL}, {"redis-url", o.RedisURL}} {
			if u.url == "" || isLocalURL(u.url) {
				continue
			}
			if err := in.Host.Reachable(ctx, u.url); err != nil {
				obs.add("external", Warn, "check the host, port and firewall of --"+u.flag+"; ignore this if only the container's network reaches it",
					"--%s: %v", u.flag, err)
			} else {
				obs.add("external", OK, "", "--%s reachable from this machine", u.flag)
			}
		}
	}
	if o.TLS == TLSProxy && !obs.HasEnv {
		obs.add("tls", OK, "", "behind a proxy: Appsmith serves plain HTTP on port %d and APPSMITH_CUSTOM_DOMAIN stays empty (with a domain, Appsmith redirects to HTTPS and the proxy loops); the proxy must terminate TLS and forward to it", o.HTTPPort)
	}
	return obs, nil
}

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
	if (info.Arch == "x86_64" || info.Arch == "amd64") && o.EmbeddedDB() && needsAVX(o) && in.Host.HasAVX != nil {
		if has, err := in.Host.HasAVX(); err == nil && !has {
			obs.add("avx", Warn, "use --version v1.8.15 (the last image for CPUs without AVX), an external database (--db-url), or a CPU with AVX",
				"this CPU has no AVX: the embedded MongoDB 5+ of Appsmith v1.9.0 and later stops with \"Illegal instruction\"")
		}
	}
}

// needsAVX: embedded MongoDB ≥ 5 arrived in v1.9.0; floating tags are newer.
func needsAVX(o Options) bool {
	v, ok := ParseVersion(o.ExpectedVersionOrTag())
	if !ok {
		return true
	}
	return !v.LessThan(mustVersion("1.9.0"))
}

// ExpectedVersionOrTag is the version tag asked for, as given by --version or
// by the tag of --image.
func (o Options) ExpectedVersionOrTag() string {
	if o.Image != "" {
		return refTag(o.Image)
	}
	return o.Version
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
					hint = "that is an Appsmith instance already: manage it with `appsmith upgrade`, or choose another port with --" + p.flag
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
			obs.add("dir", Fail, "run as root (sudo), or choose a --dir this user can write",
				"cannot write %s: %v", o.Dir, err)
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

func (in *Installer) observeStacks(obs *Observation, o Options, layout stacks.Layout) error {
	data, err := os.ReadFile(layout.DockerEnv())
	switch {
	case errors.Is(err, os.ErrNotExist):
		obs.LayoutOK = dirExists(layout.ConfigurationDir()) && layout.Complete()
		return nil
	case err != nil:
		obs.add("docker.env", Fail, "", "%s: %v", layout.DockerEnv(), err)
		return nil
	}
	obs.HasEnv = true
	obs.LayoutOK = layout.Complete()
	env, err := stacks.ParseEnv(data)
	if err != nil {
		obs.add("docker.env", Fail, "fix the file by hand; appsmith-install never rewrites an existing docker.env",
			"%s: %v", layout.DockerEnv(), err)
		return nil
	}
	if o.DBURL != "" && env.DBURL() != "" && env.DBURL() != o.DBURL {
		obs.add("docker.env", Fail, "drop --db-url, or edit APPSMITH_DB_URL in "+layout.DockerEnv()+" yourself",
			"%s already names a different database (APPSMITH_DB_URL); appsmith-install never rewrites it", layout.DockerEnv())
	}
	if v, ok := env.Get("APPSMITH_REDIS_URL"); o.RedisURL != "" && ok && v != "" && v != o.RedisURL {
		obs.add("docker.env", Fail, "drop --redis-url, or edit APPSMITH_REDIS_URL in "+layout.DockerEnv()+" yourself",
			"%s already names a different Redis (APPSMITH_REDIS_URL); appsmith-install never rewrites it", layout.DockerEnv())
	}
	if diffs := tlsDiffers(o, in.TLS, layout, env); len(diffs) > 0 {
		obs.add("tls", Fail, "change TLS on an installed instance with `appsmith tls use-cert|use-letsencrypt|proxy|disable|add-ca` (it restarts and rolls back on failure), or re-run without TLS options",
			"the install's TLS differs from the options: %s", strings.Join(diffs, ", "))
	}
	probe := env.Clone()
	added, err := stacks.Complete(probe, envOptions(o))
	if err != nil {
		return err
	}
	obs.EnvMissing = added
	return nil
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func gib(b uint64) float64 { return float64(b) / (1 << 30) }

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

// unwrapOp drops the "listen tcp 0.0.0.0:80:" prefix net.OpError adds.
func unwrapOp(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// firstLine keeps a finding to one line; its hint says the rest.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
