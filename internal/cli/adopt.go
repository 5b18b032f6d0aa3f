package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// AdoptOptions are `appsmith adopt`'s.
type AdoptOptions struct {
	IO        IO
	Deps      Deps
	Root      *rootOpts
	Container string
	Yes       bool
	Resume    bool
	Timeout   time.Duration
}

// NewCmdAdopt builds `adopt`; runF replaces adoptRun.
func NewCmdAdopt(f *Factory, runF func(*AdoptOptions) error) *cobra.Command {
	opts := &AdoptOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "adopt",
		Short: "Take over an Appsmith started with `docker run` or docker compose, so day-two commands manage it",
		Long: "Finds an Appsmith container started the way Appsmith's docs say (image appsmith/appsmith-ce or -ee, any\n" +
			"tag or mirror, DIR/stacks mounted on /appsmith-stacks), shows what it records, and writes DIR/appsmith.yaml.\n" +
			"The install dir is the parent of the stacks directory, which must be named `stacks`; --dir (or\n" +
			"APPSMITH_DIR) narrows the search to the container whose stacks are DIR/stacks. A `docker run` container is\n" +
			"replaced by one with exactly its settings and image plus this tool's labels (Appsmith restarts once; any\n" +
			"failure puts the original back). A container of docker compose is recorded but not replaced: compose\n" +
			"owns it, and `appsmith upgrade` then says which image line to change.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return adoptRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Container, "container", "", "the container to adopt (name or ID) when there are several")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "do not ask (needed without a terminal)")
	fl.BoolVar(&opts.Resume, "resume", false, "finish or undo an adopt that was interrupted")
	fl.DurationVar(&opts.Timeout, "timeout", install.Defaults().Timeout, "how long to wait for Appsmith to be ready again")
	return cmd
}

func adoptRun(ctx context.Context, opts *AdoptOptions) error {
	stdio, deps := opts.IO, opts.Deps
	mode, err := progress.ParseMode(opts.Root.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	if opts.Resume {
		if opts.Container != "" {
			return engine.UsageError("--resume takes no --container: it finishes or undoes the interrupted adopt of the install dir")
		}
		return adoptResume(ctx, opts, mode)
	}
	d, err := deps.Docker(ctx)
	if err != nil {
		return &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "start Docker (`sudo systemctl start docker`) or set DOCKER_HOST"}
	}
	given, src, err := opts.Root.givenDir(stdio)
	if err != nil {
		return err
	}
	if given != "" {
		if err := refuseInstalled(given); err != nil {
			return err
		}
	}
	all, err := d.ContainerList(ctx, nil)
	if err != nil {
		return err
	}
	cd, err := pickCandidate(all, given, src, opts.Container)
	if err != nil {
		return err
	}
	c := cd.Container
	if cd.Dir == "" {
		return layoutRefusal(cd)
	}
	dir := cd.Dir
	opts.Root.usedDir = dir
	if err := refuseInstalled(dir); err != nil {
		return err
	}
	l, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer l.Release()
	if err := guardUnfinished(dir, nil); err != nil {
		return err
	}
	rec, err := describeAdoption(ctx, d, deps, c, dir)
	if err != nil {
		return err
	}
	printAdoption(stdio.Err, rec)
	if !opts.Yes {
		if !canPrompt(stdio) {
			return engine.UsageError("adopt %s: pass --yes to go ahead (there is no terminal to ask on)", c.Name)
		}
		q := fmt.Sprintf("Adopt %s into %s?", c.Name, dir)
		if rec.state.Adopted.Compose == nil {
			q = fmt.Sprintf("Adopt %s into %s? Appsmith restarts once.", c.Name, dir)
		}
		ok, err := deps.confirm(stdio, q)
		if err != nil || !ok {
			return engine.Errorf(engine.ExitUsage, "", "adopt cancelled: nothing was changed")
		}
	}
	if cs := rec.state.Adopted.Compose; cs != nil {
		if err := state.Save(dir, rec.state); err != nil {
			return err
		}
		fmt.Fprintf(stdio.Err, "Recorded %s in %s. It stays as docker compose made it (service %q of project %q%s): compose would recreate a container this tool replaced.\n"+
			"`%s`, logs, start, stop, restart, backup and tls work on it; `%s` says which image line of the compose file to change, as compose must do the replacing.\n",
			c.Name, state.Path(dir), cs.Service, cs.Project, composeFileNote(cs), hint.Appsmith(dir, "status"), hint.Appsmith(dir, "upgrade"))
		return nil
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	ai := adoptInstance{dir: dir, d: d, deps: deps, c: c, image: rec.image, version: rec.state.Version, timeout: opts.Timeout}
	err = runAdopt(ctx, ai, rec.state, sink)
	_ = sink.Close()
	if err != nil {
		return err
	}
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(stdio.Err, "Appsmith %s in %s is managed by appsmith-install now: `%s` shows it.\n", rec.state.Version, dir, hint.Appsmith(dir, "status"))
	}
	return nil
}

