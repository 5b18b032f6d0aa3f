package imagecheck

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/imageenv"
)

// Where image prepare puts what first boot needs; image check looks there.
const (
	Binary     = "usr/local/bin/appsmith-install"
	Link       = "usr/local/bin/appsmith" // → appsmith-install
	HookScript = "var/lib/cloud/scripts/per-instance/appsmith-firstboot"
	HookUnit   = "etc/systemd/system/appsmith-firstboot.service"
	HookWants  = "etc/systemd/system/multi-user.target.wants/appsmith-firstboot.service"
	MOTD       = "etc/update-motd.d/60-appsmith"
	// MOTDText is what the MOTD script shows once firstboot has written it
	// (the instance's URL and next commands).
	MOTDText = imageenv.MOTDPath
	// FirstbootCommand is what both hooks run.
	FirstbootCommand = "/" + Binary + " firstboot"
)

// secretFiles are what an instance keeps its secrets in; an image holds
// none (firstboot makes them, once per instance).
var secretFiles = []string{"docker.env", "appsmith-credentials"}

// secretKeys are docker.env's secrets; image.env must carry none.
var secretKeys = []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT", "APPSMITH_SUPERVISOR_PASSWORD", "APPSMITH_DB_URL", "APPSMITH_MONGODB_PASSWORD"}

func appsmithChecks() []check {
	return []check{
		{id: "appsmith-secrets", source: SourceAppsmith, title: "no Appsmith secret or docker.env baked in", run: checkSecrets},
		{id: "image-env", source: SourceAppsmith, title: "image.env records the image by digest", run: func(c *ctx) verdict {
			b, err := c.read(imageenv.Path)
			if err != nil {
				return verdict{status: Fail, detail: "missing", paths: []string{abs(imageenv.Path)}, fix: "appsmith-install image prepare --provider aws|digitalocean"}
			}
			im, err := imageenv.Parse(b)
			if err != nil {
				return verdict{status: Fail, detail: err.Error(), paths: []string{abs(imageenv.Path)}, fix: "appsmith-install image prepare --provider aws|digitalocean"}
			}
			if c.opts.Provider != "" && im.Provider != c.opts.Provider {
				return verdict{status: Fail, detail: fmt.Sprintf("baked for %s, checked for %s", im.Provider, c.opts.Provider), paths: []string{abs(imageenv.Path)},
					fix: "appsmith-install image prepare --provider " + c.opts.Provider}
			}
			return pass(fmt.Sprintf("%s %s %s", im.Provider, im.Edition, im.Version))
		}},
		{id: "firstboot-hook", source: SourceAppsmith, title: "the first-boot hook is installed and executable", run: checkHook},
		{id: "docker-engine", source: SourceAppsmith, title: "the Docker engine is installed and enabled", run: checkDocker},
		{id: "image-present", source: SourceAppsmith, title: "the Appsmith image is present by the recorded digest", run: checkImage},
	}
}

func checkSecrets(c *ctx) verdict {
	var bad []string
	look := []string{"opt/appsmith", "appsmith-stacks", "srv", "root", "home"}
	for _, dir := range look {
		c.walk(dir, 6, func(p string, d fs.DirEntry) {
			for _, n := range secretFiles {
				if path.Base(p) == n {
					bad = append(bad, abs(p))
				}
			}
		})
	}
	if b, err := c.read(imageenv.Path); err == nil {
		for _, k := range secretKeys {
			if strings.Contains(string(b), k) {
				bad = append(bad, abs(imageenv.Path)+" ("+k+")")
			}
		}
	}
	if len(bad) > 0 {
		return verdict{status: Fail, detail: "every instance would share these secrets (or firstboot would take them for an instance's own)", paths: bad,
			fix: "bake without installing an instance: image prepare pulls the image and leaves the secrets to firstboot"}
	}
	return pass("")
}

