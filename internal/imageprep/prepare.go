// Package imageprep turns a machine being baked into a marketplace image
// (or, with a root directory, a tree standing in for one): the first-boot
// hook, the appsmith link, image.env, and the cleaning both marketplaces
// demand (keys, histories, logs, cloud-init state, machine-id, locked
// passwords, sshd and on DigitalOcean ufw). It generates no secret and
// starts no instance: firstboot does both, once per instance.
//
// The file-system part works on any root through os.Root. The package
// manager, services and the Docker engine (install docker.io, pull the
// image by digest, purge DigitalOcean's agents) are System's, which only a
// run on the real machine has; without it Prepare says what it would do.
package imageprep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/imagecheck"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
)

// Options say what the image is.
type Options struct {
	// Image is what image.env records: provider, edition, version and the
	// reference by digest (resolved by the caller from the version tag).
	Image imageenv.Image
	// Self is the appsmith-install binary to install as
	// /usr/local/bin/appsmith-install ("" = leave what is there).
	Self string
}

// System is the running machine's package manager, services and Docker
// engine; nil under --root.
type System struct {
	// Run runs a command, its output going to the log.
	Run func(ctx context.Context, name string, args ...string) error
	// Installed says whether a Debian package is installed.
	Installed func(pkg string) bool
	// HasImage says whether the Docker engine holds ref; Pull pulls it
	// (by digest) through the Engine API.
	HasImage func(ctx context.Context, ref string) (bool, error)
	Pull     func(ctx context.Context, ref string) error
}

// Change is one thing Prepare did, or under --root would have done
// ("would": a package or service step left to a run on the machine).
type Change struct {
	Action string `json:"action"` // wrote | emptied | removed | linked | ran | would
	Path   string `json:"path"`   // a path in the image, or the command
}

// Prepare prepares the image under root. It stops at the first error; a
// second run after a fix continues (every step is idempotent, and a run
// that changes nothing reports no change).
func Prepare(ctx context.Context, root string, opts Options, sys *System) ([]Change, error) {
	if err := opts.Image.Check(); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	t := &tree{r: r}
	steps := []func(context.Context, *tree, Options, *System) error{
		packages, firstboot, sshd, passwords, provider, clean,
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return t.changes, err
		}
		if err := step(ctx, t, opts, sys); err != nil {
			return t.changes, err
		}
	}
	return t.changes, nil
}

func (t *tree) run(ctx context.Context, sys *System, name string, args ...string) error {
	cmd := strings.Join(append([]string{name}, args...), " ")
	if sys == nil {
		t.changes = append(t.changes, Change{Action: "would", Path: cmd})
		return nil
	}
	if err := sys.Run(ctx, name, args...); err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	t.changes = append(t.changes, Change{Action: "ran", Path: cmd})
	return nil
}

// packages installs the Docker engine and pulls the image by digest: the
// instance starts on first boot without reaching a registry. Only what is
// missing is done (and reported).
func packages(ctx context.Context, t *tree, o Options, sys *System) error {
	var missing []string
	if !t.executable("usr/sbin/dockerd") && !t.executable("usr/bin/dockerd") {
		missing = append(missing, "docker.io")
	}
	if _, ok := t.lstat("etc/ufw/ufw.conf"); !ok && o.Image.Provider == imageenv.DigitalOcean {
		missing = append(missing, "ufw")
	}
	if len(missing) > 0 {
		if err := t.run(ctx, sys, "apt-get", "update"); err != nil {
			return err
		}
		if err := t.run(ctx, sys, "apt-get", append([]string{"install", "-y", "--no-install-recommends"}, missing...)...); err != nil {
			return err
		}
	}
	if _, ok := t.lstat("etc/systemd/system/multi-user.target.wants/docker.service"); !ok {
		if err := t.run(ctx, sys, "systemctl", "enable", "docker.service"); err != nil {
			return err
		}
	}
	if sys == nil {
		t.changes = append(t.changes, Change{Action: "would", Path: "pull " + o.Image.Reference})
		return nil
	}
	// Started to pull; not a change to the image.
	if err := sys.Run(ctx, "systemctl", "start", "docker.service"); err != nil {
		return fmt.Errorf("systemctl start docker.service: %w", err)
	}
	if ok, err := sys.HasImage(ctx, o.Image.Reference); err != nil {
		return err
	} else if ok {
		return nil
	}
	if err := sys.Pull(ctx, o.Image.Reference); err != nil {
		return err
	}
	t.changes = append(t.changes, Change{Action: "ran", Path: "pull " + o.Image.Reference})
	return nil
}

// firstboot installs what finishes each instance: the binary, the
// appsmith link, both hooks, the MOTD and image.env.
func firstboot(_ context.Context, t *tree, o Options, _ *System) error {
	if o.Self != "" {
		if err := t.copyIn(o.Self, imagecheck.Binary, 0o755); err != nil {
			return err
		}
	}
	if err := t.symlink("appsmith-install", imagecheck.Link); err != nil {
		return err
	}
	if err := t.writeFile(imagecheck.HookScript, []byte(hookScript), 0o755); err != nil {
		return err
	}
	if err := t.writeFile(imagecheck.HookUnit, []byte(hookUnit), 0o644); err != nil {
		return err
	}
	if err := t.symlink("/"+imagecheck.HookUnit, imagecheck.HookWants); err != nil {
		return err
	}
	if err := t.writeFile(imagecheck.MOTD, []byte(motdScript), 0o755); err != nil {
		return err
	}
	body, err := imageenv.Encode(o.Image)
	if err != nil {
		return err
	}
	return t.writeFile(imageenv.Path, body, 0o644)
}

