package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/instance"
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
	Container  *docker.Container   // ours for this dir, if any
	Image      *docker.Image       // the desired image, if present locally
	HasEnv     bool                // docker.env exists
	EnvMissing []string            // keys an existing docker.env lacks
	LayoutOK   bool                // the stacks skeleton is complete
	Ready      *instance.ReadyInfo // the running container answered ready
	State      *state.State        // the state file, if any
	LinkNeeded bool
	Link       string             // the `appsmith` link already there for this binary
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
	o = WithCertDomain(o, in.TLS)
	layout := instance.Layout{Dir: o.Dir}.Stacks()
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
	in.checkDir(obs, o)
	in.checkPorts(obs, o)
	in.checkDisk(obs, o)
	in.checkImageDisk(obs)
	if err := in.observeStacks(obs, o, layout); err != nil {
		return nil, err
	}
	reportDatabase(obs, o, layout)
	if s, err := state.Load(o.Dir); err == nil {
		obs.State = s
	} else if !errors.Is(err, state.ErrNoState) {
		obs.add("state", Fail, "move the file aside; it is rewritten after a successful install", "%v", err)
	}
	in.checkRerun(obs, o)
	in.checkHTTPSPort(obs, o)
	for _, n := range o.Notes {
		obs.add("options", OK, "", "%s", n)
	}
	in.checkDataVersion(obs, o, layout)
	in.checkLostEnv(obs, layout)
	in.observeLink(obs, o.LinkDir)
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
					"--%s: %s", u.flag, shorten(err.Error(), 200))
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

// ExpectedVersionOrTag is the version tag asked for, as given by --version or
// by the tag of --image (or, for an image by digest, its ImageVersion).
func (o Options) ExpectedVersionOrTag() string {
	if o.Image != "" {
		if t := refTag(o.Image); t != "" {
			return t
		}
		return o.ImageVersion
	}
	return o.Version
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
		obs.add("docker.env", Fail, "fix that line by hand (Appsmith's entrypoint sources the file with bash; `bash -n "+layout.DockerEnv()+"` checks it); appsmith-install never rewrites an existing docker.env",
			"%s: %v", layout.DockerEnv(), err)
		return nil
	}
	if o.DBURL != "" && env.DBURL() != "" && env.DBURL() != o.DBURL {
		obs.add("docker.env", Fail, "drop --db-url, or edit APPSMITH_DB_URL in "+layout.DockerEnv()+" yourself",
			"%s already names a different database (APPSMITH_DB_URL); appsmith-install never rewrites it", layout.DockerEnv())
	}
	checkDatabase(obs, o, layout, env)
	if v, ok := env.Get("APPSMITH_REDIS_URL"); o.RedisURL != "" && ok && v != "" && !sameRedis(v, o.RedisURL) {
		obs.add("docker.env", Fail, "drop --redis-url, or edit APPSMITH_REDIS_URL in "+layout.DockerEnv()+" yourself",
			"%s already names a different Redis (APPSMITH_REDIS_URL); appsmith-install never rewrites it", layout.DockerEnv())
	}
	if diffs := tlsDiffers(o, in.TLS, layout, env); len(diffs) > 0 {
		obs.add("tls", Fail, "change TLS on an installed instance with `appsmith tls use-cert|use-letsencrypt|proxy|disable|add-ca` (it restarts and rolls back on failure), or re-run without TLS options",
			"the install's TLS differs from the options: %s", strings.Join(diffs, ", "))
	}
	probe := env.Clone()
	added, err := layout.CompleteEnv(probe, envOptions(o))
	if reportLostKeys(obs, err) {
		return nil
	}
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

// firstLine keeps a finding to one line; its hint says the rest.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
