package instance

import (
	"path/filepath"
	"sort"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// StacksMount is c's mount on /appsmith-stacks: as configured (which
// tells a named volume from a host directory), else as the engine reports it.
func StacksMount(c docker.Container) (docker.Mount, bool) {
	for _, m := range append(append([]docker.Mount(nil), c.Config.Mounts...), c.Mounts...) {
		if filepath.Clean(m.Destination) == StacksPath {
			return m, true
		}
	}
	return docker.Mount{}, false
}

// MountsStacksOf reports whether c mounts dir/stacks (a host directory) as
// its /appsmith-stacks: the container serves the install in dir, whatever
// its labels say.
func MountsStacksOf(c docker.Container, dir string) bool {
	m, ok := StacksMount(c)
	return ok && (m.Type == "" || m.Type == docker.MountBind) && filepath.Clean(m.Source) == filepath.Join(dir, StacksDir)
}

// IsAppsmithImage reports whether ref is an image of appsmith/appsmith-ce or
// -ee, on Docker Hub or a mirror (registry.example.com/appsmith/appsmith-ee).
func IsAppsmithImage(ref string) bool {
	r := Repository(ref)
	for _, name := range []string{"appsmith/appsmith-ce", "appsmith/appsmith-ee"} {
		if r == name || strings.HasSuffix(r, "/"+name) {
			return true
		}
	}
	return false
}

// Edition is "ce" or "ee" from an Appsmith image reference.
func Edition(ref string) string {
	if strings.HasSuffix(Repository(ref), "-ee") {
		return "ee"
	}
	return "ce"
}

// Compose is what docker compose records on a container it manages.
type Compose struct {
	Project     string
	Service     string
	ConfigFiles string // comma-separated, as compose writes it
	WorkingDir  string
}

// The labels docker compose (v1 and v2) puts on its containers.
const (
	composeProject = "com.docker.compose.project"
	composeService = "com.docker.compose.service"
	composeFiles   = "com.docker.compose.project.config_files"
	composeWorkdir = "com.docker.compose.project.working_dir"
)

// ComposeOf is the compose project c belongs to; ok false when compose does
// not manage it.
func ComposeOf(c docker.Container) (Compose, bool) {
	p := c.Labels[composeProject]
	if p == "" {
		return Compose{}, false
	}
	return Compose{Project: p, Service: c.Labels[composeService], ConfigFiles: c.Labels[composeFiles], WorkingDir: c.Labels[composeWorkdir]}, true
}

// IsComposeService reports whether c is the container of the compose
// project's service (compose recreates it under another ID on `up`).
func IsComposeService(c docker.Container, project, service string) bool {
	return c.Labels[composeProject] == project && c.Labels[composeService] == service
}

// Candidate is an Appsmith container started without appsmith-install
// (`docker run` or docker compose, as Appsmith's docs say).
type Candidate struct {
	Container docker.Container
	Stacks    string // the host directory mounted on /appsmith-stacks; "" when it is a named volume
	// Dir is the install dir it would have: the parent of Stacks when
	// Stacks is named "stacks"; "" otherwise (a layout this tool cannot keep).
	Dir string
}

// Candidates are the containers of cs that adopt can take: an Appsmith
// image, a mount on /appsmith-stacks, and none of this tool's labels (an
// install of appsmith-install is managed already). Sorted by name.
func Candidates(cs []docker.Container) []Candidate {
	var out []Candidate
	for _, c := range cs {
		if c.Labels[state.LabelManaged] == "true" || !IsAppsmithImage(c.Image) {
			continue
		}
		m, ok := StacksMount(c)
		if !ok {
			continue
		}
		cd := Candidate{Container: c}
		if m.Type == "" || m.Type == docker.MountBind {
			cd.Stacks = filepath.Clean(m.Source)
			if filepath.Base(cd.Stacks) == StacksDir {
				cd.Dir = filepath.Dir(cd.Stacks)
			}
		}
		out = append(out, cd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Container.Name < out[j].Container.Name })
	return out
}

// InDir keeps the candidates whose stacks directory sits in dir (named
// stacks or not: one not named so is refused by name, not missed).
func InDir(cs []Candidate, dir string) []Candidate {
	var out []Candidate
	for _, c := range cs {
		if c.Stacks != "" && filepath.Dir(c.Stacks) == filepath.Clean(dir) {
			out = append(out, c)
		}
	}
	return out
}