// sshd writes the drop-in, and the Include that reads it when the main
// file lacks one (Debian and Ubuntu have it at the top).
func sshd(_ context.Context, t *tree, _ Options, _ *System) error {
	if err := t.writeFile(imagecheck.SSHDropIn, []byte(sshdDropIn), 0o644); err != nil {
		return err
	}
	main, err := t.r.ReadFile("etc/ssh/sshd_config")
	if errors.Is(err, os.ErrNotExist) {
		return nil // no openssh-server: image check says so
	} else if err != nil {
		return err
	}
	for _, l := range strings.Split(string(main), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && strings.EqualFold(f[0], "Include") && strings.Contains(l, "sshd_config.d/") {
			return nil
		}
	}
	return t.writeFile("etc/ssh/sshd_config", append([]byte("Include /etc/ssh/sshd_config.d/*.conf\n"), main...), 0)
}

// passwords locks every password: root's field becomes exactly "*" (what
// DigitalOcean accepts; passwd -l's "!*" or "!<hash>" fails its check),
// every other unlocked or blank one "!". A blank field in /etc/passwd
// (login without a password, whatever shadow says) becomes "x".
func passwords(_ context.Context, t *tree, _ Options, _ *System) error {
	edit := func(name string, field func(user, v string) string) error {
		b, err := t.r.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			f := strings.Split(l, ":")
			if len(f) < 2 || f[0] == "" || strings.HasPrefix(f[0], "#") {
				continue
			}
			f[1] = field(f[0], f[1])
			lines[i] = strings.Join(f, ":")
		}
		return t.writeFile(name, []byte(strings.Join(lines, "\n")), 0)
	}
	// shadow- is the copy the shadow tools keep of the previous shadow:
	// it holds the hashes too.
	for _, f := range []string{"etc/shadow", "etc/shadow-"} {
		if err := edit(f, func(user, v string) string {
			if user == "root" {
				return "*"
			}
			if imagecheck.Locked(v) {
				return v
			}
			return "!"
		}); err != nil {
			return err
		}
	}
	return edit("etc/passwd", func(_, v string) string {
		if v == "" {
			return "x"
		}
		return v
	})
}

// provider does what one cloud asks: on DigitalOcean, ufw letting in
// only SSH, HTTP and HTTPS, and none of DigitalOcean's agents enabled.
func provider(ctx context.Context, t *tree, o Options, sys *System) error {
	if o.Image.Provider != imageenv.DigitalOcean {
		return nil
	}
	if _, ok := t.lstat("etc/ufw"); ok {
		conf, err := t.r.ReadFile("etc/ufw/ufw.conf")
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := t.writeFile("etc/ufw/ufw.conf", []byte(setShellVar(string(conf), "ENABLED", "yes")), 0); err != nil {
			return err
		}
		if def, err := t.r.ReadFile("etc/default/ufw"); err == nil {
			if !strings.Contains(string(def), "\nDEFAULT_INPUT_POLICY=\"DROP\"") {
				if err := t.writeFile("etc/default/ufw", []byte(setShellVar(string(def), "DEFAULT_INPUT_POLICY", `"DROP"`)), 0); err != nil {
					return err
				}
			}
		}
		if err := t.writeFile("etc/ufw/user.rules", []byte(ufwRules(false, imagecheck.UFWPorts)), 0o640); err != nil {
			return err
		}
		if err := t.writeFile("etc/ufw/user6.rules", []byte(ufwRules(true, imagecheck.UFWPorts)), 0o640); err != nil {
			return err
		}
		// What `systemctl enable ufw` does, unless some target wants it already.
		wanted := false
		for _, w := range []string{"multi-user.target.wants", "sysinit.target.wants", "basic.target.wants"} {
			if _, ok := t.lstat("etc/systemd/system/" + w + "/ufw.service"); ok {
				wanted = true
			}
		}
		if !wanted {
			if err := t.symlink("/lib/systemd/system/ufw.service", "etc/systemd/system/multi-user.target.wants/ufw.service"); err != nil {
				return err
			}
		}
	}
	// The agents: disabled here, purged on the machine.
	for _, pkg := range []string{"droplet-agent", "do-agent"} {
		des, err := t.entries("etc/systemd/system")
		if err != nil {
			return err
		}
		for _, d := range des {
			if d.IsDir() && strings.HasSuffix(d.Name(), ".wants") {
				if err := t.remove("etc/systemd/system/" + d.Name() + "/" + pkg + ".service"); err != nil {
					return err
				}
			}
		}
		if sys != nil && sys.Installed(pkg) {
			if err := t.run(ctx, sys, "apt-get", "purge", "-y", pkg); err != nil {
				return err
			}
		}
	}
	if sys != nil {
		return t.remove("opt/digitalocean")
	}
	if _, ok := t.lstat("opt/digitalocean"); ok {
		t.changes = append(t.changes, Change{Action: "would", Path: "apt-get purge -y droplet-agent; rm -rf /opt/digitalocean"})
	}
	return nil
}
