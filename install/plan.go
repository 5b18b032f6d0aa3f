package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
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
	if obs.Failed() {
		return p, &engine.Error{Code: engine.ExitPreflight, Err: errors.New("preflight failed: nothing was changed"), Hint: "fix the findings above and re-run"}
	}
	d, err := in.Connect(ctx)
	if err != nil {
		return p, err
	}
	r := &run{in: in, d: d, o: o, layout: stacks.Layout{Root: filepath.Join(o.Dir, "stacks")}, container: obs.Container}
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
	add(obs.Image == nil, engine.Step{ID: "pull", Title: "Pull " + o.ImageRef(),
		Cause: "the image is not present locally", Run: r.pull})
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
	case c == nil && obs.HasEnv:
		add(true, engine.Step{ID: "container", Title: "Create the container " + o.ContainerName,
			Cause: "no container, but the stacks hold data: recreate it on the same data", Run: r.create})
	case c == nil || recreate:
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
		Cause: "later commands (status, upgrade, backup) read it", Run: r.saveState})
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
	return s != nil && c != nil && s.ContainerID == c.ID && s.Image == o.ImageRef() &&
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
	ready     ReadyInfo
	state     *state.State
	linked    string
}

func (r *run) stacks(context.Context, engine.Reporter) error { return r.layout.Ensure() }

func envOptions(o Options) stacks.EnvOptions {
	e := stacks.EnvOptions{DBURL: o.DBURL, RedisURL: o.RedisURL, DisableTelemetry: !o.Telemetry}
	if o.TLS == TLSLetsEncrypt || o.TLS == TLSCustom {
		e.CustomDomain = o.Domain
	}
	return e
}

// envSummary says what a new docker.env will hold, secrets aside.
func envSummary(o Options) string {
	parts := []string{"database " + kind(o.EmbeddedDB()), "redis " + kind(o.RedisURL == "" || isLocalURL(o.RedisURL))}
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

func (r *run) writeTLS(_ context.Context, rep engine.Reporter) error {
	for _, n := range r.in.TLS.Notes {
		rep.Log(n)
	}
	return writeTLS(r.layout, r.in.TLS, r.in.now().UTC().Format("20060102T150405Z"))
}

func (r *run) writeEnv(_ context.Context, rep engine.Reporter) error {
	if _, err := os.Stat(r.layout.DockerEnv()); err == nil {
		return errors.New(r.layout.DockerEnv() + " appeared while installing: not overwriting it; re-run the install")
	}
	env, err := stacks.DefaultEnv(envOptions(r.o))
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(r.layout.DockerEnv(), env.Bytes(), 0o600)
}

func (r *run) completeEnv(_ context.Context, rep engine.Reporter) error {
	data, err := os.ReadFile(r.layout.DockerEnv())
	if err != nil {
		return err
	}
	env, err := stacks.ParseEnv(data)
	if err != nil {
		return fmt.Errorf("%s: %w", r.layout.DockerEnv(), err)
	}
	added, err := stacks.Complete(env, envOptions(r.o))
	if err != nil || len(added) == 0 {
		return err
	}
	// A copy of the file as it was, beside it: the never-lose-a-secret rule.
	backup := r.layout.DockerEnv() + ".bak-" + r.in.now().UTC().Format("20060102T150405Z")
	if err := fsutil.WriteFileAtomic(backup, data, 0o600); err != nil {
		return err
	}
	rep.Log("added to docker.env: " + strings.Join(added, ", ") + " (previous file kept as " + filepath.Base(backup) + ")")
	return fsutil.WriteFileAtomic(r.layout.DockerEnv(), env.Bytes(), 0o600)
}

func (r *run) pull(ctx context.Context, rep engine.Reporter) error {
	err := r.d.ImagePull(ctx, r.o.ImageRef(), func(e docker.PullEvent) {
		rep.Progress(e.Layer, e.Status, e.Current, e.Total)
	})
	if err != nil {
		if docker.IsManifestUnknown(err) {
			return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("no such version or image: %w", err),
				Hint: "check the version (tags look like v1.9.2) or --image; where Docker Hub is unreachable, point --image at a mirror"}
		}
		return &engine.Error{Code: engine.ExitFailure, Err: err,
			Hint: "check the network and registry credentials (docker login); where the registry is unreachable, pull from a mirror with --registry HOST or name the image with --image REF"}
	}
	img, err := r.d.ImageInspect(ctx, r.o.ImageRef())
	r.image = img
	return err
}

