package install

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Installer builds and carries out install plans.
type Installer struct {
	// Connect opens the Docker engine; called once per Observe/Plan.
	Connect func(ctx context.Context) (Docker, error)
	Host    Host
	// Version of this installer, recorded in labels and the state file.
	Version string
	// Now is the clock (tests fix it).
	Now func() time.Time
	// TLS is the checked TLS input (LoadTLS), nil when there is none.
	TLS *TLSMaterial
}

// Plan computes the steps that take the machine from obs to o. It refuses
// (exit 3, nothing changed) when a preflight check failed.
func (in *Installer) Plan(ctx context.Context, o Options, obs *Observation) (engine.Plan, error) {
	p := engine.Plan{Name: "install"}
	o = WithCertDomain(o, in.TLS)
	if obs.Failed() {
		return p, &engine.Error{Code: engine.ExitPreflight, Err: errors.New("preflight failed: nothing was changed"), Hint: "fix the findings above and re-run"}
	}
	d, err := in.Connect(ctx)
	if err != nil {
		return p, err
	}
	r := &run{in: in, d: d, o: o, layout: instance.Layout{Dir: o.Dir}.Stacks(), container: obs.Container, linked: obs.Link}
	if obs.Image != nil {
		r.image = *obs.Image
	}
	c := obs.Container
	// Each step is in the plan only when the observation says it is needed,
	// so a re-run of an interrupted or finished install continues or does nothing.
	add := func(ok bool, s engine.Step) {
		if ok {
			p.Steps = append(p.Steps, s)
		}
	}
	// The image first: a failed pull (no such version, no registry) then
	// leaves the disk untouched and a running instance alone.
	if o.Bundle != "" {
		// With --trusted-key the bundle is checked even when its image is
		// loaded already: the user asked for proof of who made it.
		missing := obs.Image == nil || obs.Image.ID != o.BundleImageID
		cause := "the image is not present locally; from the bundle (verified whole first), no registry is contacted"
		if !missing {
			cause = "the image is loaded already; --trusted-key asks for the bundle's signature to be checked (nothing is loaded again)"
		}
		add(missing || o.TrustedKey != "", engine.Step{ID: "pull", Title: "Load " + o.ImageRef() + " from bundle " + o.Bundle,
			Cause: cause, Run: r.loadBundle})
	} else {
		add(obs.Image == nil, engine.Step{ID: "pull", Title: "Pull " + o.ImageRef(),
			Cause: "the image is not present locally", Run: r.pull})
	}
	// The options, before anything else is written: a first start that
	// fails leaves them for the re-run, which then waits on the same
	// container, image and ports instead of the defaults.
	add(obs.State == nil || obs.State.Installing(), pendingStep(r))
	// The stacks layout: docker.env and every mount source live in it.
	add(!obs.LayoutOK, engine.Step{ID: "stacks", Title: "Create the stacks directory",
		Cause: "the layout under " + r.layout.Root + " is missing or incomplete", Run: r.stacks})
	// docker.env is written BEFORE the first start so secrets are ours
	// (long, from crypto/rand) and the entrypoint never writes its own.
	add(!obs.HasEnv, engine.Step{ID: "docker-env", Title: "Write docker.env with new secrets",
		Cause: "no " + r.layout.DockerEnv() + " yet; " + envSummary(o), Run: r.writeEnv})
	// TLS files before the first start: the entrypoint reads them only then.
	add(!obs.HasEnv && in.TLS != nil && (in.TLS.KeyPair != nil || len(in.TLS.CAs) > 0), engine.Step{ID: "tls", Title: "Write TLS certificate and CA roots",
		Cause: tlsCause(o, in.TLS), Run: r.writeTLS})
	add(obs.HasEnv && len(obs.EnvMissing) > 0, engine.Step{ID: "docker-env", Title: "Complete docker.env",
		Cause: "it lacks " + strings.Join(obs.EnvMissing, ", ") + " (existing values are kept)", Run: r.completeEnv})
	recreate := c != nil && !samePorts(c.Ports, desiredPorts(o))
	add(recreate, engine.Step{ID: "remove", Title: "Remove the old container " + o.ContainerName,
		Cause: "its published ports differ from the options; the data stays in " + r.layout.Root, Run: r.remove})
	switch {
	case recreate:
		add(true, engine.Step{ID: "container", Title: "Create the container " + o.ContainerName,
			Cause: portsChange(c.Ports, desiredPorts(o)) + ": recreated on the same data", Run: r.create})
	case c == nil && obs.HasEnv:
		add(true, engine.Step{ID: "container", Title: "Create the container " + o.ContainerName,
			Cause: "no container, but the stacks hold data: recreate it on the same data", Run: r.create})
	case c == nil:
		add(true, engine.Step{ID: "container", Title: "Create the container " + o.ContainerName,
			Cause: "no container for " + o.Dir + " yet", Run: r.create})
	}
	needStart := c == nil || recreate || !c.Running
	add(needStart, engine.Step{ID: "start", Title: "Start the container", Cause: startCause(c, recreate), Run: r.start})
	// Ready = health 200 AND /info with the expected version; the log is
	// watched meanwhile so a fatal start fails fast.
	add(needStart || obs.Ready == nil, engine.Step{ID: "ready", Title: "Wait until Appsmith is ready",
		Cause: "health " + baseURL(o) + "/api/v1/health and the version at /info", Run: r.waitReady})
	// The link before the state file, which records where it is.
	add(obs.LinkNeeded, engine.Step{ID: "link", Title: "Link appsmith into " + o.LinkDir,
		Cause: "so `appsmith status` and friends are on PATH", Run: r.link})
	// The state file last: it describes an instance that was seen ready.
	add(len(p.Steps) > 0 || !stateMatches(obs, o), engine.Step{ID: "state", Title: "Record the install in " + state.FileName,
		Cause: "later commands (status, logs, tls, uninstall) read it", Run: r.saveState})
	if obs.Ready != nil {
		r.ready = *obs.Ready
	}
	r.state = obs.State
	return p, nil
}