// refuseInstalled: a dir with a state file is an install of this tool
// already; adopt never overwrites what it records.
func refuseInstalled(dir string) error {
	if _, err := os.Stat(state.Path(dir)); err == nil {
		return engine.Errorf(engine.ExitUsage, "`"+hint.Appsmith(dir, "status")+"` shows it",
			"%s exists: %s is an install of appsmith-install already, adopt takes only an instance without one", state.Path(dir), dir)
	}
	return nil
}

// pickCandidate is the container to adopt: the one --container names, else
// the only Appsmith container without this tool's labels (in the dir named
// by --dir or APPSMITH_DIR, when one is).
func pickCandidate(all []docker.Container, dir, src, name string) (instance.Candidate, error) {
	cands := instance.Candidates(all)
	where := "on this Docker engine"
	if dir != "" {
		cands = instance.InDir(cands, dir)
		where = "with its stacks in " + dir + " (" + src + ")"
	}
	if name != "" {
		for _, cd := range cands {
			if cd.Container.Name == name || strings.HasPrefix(cd.Container.ID, name) {
				return cd, nil
			}
		}
		for _, c := range all {
			if c.Name == name || strings.HasPrefix(c.ID, name) {
				return instance.Candidate{}, engine.UsageError("--container %s: %s", name, whyNot(c, dir))
			}
		}
		return instance.Candidate{}, engine.Errorf(engine.ExitNotFound, "", "--container %s: no such container on this Docker engine", name)
	}
	switch len(cands) {
	case 0:
		return instance.Candidate{}, engine.Errorf(engine.ExitNotFound,
			"start Appsmith as its docs say (`docker run -d --name appsmith -p 80:80 -p 443:443 -v \"$PWD/stacks:/appsmith-stacks\" appsmith/appsmith-ee`), or install it with `"+hint.Install(orDefault(dir), "--yes")+"`",
			"no Appsmith container to adopt %s (an appsmith/appsmith-ce or -ee image with a mount on %s, not managed by appsmith-install)", where, instance.StacksPath)
	case 1:
		return cands[0], nil
	}
	var lines []string
	for _, cd := range cands {
		s := cd.Stacks
		if s == "" {
			s = "a named volume"
		}
		lines = append(lines, fmt.Sprintf("%s (%s, %s, stacks %s)", cd.Container.Name, cd.Container.Image, cd.Container.State, s))
	}
	return instance.Candidate{}, engine.Errorf(engine.ExitUsage, "`"+hint.Appsmith(orDefault(cands[0].Dir), "adopt --container "+cands[0].Container.Name)+"`, for example",
		"%d Appsmith containers to adopt %s: choose one with --container:\n  %s", len(cands), where, strings.Join(lines, "\n  "))
}

func orDefault(dir string) string {
	if dir == "" {
		return hint.DefaultDir
	}
	return dir
}

// whyNot says why a named container cannot be adopted.
func whyNot(c docker.Container, dir string) string {
	switch {
	case c.Labels[state.LabelManaged] == "true":
		return "it is managed by appsmith-install already (install dir " + c.Labels[state.LabelDir] + ")"
	case !instance.IsAppsmithImage(c.Image):
		return "its image " + c.Image + " is not appsmith/appsmith-ce or appsmith/appsmith-ee"
	}
	m, ok := instance.StacksMount(c)
	if !ok {
		return "it mounts nothing on " + instance.StacksPath + ": its data would be inside the container"
	}
	return fmt.Sprintf("its stacks (%s) are not in %s", m.Source, dir)
}