func (c *ctx) executable(name string) bool {
	fi, err := c.fs.Stat(name)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

func checkHook(c *ctx) verdict {
	var why, bad []string
	miss := func(p, w string) { bad, why = append(bad, abs(p)), append(why, w) }
	if !c.executable(Binary) {
		miss(Binary, "appsmith-install is not an executable file")
	}
	if !c.executable(HookScript) {
		miss(HookScript, "the cloud-init per-instance script is missing or not executable")
	} else if b, _ := c.read(HookScript); !strings.Contains(string(b), FirstbootCommand) {
		miss(HookScript, "the cloud-init script does not run "+FirstbootCommand)
	}
	if b, err := c.read(HookUnit); err != nil || !strings.Contains(string(b), "ExecStart="+FirstbootCommand) {
		miss(HookUnit, "the systemd unit is missing or does not run "+FirstbootCommand)
	}
	if !c.exists(HookWants) {
		miss(HookWants, "the systemd unit is not enabled")
	}
	if t, err := c.fs.ReadLink(Link); err != nil || path.Base(t) != path.Base(Binary) {
		miss(Link, "the appsmith command is not a link to appsmith-install")
	}
	if len(bad) > 0 {
		return verdict{status: Fail, detail: strings.Join(why, "; "), paths: bad, fix: "appsmith-install image prepare (again)"}
	}
	return pass("")
}

func checkDocker(c *ctx) verdict {
	var bad []string
	if !c.executable("usr/bin/dockerd") && !c.executable("usr/sbin/dockerd") {
		bad = append(bad, "/usr/bin/dockerd")
	}
	if len(c.enabled("docker.service")) == 0 && len(c.enabled("docker.socket")) == 0 {
		bad = append(bad, "/etc/systemd/system/multi-user.target.wants/docker.service")
	}
	if len(bad) == 0 {
		return pass("")
	}
	if !c.opts.Live {
		return verdict{status: Warn, detail: "not in the tree: image prepare --root leaves packages and services to a run on the machine", paths: bad,
			fix: "appsmith-install image prepare on the machine being baked"}
	}
	return verdict{status: Fail, detail: "the Docker engine is missing or not enabled", paths: bad, fix: "appsmith-install image prepare (installs docker.io and enables it)"}
}

func checkImage(c *ctx) verdict {
	if c.image == nil {
		return verdict{status: Fail, detail: "no valid image.env: nothing says which image", paths: []string{abs(imageenv.Path)}, fix: "appsmith-install image prepare"}
	}
	ref := c.image.Reference
	fix := "appsmith-install image prepare (pulls " + ref + ")"
	if c.opts.ImagePresent != nil {
		ok, err := c.opts.ImagePresent(c, ref)
		switch {
		case err != nil:
			return verdict{status: Fail, detail: "cannot ask the Docker engine: " + err.Error(), fix: "start Docker: systemctl start docker"}
		case !ok:
			return verdict{status: Fail, detail: ref + " is not in the Docker engine", fix: fix}
		}
		return pass(ref)
	}
	stores, _ := fs.Glob(c.fs, "var/lib/docker/image/*/repositories.json")
	if len(stores) == 0 {
		st := Warn
		if c.opts.Live {
			st = Fail
		}
		return verdict{status: st, detail: "cannot check offline: no Docker image store under the root (var/lib/docker/image/*/repositories.json)",
			paths: []string{"/var/lib/docker"}, fix: "run image check on the machine being baked"}
	}
	for _, s := range stores {
		b, err := c.read(s)
		if err != nil {
			continue
		}
		if id, ok := storeLookup(b, ref); ok {
			driver := path.Base(path.Dir(s))
			cfg := join("var/lib/docker/image", driver, "imagedb/content/sha256", strings.TrimPrefix(id, "sha256:"))
			if c.exists(cfg) {
				return pass(ref + " (" + id + ")")
			}
			return verdict{status: Fail, detail: ref + " is tagged but its image config is missing", paths: []string{abs(cfg)}, fix: fix}
		}
	}
	for i := range stores {
		stores[i] = abs(stores[i])
	}
	return verdict{status: Fail, detail: ref + " is not in the Docker image store", paths: stores, fix: fix}
}

// familiar drops what Docker leaves out of a repository's name.
func familiar(repo string) string {
	repo = strings.TrimPrefix(repo, "docker.io/")
	repo = strings.TrimPrefix(repo, "index.docker.io/")
	return strings.TrimPrefix(repo, "library/")
}

// storeLookup finds ref (repo@sha256:…) in the engine's repositories.json
// and returns the image ID it names.
func storeLookup(b []byte, ref string) (string, bool) {
	var store struct {
		Repositories map[string]map[string]string
	}
	if json.Unmarshal(b, &store) != nil {
		return "", false
	}
	repo, digest, ok := strings.Cut(ref, "@")
	if !ok {
		return "", false
	}
	for r, refs := range store.Repositories {
		if familiar(r) != familiar(repo) {
			continue
		}
		for k, id := range refs {
			if kr, kd, ok := strings.Cut(k, "@"); ok && kd == digest && familiar(kr) == familiar(repo) {
				return id, true
			}
		}
	}
	return "", false
}