func startCause(c *docker.Container, recreate bool) string {
	switch {
	case c == nil || recreate:
		return "a new container"
	default:
		return "the container is " + c.State
	}
}

func stateMatches(obs *Observation, o Options) bool {
	s, c := obs.State, obs.Container
	return s != nil && c != nil && !s.Installing() && s.ContainerID == c.ID && s.Image == o.ImageRef() &&
		s.HTTPPort == o.HTTPPort && s.HTTPSPort == o.HTTPSPort && s.BindAddress == o.BindAddress
}

// run carries the values steps hand to each other.
type run struct {
	in        *Installer
	d         Docker
	o         Options
	layout    stacks.Layout
	container *docker.Container
	image     docker.Image
	ready     instance.ReadyInfo
	state     *state.State
	linked    string
	created   bool // the container was created by this run (a failed start removes it)
}

func envOptions(o Options) stacks.EnvOptions {
	e := stacks.EnvOptions{DBURL: o.DBURL, RedisURL: o.RedisURL, DisableTelemetry: !o.Telemetry,
		EmbeddedDB: strings.TrimPrefix(o.Database(), "embedded-"), RedisPassword: redisPassword(o)}
	if o.TLS == TLSLetsEncrypt || o.TLS == TLSCustom {
		e.CustomDomain = o.Domain
	}
	return e
}

// envSummary says what a new docker.env will hold, secrets aside.
func envSummary(o Options) string {
	parts := []string{dbSummary(o), "redis " + kind(o.RedisURL == "" || isLocalURL(o.RedisURL))}
	switch e := envOptions(o); {
	case e.CustomDomain != "":
		parts = append(parts, "domain "+e.CustomDomain+" ("+o.TLS+")")
	default:
		parts = append(parts, "no domain (TLS "+o.TLS+")")
	}
	if o.Telemetry {
		parts = append(parts, "telemetry on")
	} else {
		parts = append(parts, "telemetry off")
	}
	return strings.Join(parts, ", ")
}

func tlsCause(o Options, m *TLSMaterial) string {
	if m == nil {
		return ""
	}
	var parts []string
	if m.KeyPair != nil {
		parts = append(parts, "--tls custom for "+m.KeyPair.Domain)
	}
	if n := len(m.CAs); n > 0 {
		parts = append(parts, fmt.Sprintf("%d CA root(s) from --ca-cert", n))
	}
	return strings.Join(parts, ", ")
}

func (in *Installer) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}