// layoutRefusal: this tool keeps an install as DIR/stacks beside
// DIR/appsmith.yaml, and finds the install by that dir.
func layoutRefusal(cd instance.Candidate) error {
	c := cd.Container
	if cd.Stacks == "" {
		m, _ := instance.StacksMount(c)
		return engine.Errorf(engine.ExitPreflight,
			"copy the volume's content to DIR/stacks, run the container with `-v DIR/stacks:/appsmith-stacks`, then `appsmith --dir DIR adopt`",
			"%s keeps its stacks in the named volume %q: appsmith-install needs them in a host directory named stacks (DIR/stacks, DIR being the install dir)", c.Name, m.Source)
	}
	parent := filepath.Dir(cd.Stacks)
	fix := filepath.Join(parent, instance.StacksDir)
	return engine.Errorf(engine.ExitPreflight,
		fmt.Sprintf("stop %s, rename %s to %s, run it again with `-v %s:%s`, then `%s`", c.Name, cd.Stacks, fix, fix, instance.StacksPath, hint.Appsmith(parent, "adopt")),
		"%s mounts %s on %s, a directory not named stacks: appsmith-install keeps an install as DIR/stacks beside DIR/appsmith.yaml, and --dir DIR names the install by the parent of its stacks",
		c.Name, cd.Stacks, instance.StacksPath)
}

func composeFileNote(cs *state.ComposeService) string {
	if cs.ConfigFiles == "" {
		return ""
	}
	return ", " + cs.ConfigFiles
}

// adoption is what adopt found and will record.
type adoption struct {
	state *state.State
	image string // the image the new container is created on: the container's own
	c     docker.Container
}

// describeAdoption reads what the state file will record: the container's
// settings, its image, and the version it reports at /info.
func describeAdoption(ctx context.Context, d Engine, deps Deps, c docker.Container, dir string) (adoption, error) {
	if !c.Running {
		return adoption{}, engine.Errorf(engine.ExitPreflight, "start it (`docker start "+c.Name+"`), wait until Appsmith answers, and adopt again",
			"%s is %s: adopt reads the version from a running Appsmith", c.Name, c.State)
	}
	p := instance.PublishedPorts(c)
	if p.HTTPPort == 0 {
		return adoption{}, engine.Errorf(engine.ExitPreflight, "publish it (`-p 80:80`) when the container is next created, then adopt",
			"%s publishes no host port for Appsmith's port 80: appsmith-install checks readiness through it", c.Name)
	}
	base := install.LocalURL(p.BindAddress, p.HTTPPort)
	info, err := instance.Probe(ctx, httpClient(deps), base, "")
	if err != nil {
		return adoption{}, engine.Errorf(engine.ExitPreflight, "wait until Appsmith is up (`docker logs "+c.Name+"`), then adopt again",
			"Appsmith in %s does not answer ready at %s: %v", c.Name, base, err)
	}
	img, err := d.ImageInspect(ctx, c.ImageID)
	if err != nil {
		return adoption{}, fmt.Errorf("the image of %s: %w", c.Name, err)
	}
	ref := c.Image
	if tagged, err := d.ImageInspect(ctx, c.Image); err != nil || tagged.ID != img.ID {
		// The tag moved since (a pull): the same image is reached by its digest.
		dg := instance.RepoDigest(c.Image, img.RepoDigests)
		if dg == "" {
			return adoption{}, engine.Errorf(engine.ExitPreflight, "",
				"%s runs image %s, which %s no longer names and which has no digest of that repository: adopt recreates the container on the very same image",
				c.Name, shortID(img.ID), c.Image)
		}
		ref = dg
	}
	st := &state.State{InstallerVersion: buildinfo.Get().Version, InstalledAt: deps.now().UTC(), UpdatedAt: deps.now().UTC(),
		Dir: dir, Container: c.Name, ContainerID: c.ID, Edition: instance.Edition(ref), Image: ref, ImageID: img.ID,
		ImageDigest: instance.RepoDigest(ref, img.RepoDigests), Version: info.Version,
		HTTPPort: p.HTTPPort, HTTPSPort: p.HTTPSPort, BindAddress: p.BindAddress, Redis: "embedded", TLS: state.TLSNone}
	st.Registry, st.Tag = splitAppsmithRef(ref)
	if st.BindAddress == "" {
		st.BindAddress = "0.0.0.0"
	}
	layout := instance.Layout{Dir: dir}.Stacks()
	if env, err := layout.ReadEnv(); err == nil {
		st.Database = stacks.DatabaseKind(env.DBURL())
		if u, ok := env.Get("APPSMITH_REDIS_URL"); ok && u != "" && !stacks.IsLocalRedis(u) {
			st.Redis = "external"
		}
		if dom, _ := env.Get("APPSMITH_CUSTOM_DOMAIN"); dom != "" {
			st.Domain, st.TLS = dom, state.TLSLetsEncrypt
			if fileExists(filepath.Join(layout.Root, "ssl", "fullchain.pem")) && fileExists(filepath.Join(layout.Root, "ssl", "privkey.pem")) {
				st.TLS = state.TLSCustom
			}
		}
	}
	a := &state.Adoption{At: st.InstalledAt, From: c.Name, Restart: c.Restart, Replaced: true}
	if a.Restart == "" {
		a.Restart = "no"
	}
	for _, n := range c.Config.Networks {
		a.Networks = append(a.Networks, n.Name)
	}
	if len(a.Networks) == 0 && c.Config.NetworkMode != "" {
		a.Networks = []string{c.Config.NetworkMode}
	}
	for _, m := range c.Config.Mounts {
		a.Mounts = append(a.Mounts, m.Source+":"+m.Destination)
	}
	for _, e := range instance.SpecFromContainer(c, img.Config).Env {
		name, _, _ := strings.Cut(e, "=")
		a.EnvNames = append(a.EnvNames, name)
	}
	sort.Strings(a.EnvNames)
	if cs, ok := instance.ComposeOf(c); ok {
		a.Replaced = false
		a.Compose = &state.ComposeService{Project: cs.Project, Service: cs.Service, ConfigFiles: cs.ConfigFiles, WorkingDir: cs.WorkingDir}
	}
	// What this tool would call its own but did not create: purge keeps it.
	for _, n := range instance.Owned {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			a.Preexisting = append(a.Preexisting, n)
		}
	}
	st.Adopted = a
	return adoption{state: st, image: ref, c: c}, nil
}

