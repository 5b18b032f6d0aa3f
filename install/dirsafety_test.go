package install

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

func TestProtectedDir(t *testing.T) {
	homes := []string{"/home/alice", "/var/lib/builder"}
	for _, dir := range []string{"/", "/home/alice", "/var/lib/builder", "/home/bob", "/root", "/etc", "/usr", "/usr/local", "/usr/local/bin",
		"/var", "/var/lib", "/opt", "/srv", "/mnt", "/tmp", "/proc/1/root", "/sys/fs", "/dev/shm/x", "/run/appsmith",
		"/boot/appsmith", "/var/lib/docker/volumes/x"} {
		if protectedDir(dir, homes) == "" {
			t.Errorf("%s accepted as an install dir", dir)
		}
	}
	for _, dir := range []string{"/opt/appsmith", "/srv/appsmith", "/home/alice/appsmith", "/tmp/x/appsmith",
		"/data", "/var/lib/appsmith", "/mnt/data/appsmith", "/usr/local/appsmith"} {
		if why := protectedDir(dir, homes); why != "" {
			t.Errorf("%s refused: %s", dir, why)
		}
	}
	if why := protectedDir("/etc", homes); !strings.Contains(why, "/etc/appsmith") {
		t.Errorf("the reason names no alternative: %s", why)
	}
}

func TestNormalizeRefusesProtectedDirs(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	link := filepath.Join(t.TempDir(), "root")
	if err := os.Symlink("/", link); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"/", "/opt/..", home, link, "/usr/local", "/proc/self"} {
		o := Defaults()
		o.Dir = dir
		_, err := o.Normalize()
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != "dir" {
			t.Errorf("--dir %s: %v, want a FieldError on dir", dir, err)
		}
	}
	o := Defaults()
	o.Dir = filepath.Join(home, "appsmith")
	if _, err := o.Normalize(); err != nil {
		t.Errorf("a dir of its own in the home dir: %v", err)
	}
}