func (r *run) remove(ctx context.Context, _ engine.Reporter) error {
	return r.d.ContainerRemove(ctx, r.container.ID)
}

func (r *run) create(ctx context.Context, _ engine.Reporter) error {
	spec := docker.ContainerSpec{
		Name:  r.o.ContainerName,
		Image: r.o.ImageRef(),
		Labels: map[string]string{
			state.LabelManaged:   "true",
			state.LabelDir:       r.o.Dir,
			state.LabelInstaller: r.in.Version,
		},
		Mounts:        []docker.Mount{{Source: r.layout.Root, Destination: stacksMount}},
		Ports:         desiredPorts(r.o),
		RestartPolicy: "unless-stopped",
	}
	id, err := r.d.ContainerCreate(ctx, spec)
	if err != nil {
		return err
	}
	c, err := r.d.ContainerInspect(ctx, id)
	r.container = &c
	return err
}

func (r *run) start(ctx context.Context, _ engine.Reporter) error {
	if err := r.d.ContainerStart(ctx, r.container.ID); err != nil {
		return err
	}
	c, err := r.d.ContainerInspect(ctx, r.container.ID)
	r.container = &c
	return err
}

func (r *run) waitReady(ctx context.Context, rep engine.Reporter) error {
	w := waiter{docker: r.d, http: r.in.Host.HTTP, id: r.container.ID, base: baseURL(r.o),
		want: r.o.ExpectedVersion(), timeout: r.o.Timeout, r: rep}
	info, err := w.wait(ctx)
	if err != nil {
		return err
	}
	r.ready = info
	return nil
}

func (r *run) saveState(ctx context.Context, _ engine.Reporter) error {
	now := r.in.now().UTC()
	s := &state.State{InstalledAt: now}
	if r.state != nil {
		s.InstalledAt = r.state.InstalledAt
	}
	if r.image.ID == "" {
		img, err := r.d.ImageInspect(ctx, r.o.ImageRef())
		if err != nil {
			return err
		}
		r.image = img
	}
	s.InstallerVersion, s.UpdatedAt, s.Dir = r.in.Version, now, r.o.Dir
	s.Container, s.ContainerID, s.Edition = r.o.ContainerName, r.container.ID, r.o.Edition
	s.Image, s.ImageID, s.Version = r.o.ImageRef(), r.image.ID, r.ready.Version
	if r.o.Image == "" {
		s.Registry, s.Tag = r.o.Registry, r.o.Version
	}
	if len(r.image.RepoDigests) > 0 {
		s.ImageDigest = r.image.RepoDigests[0]
	}
	s.HTTPPort, s.HTTPSPort, s.BindAddress = r.o.HTTPPort, r.o.HTTPSPort, r.o.BindAddress
	s.TLS, s.Domain = r.o.TLS, r.o.Domain
	if r.in.TLS != nil && r.in.TLS.KeyPair != nil {
		s.Domain = r.in.TLS.KeyPair.Domain
	}
	if s.TLS == TLSKeep && r.state != nil {
		s.TLS, s.Domain = r.state.TLS, r.state.Domain
	}
	s.Link = r.linked
	if s.Link == "" && r.state != nil {
		s.Link = r.state.Link
	}
	s.Database, s.Redis = kind(r.o.EmbeddedDB()), kind(r.o.RedisURL == "" || isLocalURL(r.o.RedisURL))
	return state.Save(r.o.Dir, s)
}

func kind(embedded bool) string {
	if embedded {
		return "embedded"
	}
	return "external"
}

func (in *Installer) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}
