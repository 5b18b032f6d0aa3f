package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// A salt lost from the docker.env of an instance with data is never
// regenerated: a new one would make every stored credential unreadable.
// The re-run refuses (exit 3) naming the key and changes nothing.
func TestLostSaltIsRefusedOnData(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	if entries, _ := os.ReadDir(filepath.Join(e.dir, "stacks/data/mongodb")); len(entries) == 0 {
		t.Fatal("the instance wrote no embedded database: the test needs one")
	}
	path := filepath.Join(e.dir, "stacks/configuration/docker.env")
	_, data := readEnv(t, e.dir)
	lost := regexp.MustCompile(`(?m)^APPSMITH_ENCRYPTION_SALT=.*\n`).ReplaceAll(data, nil)
	if len(lost) == len(data) {
		t.Fatal("no salt line to remove")
	}
	if err := os.WriteFile(path, lost, 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(nil, e.installArgs("v1.9.2")...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "lacks APPSMITH_ENCRYPTION_SALT", "stacks/data/mongodb holds a database", "put APPSMITH_ENCRYPTION_SALT back")
	if after, _ := os.ReadFile(path); string(after) != string(lost) {
		t.Fatal("docker.env changed: a refused run must not touch it")
	}
	if baks, _ := filepath.Glob(path + ".bak*"); len(baks) != 0 {
		t.Errorf("the refused run wrote %q", baks)
	}

	// The whole file gone, a copy kept elsewhere in the install: no new
	// docker.env is written, and the copy is named.
	kept := filepath.Join(e.dir, "backups", "mine", "docker.env")
	if err := os.MkdirAll(filepath.Dir(kept), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kept, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	r = e.run(nil, e.installArgs("v1.9.2")...)
	if r.code != 3 {
		t.Fatalf("docker.env removed: exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "docker.env is missing", "cp -p "+kept)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a new docker.env was written on data: %v", err)
	}
}

// A docker.env line bash cannot parse stops Appsmith's entrypoint, which
// sources the file: a re-run reports it as a preflight failure naming the
// line, and changes nothing.
func TestUnparsableDockerEnvLineIsAPreflightFailure(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	path := filepath.Join(e.dir, "stacks/configuration/docker.env")
	_, data := readEnv(t, e.dir)
	broken := append(append([]byte(nil), data...), "APPSMITH_MAIL_FROM \"Appsmith <a@example.com>\n"...)
	line := bytes.Count(data, []byte("\n")) + 1
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(nil, e.installArgs("v1.9.2")...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, fmt.Sprintf("docker.env line %d: unterminated double quote", line), "bash -n")
	if after, _ := os.ReadFile(path); !bytes.Equal(after, broken) {
		t.Fatal("docker.env changed: a refused run must not touch it")
	}
}

// A first install that fails (the container crash-loops) has recorded its
// options: a re-run with only --dir waits again on the same container, name,
// image, ports and bind address instead of moving to the defaults.
func TestFailedFirstInstallRerunKeepsItsOptions(t *testing.T) {
	e := newEnv(t)
	ref := e.reg.Push(t, testenv.Image{Repo: "faults/crash", Tag: "v1.9.2", Fault: "crash"})
	r := e.run(nil, append(e.installArgs("v1.9.2"), "--image", ref)...)
	if r.code != 4 {
		t.Fatalf("first install: exit %d, want 4\n%s", r.code, r.errOut)
	}
	first := e.inspect(t)

	s, code := e.status()
	if code != 4 || !s.Installing || s.Container != e.name || s.HTTPPort != e.http || !strings.Contains(s.Problem, "first install did not finish") {
		t.Errorf("status after the failed first install: exit %d %+v", code, s)
	}

	r = e.run([]string{"APPSMITH_INSTALL_LINK_DIR=" + e.linkDir}, "--yes", "--progress", "plain")
	if r.code != 4 {
		t.Fatalf("re-run with only --dir: exit %d, want 4 (waiting again)\n%s", r.code, r.errOut)
	}
	contains(t, "re-run stderr", r.errOut, "Wait until Appsmith is ready", "the container stopped")
	if strings.Contains(r.errOut, "Remove the old container") || strings.Contains(r.errOut, "Create the container") {
		t.Errorf("the re-run replaced the container:\n%s", r.errOut)
	}
	again := e.inspect(t)
	if again.ID != first.ID || again.Image != first.Image || again.Ports != first.Ports {
		t.Errorf("the re-run moved the instance:\nbefore %+v\nafter  %+v", first, again)
	}
	if !strings.Contains(again.Ports, "127.0.0.1:"+strconv.Itoa(e.http)+"->80") {
		t.Errorf("ports %s, want 127.0.0.1:%d", again.Ports, e.http)
	}
}

// A first install that timed out finishes on a re-run with only --dir,
// which then records it as installed.
func TestTimedOutFirstInstallFinishesOnARerun(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2", BootDelay: 25 * time.Second})
	r := e.run(nil, append(e.installArgs("v1.9.2"), "--timeout", "10s")...)
	if r.code != 4 {
		t.Fatalf("first install: exit %d, want 4\n%s", r.code, r.errOut)
	}
	first := e.inspect(t)
	r = e.run([]string{"APPSMITH_INSTALL_LINK_DIR=" + e.linkDir}, "--yes", "--progress", "plain")
	e.mustSucceed(r, "re-run with only --dir")
	if again := e.inspect(t); again != first {
		t.Errorf("the re-run moved the instance:\nbefore %+v\nafter  %+v", first, again)
	}
	s, code := e.status()
	if code != 0 || !s.Healthy || s.Installing || s.Version != "v1.9.2" || s.ContainerID != first.ID {
		t.Fatalf("status after the re-run: exit %d %+v", code, s)
	}
}

type placed struct{ ID, Name, Image, Ports string }

// inspect finds the install's container by its labels and says where it is.
func (e *env) inspect(t *testing.T) placed {
	t.Helper()
	ctx := context.Background()
	list, err := e.cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", "io.appsmith-install.dir="+e.dir)})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("containers of %s: %d, %v", e.dir, len(list.Items), err)
	}
	c, err := e.cli.ContainerInspect(ctx, list.Items[0].ID, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ports []string
	for p, bs := range c.Container.HostConfig.PortBindings {
		for _, b := range bs {
			ports = append(ports, fmt.Sprintf("%s:%s->%s", b.HostIP, b.HostPort, p))
		}
	}
	sort.Strings(ports)
	return placed{c.Container.ID, strings.TrimPrefix(c.Container.Name, "/"), c.Container.Config.Image, strings.Join(ports, ",")}
}

// After `appsmith uninstall` (data kept), an install of another version onto
// the kept data is refused with nothing changed: Appsmith's migrations cannot
// be undone. The recorded version brings the instance back.
func TestInstallOntoKeptDataRefusesAnotherVersion(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.8.15"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	e.mustSucceed(e.run(nil, "uninstall", "--progress", "plain"), "uninstall")
	before := tree(t, e.dir)

	for _, v := range []string{"v1.8.15", "latest"} {
		r := e.run(nil, e.installArgs(v)...)
		if r.code != 3 {
			t.Fatalf("install %s onto v1.9.2 data: exit %d, want 3\n%s", v, r.code, r.errOut)
		}
		contains(t, "stderr", r.errOut, "written by Appsmith v1.9.2", "install the recorded version v1.9.2")
		if after := tree(t, e.dir); after != before {
			t.Fatalf("the refused install of %s changed the dir:\nbefore\n%s\nafter\n%s", v, before, after)
		}
		if _, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{}); err == nil {
			t.Fatalf("the refused install of %s created a container", v)
		}
	}

	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install of the recorded version")
	if s, code := e.status(); code != 0 || s.Version != "v1.9.2" {
		t.Fatalf("after reinstall: exit %d %+v", code, s)
	}
}

// tree lists every file under dir with its size, mode and modification time.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v %d %s\n", p, fi.Mode(), fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// An install whose appsmith.yaml is lost takes a re-run's defaults from its
// container: a re-run with only --dir converges on it instead of being
// refused, or moved to the default name and ports.
func TestLostStateFileRerunKeepsTheContainer(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	first := e.inspect(t)
	if err := os.Remove(filepath.Join(e.dir, "appsmith.yaml")); err != nil {
		t.Fatal(err)
	}
	r := e.run([]string{"APPSMITH_INSTALL_LINK_DIR=" + e.linkDir}, "--yes", "--progress", "plain")
	e.mustSucceed(r, "re-run with only --dir")
	if again := e.inspect(t); again != first {
		t.Errorf("the re-run moved the instance:\nbefore %+v\nafter  %+v", first, again)
	}
	s, code := e.status()
	if code != 0 || !s.Healthy || s.ContainerID != first.ID || s.Version != "v1.9.2" || s.HTTPPort != e.http {
		t.Fatalf("status after the re-run: exit %d %+v", code, s)
	}
	st, err := os.ReadFile(filepath.Join(e.dir, "appsmith.yaml"))
	if err != nil || !strings.Contains(string(st), "edition: ce") || strings.Contains(string(st), "status:") {
		t.Errorf("appsmith.yaml not recorded again as installed: %v\n%s", err, st)
	}
}