func touch(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInspectDir(t *testing.T) {
	root := t.TempDir()
	j := func(p ...string) string { return filepath.Join(append([]string{root}, p...)...) }

	if c, err := InspectDir(j("new")); err != nil || c.Exists || c.Install || c.NestedIn != "" {
		t.Errorf("absent dir: %+v %v", c, err)
	}
	os.Mkdir(j("empty"), 0o755)
	os.Mkdir(j("empty", "lost+found"), 0o700)
	if c, err := InspectDir(j("empty")); err != nil || !c.Exists || len(c.Foreign)+len(c.Owned) != 0 {
		t.Errorf("empty dir (lost+found aside): %+v %v", c, err)
	}
	touch(t, j("project", "my-project", "important.txt"), j("project", "notes.txt"))
	if c, _ := InspectDir(j("project")); c.Install || !reflect.DeepEqual(c.Foreign, []string{"my-project", "notes.txt"}) {
		t.Errorf("someone's dir: %+v", c)
	}
	// An install interrupted before docker.env: only what the installer makes.
	os.MkdirAll(j("partial", "stacks", "configuration"), 0o700)
	if c, _ := InspectDir(j("partial")); c.Install || len(c.Foreign) != 0 || !reflect.DeepEqual(c.Owned, []string{"stacks"}) {
		t.Errorf("partial install: %+v", c)
	}
	touch(t, j("inst", "appsmith.yaml"), j("inst", ".appsmith.yaml.tmp-123"), j("inst", "stacks", "configuration", "docker.env"),
		j("inst", "backups", "tls-1", "x"), j("inst", "README"))
	c, _ := InspectDir(j("inst"))
	if !c.Install || !reflect.DeepEqual(c.Owned, []string{".appsmith.yaml.tmp-123", "appsmith.yaml", "backups", "stacks"}) ||
		!reflect.DeepEqual(c.Foreign, []string{"README"}) {
		t.Errorf("install: %+v", c)
	}
	// Only the docker.env of a first start that failed: still an install.
	touch(t, j("failed", "stacks", "configuration", "docker.env"))
	if c, _ := InspectDir(j("failed")); !c.Install {
		t.Errorf("a dir with docker.env is an install: %+v", c)
	}
	touch(t, j("afile"))
	if c, _ := InspectDir(j("afile")); !c.NotDir {
		t.Errorf("a file: %+v", c)
	}
	for _, nested := range []string{j("inst", "stacks"), j("inst", "stacks", "x", "y"), j("inst", "backups", "x"), j("failed", "stacks", "data")} {
		want := filepath.Dir(nested)
		for filepath.Base(want) != "inst" && filepath.Base(want) != "failed" {
			want = filepath.Dir(want)
		}
		if c, _ := InspectDir(nested); c.NestedIn != want {
			t.Errorf("%s: nested in %q, want %s", nested, c.NestedIn, want)
		}
	}
	if c, _ := InspectDir(j("inst", "sibling")); c.NestedIn != "" {
		t.Errorf("a dir beside the install's data is not in it: %+v", c)
	}
	// A link into another install's data is that data.
	os.Symlink(j("inst", "stacks"), j("alias"))
	if c, _ := InspectDir(j("alias", "appsmith")); c.NestedIn != j("inst") {
		t.Errorf("through a link: %+v", c)
	}
}

func TestCheckDir(t *testing.T) {
	dir := t.TempDir()
	touch(t, filepath.Join(dir, "my-project", "important.txt"))
	o := Defaults()
	o.Dir = dir
	findings := func(o Options, c *docker.Container) []Finding {
		obs := &Observation{Container: c}
		(&Installer{}).checkDir(obs, o)
		return obs.Findings
	}
	fs := findings(o, nil)
	if len(fs) != 1 || fs[0].Level != Fail || !strings.Contains(fs[0].Message, "my-project") || !strings.Contains(fs[0].Hint, "--allow-non-empty-dir") {
		t.Fatalf("non-empty dir: %+v", fs)
	}
	if fs := findings(o, &docker.Container{ID: "c"}); len(fs) != 0 {
		t.Errorf("a dir whose managed container exists is an install: %+v", fs)
	}
	o.AllowNonEmptyDir = true
	if fs := findings(o, nil); len(fs) != 1 || fs[0].Level != OK || !strings.Contains(fs[0].Message, "my-project") {
		t.Errorf("--allow-non-empty-dir: %+v", fs)
	}
	o.AllowNonEmptyDir = false
	touch(t, state.Path(dir))
	if fs := findings(o, nil); len(fs) != 0 {
		t.Errorf("an install with other files beside it: %+v", fs)
	}
	o.Dir = filepath.Join(dir, "stacks", "inner")
	o.AllowNonEmptyDir = true
	if fs := findings(o, nil); len(fs) != 1 || fs[0].Level != Fail || !strings.Contains(fs[0].Message, dir) {
		t.Errorf("inside another install's stacks: %+v", fs)
	}
	o.Dir = state.Path(dir)
	if fs := findings(o, nil); len(fs) != 1 || fs[0].Level != Fail || !strings.Contains(fs[0].Message, "is a file") {
		t.Errorf("a file: %+v", fs)
	}
}

func TestPurgeKeepsForeignFiles(t *testing.T) {
	dir := t.TempDir()
	j := func(p ...string) string { return filepath.Join(append([]string{dir}, p...)...) }
	touch(t, j("appsmith.yaml"), j(".appsmith.yaml.tmp-9"), j("stacks", "configuration", "docker.env"),
		j("backups", "tls-1", "fullchain.pem"), j("journal", "1.json"), j("my-project", "important.txt"))
	kept, err := Purge(dir)
	if err != nil || !reflect.DeepEqual(kept, []string{"my-project"}) {
		t.Fatalf("Purge: %v %v", kept, err)
	}
	if _, err := os.Stat(j("my-project", "important.txt")); err != nil {
		t.Fatal("the foreign file is gone")
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 {
		t.Errorf("left %v, want only my-project", left)
	}

	// Nothing else in it: the dir goes too.
	dir = t.TempDir()
	touch(t, j("appsmith.yaml"), j("stacks", "configuration", "docker.env"))
	if _, err := Purge(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the emptied dir stays: %v", err)
	}
}

func TestObserveLink(t *testing.T) {
	bin := t.TempDir()
	exe := filepath.Join(bin, "appsmith-install")
	touch(t, exe)
	in := &Installer{Host: Host{Executable: func() (string, error) { return exe, nil }}}
	observe := func(linkDir string) *Observation {
		obs := &Observation{}
		in.observeLink(obs, linkDir)
		return obs
	}
	missing := filepath.Join(t.TempDir(), "no-such-bin")
	if obs := observe(missing); obs.LinkNeeded || len(obs.Findings) != 1 || obs.Findings[0].Level != Warn ||
		!strings.Contains(obs.Findings[0].Message, missing) {
		t.Errorf("missing --link-dir: %+v", obs)
	}
	linkDir := t.TempDir()
	if obs := observe(linkDir); !obs.LinkNeeded || len(obs.Findings) != 0 {
		t.Errorf("no link yet: %+v", obs)
	}
	os.Symlink(exe, filepath.Join(linkDir, LinkName))
	if obs := observe(linkDir); obs.LinkNeeded || obs.Link != filepath.Join(linkDir, LinkName) {
		t.Errorf("the link is there already (another install made it): %+v", obs)
	}
	other := t.TempDir()
	touch(t, filepath.Join(other, LinkName))
	if obs := observe(other); obs.LinkNeeded || len(obs.Findings) != 1 || obs.Findings[0].Level != Warn {
		t.Errorf("someone's program named appsmith: %+v", obs)
	}
}

func TestRemovableLink(t *testing.T) {
	bin := t.TempDir()
	exe := filepath.Join(bin, "appsmith-install")
	touch(t, exe)
	link := filepath.Join(t.TempDir(), LinkName)
	os.Symlink(exe, link)
	var cs []docker.Container
	d := &dockerfake.Engine{T: t, ContainerListFunc: func(_ context.Context, l map[string]string) ([]docker.Container, error) {
		if l[state.LabelManaged] != "true" {
			t.Errorf("listed with %v", l)
		}
		return cs, nil
	}}
	exeFn := func() (string, error) { return exe, nil }
	managed := func(dir string) docker.Container {
		return docker.Container{Labels: map[string]string{state.LabelManaged: "true", state.LabelDir: dir}}
	}
	ctx := context.Background()

	cs = []docker.Container{managed("/srv/a")}
	if got, others, err := RemovableLink(ctx, d, "/srv/a", link, exeFn); err != nil || got != link || len(others) != 0 {
		t.Errorf("the last install: %q %v %v", got, others, err)
	}
	// Another install without a state (or one recording no link) may use it.
	b := t.TempDir()
	cs = append(cs, managed(b), managed(b))
	if got, others, err := RemovableLink(ctx, d, "/srv/a", link, exeFn); err != nil || got != "" || !reflect.DeepEqual(others, []string{b}) {
		t.Errorf("another install uses it: %q %v %v", got, others, err)
	}
	if err := state.Save(b, &state.State{Dir: b, Link: link}); err != nil {
		t.Fatal(err)
	}
	if got, others, _ := RemovableLink(ctx, d, "/srv/a", link, exeFn); got != "" || len(others) != 1 {
		t.Errorf("another install recording this link: %q %v", got, others)
	}
	// One whose state records a link elsewhere does not use this one.
	if err := state.Save(b, &state.State{Dir: b, Link: "/opt/bin/appsmith"}); err != nil {
		t.Fatal(err)
	}
	if got, others, err := RemovableLink(ctx, d, "/srv/a", link, exeFn); err != nil || got != link || len(others) != 0 {
		t.Errorf("another install with its own link: %q %v %v", got, others, err)
	}
	// The link-dir label decides, state or no state (an install still in
	// progress has none yet).
	labelled := func(dir, linkDir string) docker.Container {
		c := managed(dir)
		c.Labels[state.LabelLinkDir] = linkDir
		return c
	}
	c, e := t.TempDir(), t.TempDir()
	cs = []docker.Container{managed("/srv/a"), labelled(c, filepath.Dir(link)), labelled(e, "/elsewhere")}
	if got, others, err := RemovableLink(ctx, d, "/srv/a", link, exeFn); err != nil || got != "" || !reflect.DeepEqual(others, []string{c}) {
		t.Errorf("labelled installs: %q %v %v", got, others, err)
	}
	cs = []docker.Container{managed("/srv/a"), labelled(e, ""), labelled(c, "/elsewhere")}
	if got, others, err := RemovableLink(ctx, d, "/srv/a", link, exeFn); err != nil || got != link || len(others) != 0 {
		t.Errorf("installs labelled with other link dirs: %q %v %v", got, others, err)
	}
	cs = nil
	otherExe := filepath.Join(bin, "other")
	touch(t, otherExe)
	if got, _, _ := RemovableLink(ctx, d, "/srv/a", link, func() (string, error) { return otherExe, nil }); got != "" {
		t.Errorf("a link to another binary is removed")
	}
}

// The home directories refused are those of the host's environment
// (Host.Getenv), not of whatever process runs the check: under sudo the
// invoking user's home, named by SUDO_USER.
func TestNormalizeOnTakesTheHostsEnvironment(t *testing.T) {
	o := Defaults()
	o.Dir = "/nonexistent" // the home of the user nobody
	env := func(vars map[string]string) Host {
		return Host{Getenv: func(k string) string { return vars[k] }}
	}
	if _, err := o.NormalizeOn(env(map[string]string{"SUDO_USER": "nobody"})); err == nil || !strings.Contains(err.Error(), "your home directory") {
		t.Errorf("SUDO_USER=nobody: %s accepted (%v)", o.Dir, err)
	}
	if _, err := o.NormalizeOn(env(map[string]string{"HOME": "/nonexistent"})); err == nil || !strings.Contains(err.Error(), "your home directory") {
		t.Errorf("HOME=/nonexistent: %s accepted (%v)", o.Dir, err)
	}
	if _, err := o.NormalizeOn(env(nil)); err != nil && strings.Contains(err.Error(), "home") {
		t.Errorf("no SUDO_USER or HOME naming it, yet refused as a home: %v", err)
	}
}