// splitAppsmithRef is the mirror ("" for Docker Hub) and the tag of an
// Appsmith image reference, as an install records them.
func splitAppsmithRef(ref string) (registry, tag string) {
	repo := instance.Repository(ref)
	if i := strings.LastIndex(repo, "/appsmith/appsmith-"); i > 0 {
		registry = repo[:i]
	}
	if !strings.Contains(ref, "@") {
		if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
			tag = ref[i+1:]
		} else {
			tag = "latest"
		}
	}
	return registry, tag
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func printAdoption(w io.Writer, rec adoption) {
	s, a := rec.state, rec.state.Adopted
	fmt.Fprintf(w, "Adopt %s into %s — appsmith.yaml will record:\n", rec.c.Name, s.Dir)
	fmt.Fprintf(w, "  container       %s (%s)\n", s.Container, shortID(s.ContainerID))
	fmt.Fprintf(w, "  image           %s (%s)\n", s.Image, shortID(s.ImageID))
	fmt.Fprintf(w, "  version         %s\n", s.Version)
	fmt.Fprintf(w, "  ports           http %d, https %d on %s\n", s.HTTPPort, s.HTTPSPort, s.BindAddress)
	fmt.Fprintf(w, "  restart policy  %s\n", a.Restart)
	fmt.Fprintf(w, "  networks        %s\n", orNone(a.Networks))
	fmt.Fprintf(w, "  mounts          %s\n", orNone(a.Mounts))
	fmt.Fprintf(w, "  environment     %s (names only)\n", orNone(a.EnvNames))
	fmt.Fprintf(w, "  database        %s\n", stacks.DatabaseLabel(s.Database))
	if cs := a.Compose; cs != nil {
		fmt.Fprintf(w, "  docker compose  service %q of project %q%s: recorded, not replaced\n", cs.Service, cs.Project, composeFileNote(cs))
		return
	}
	fmt.Fprintf(w, "The container is replaced by one with exactly these settings, on the same image, plus appsmith-install's labels:\n"+
		"Appsmith restarts once. Any failure puts %s back as it was.\n", rec.c.Name)
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
