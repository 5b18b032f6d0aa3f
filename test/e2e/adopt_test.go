package e2e

import (
	"context"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// docsRun creates (and with start, starts) a container the way Appsmith's
// docs say, through the Engine API: `docker run -d --name NAME -p 80:80
// -p 443:443 -v STACKS:/appsmith-stacks IMAGE` (ports on 127.0.0.1 here),
// plus labels (docker compose's, for a compose service).
func (e *env) docsRun(name, ref, stacks string, labels map[string]string, start bool) string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if resp, err := e.cli.ImagePull(ctx, ref, client.ImagePullOptions{}); err != nil {
		e.t.Fatalf("pull %s: %v", ref, err)
	} else if err := resp.Wait(ctx); err != nil {
		e.t.Fatalf("pull %s: %v", ref, err)
	}
	if err := os.MkdirAll(stacks, 0o755); err != nil {
		e.t.Fatal(err)
	}
	testenv.RemoveContainersOnCleanup(e.t, e.cli, name, name+"-before-adopt")
	p80, p443 := network.MustParsePort("80/tcp"), network.MustParsePort("443/tcp")
	local := netip.MustParseAddr("127.0.0.1")
	created, err := e.cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:   name,
		Config: &container.Config{Image: ref, Labels: labels, ExposedPorts: network.PortSet{p80: {}, p443: {}}},
		HostConfig: &container.HostConfig{
			Binds: []string{stacks + ":/appsmith-stacks"},
			PortBindings: network.PortMap{
				p80:  {{HostIP: local, HostPort: strconv.Itoa(e.http)}},
				p443: {{HostIP: local, HostPort: strconv.Itoa(e.https)}},
			},
		},
	})
	if err != nil {
		e.t.Fatalf("create %s: %v", name, err)
	}
	if !start {
		return created.ID
	}
	if _, err := e.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		e.t.Fatalf("start %s: %v", name, err)
	}
	for {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(e.http) + "/api/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return created.ID
			}
		}
		if ctx.Err() != nil {
			e.t.Fatalf("%s never answered healthy", name)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (e *env) labelsOf(id string) map[string]string {
	e.t.Helper()
	insp, err := e.cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	return insp.Container.Config.Labels
}

// An instance started as the docs say is adopted (replaced by a twin with
// this tool's labels, on the same image and data), then managed: status,
// and an upgrade, with its data intact. Without a terminal, --yes is needed.
func TestAdoptDockerRunThenUpgrade(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
	orig := e.docsRun(e.name, e.reg.Ref("appsmith/appsmith-ce", "v1.9.2"), filepath.Join(e.dir, "stacks"), nil, true)
	testenv.SeedDocuments(t, e.cli, orig, "widgets", 30)

	r := e.run(nil, "adopt")
	if r.code != 2 || !strings.Contains(r.errOut, "--yes") {
		t.Fatalf("adopt without a terminal or --yes: exit %d, want 2\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(state.Path(e.dir)); err == nil {
		t.Fatal("a refused adopt wrote appsmith.yaml")
	}

	// A failure half-way (the name the original is kept under is taken)
	// puts the original back, running and ready, and records nothing.
	blocker, err := e.cli.ContainerCreate(context.Background(), client.ContainerCreateOptions{Name: e.name + "-before-adopt",
		Config: &container.Config{Image: e.reg.Ref("appsmith/appsmith-ce", "v1.9.2")}})
	if err != nil {
		t.Fatal(err)
	}
	r = e.run(nil, "adopt", "--yes", "--progress", "plain", "--timeout", "90s")
	if r.code != 1 || !strings.Contains(r.errOut, "undone") {
		t.Fatalf("adopt that fails half-way: exit %d, want 1\n%s", r.code, r.errOut)
	}
	if insp, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{}); err != nil || insp.Container.ID != orig || !insp.Container.State.Running {
		t.Fatalf("after the failed adopt the original is not running: %v", err)
	}
	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(e.http) + "/api/v1/health")
	if err != nil {
		t.Fatalf("the original does not answer after the failed adopt: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the original is not ready after the failed adopt: %s", resp.Status)
	}
	if _, err := os.Stat(state.Path(e.dir)); err == nil {
		t.Fatal("a failed adopt left appsmith.yaml")
	}
	if _, err := e.cli.ContainerRemove(context.Background(), blocker.ID, client.ContainerRemoveOptions{}); err != nil {
		t.Fatal(err)
	}

	r = e.run(nil, "adopt", "--yes", "--progress", "plain", "--timeout", "90s")
	e.mustSucceed(r, "adopt")
	contains(t, "adopt", r.errOut, e.name, "v1.9.2", "restarts once", "restart policy")
	s, code := e.status()
	if code != 0 || !s.Healthy || s.Version != "v1.9.2" || s.Container != e.name {
		t.Fatalf("status after adopt: exit %d %+v", code, s)
	}
	if s.ContainerID == orig {
		t.Error("the container was not replaced: it cannot carry the labels")
	}
	if l := e.labelsOf(s.ContainerID); l[state.LabelManaged] != "true" || l[state.LabelDir] != e.dir || l[state.LabelRole] != "current" {
		t.Errorf("labels of the adopted container: %v", l)
	}
	if _, err := e.cli.ContainerInspect(context.Background(), orig, client.ContainerInspectOptions{}); err == nil {
		t.Error("the original container is still there")
	}
	st, err := state.Load(e.dir)
	if err != nil || st.Adopted == nil || !st.Adopted.Replaced || st.Adopted.Restart != "no" || st.Version != "v1.9.2" || st.HTTPPort != e.http {
		t.Fatalf("appsmith.yaml: %v %+v", err, st)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 30 {
		t.Errorf("%d documents after adopt, want 30", n)
	}
	r = e.run(nil, "adopt", "--yes")
	if r.code != 2 {
		t.Errorf("adopt of an adopted dir: exit %d, want 2\n%s", r.code, r.errOut)
	}

	e.mustSucceed(e.run(nil, "upgrade", "v1.9.38", "--yes", "--progress", "plain", "--timeout", "90s"), "upgrade after adopt")
	s, code = e.status()
	if code != 0 || s.Version != "v1.9.38" {
		t.Fatalf("after the upgrade: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 30 {
		t.Errorf("%d documents after the upgrade, want 30", n)
	}
}

// Nothing to adopt is exit 5; several containers on the same stacks need
// --container (exit 2, listed); a stacks dir not named stacks is refused by
// name with the layout this tool needs; --container picks one.
func TestAdoptFindsAndRefuses(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	ref := e.reg.Ref("appsmith/appsmith-ce", "v1.9.2")

	r := e.run(nil, "adopt", "--yes")
	if r.code != 5 {
		t.Fatalf("nothing to adopt: exit %d, want 5\n%s", r.code, r.errOut)
	}
	contains(t, "nothing to adopt", r.errOut, "hint:", "docker run")

	// An old container left stopped beside the one that runs, on the same data.
	e.docsRun(e.name+"-old", ref, filepath.Join(e.dir, "stacks"), nil, false)
	live := e.docsRun(e.name, ref, filepath.Join(e.dir, "stacks"), nil, true)
	r = e.run(nil, "adopt", "--yes")
	if r.code != 2 {
		t.Fatalf("two candidates: exit %d, want 2\n%s", r.code, r.errOut)
	}
	contains(t, "two candidates", r.errOut, e.name+"-old", e.name+" (", "--container")
	r = e.run(nil, "adopt", "--yes", "--container", e.name+"-old")
	if r.code != 3 || !strings.Contains(r.errOut, "docker start") {
		t.Errorf("a stopped container: exit %d, want 3\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(state.Path(e.dir)); err == nil {
		t.Fatal("a refused adopt wrote appsmith.yaml")
	}

	other := filepath.Join(t.TempDir(), "srv")
	e2 := &env{t: t, cli: e.cli, dir: other, http: testenv.FreePort(t), https: testenv.FreePort(t)}
	e2.docsRun(e.name+"-data", ref, filepath.Join(other, "data"), nil, false)
	r = e2.run(nil, "adopt", "--yes")
	if r.code != 3 {
		t.Fatalf("stacks not named stacks: exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "layout refusal", r.errOut, filepath.Join(other, "data"), "not named stacks", "--dir", filepath.Join(other, "stacks"))

	r = e.run(nil, "adopt", "--yes", "--container", e.name, "--progress", "plain", "--timeout", "90s")
	e.mustSucceed(r, "adopt --container")
	s, code := e.status()
	if code != 0 || !s.Healthy || s.ContainerID == live {
		t.Fatalf("after adopt --container: exit %d %+v", code, s)
	}
}

// A container of docker compose is recorded, not replaced (compose would
// fight it); status works on it, and upgrade says which image line to change.
func TestAdoptComposeServiceIsRecordedNotReplaced(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
	composeFile := filepath.Join(e.dir, "docker-compose.yml")
	labels := map[string]string{"com.docker.compose.project": "appsmith", "com.docker.compose.service": "appsmith",
		"com.docker.compose.project.config_files": composeFile, "com.docker.compose.project.working_dir": e.dir}
	id := e.docsRun(e.name, e.reg.Ref("appsmith/appsmith-ce", "v1.9.2"), filepath.Join(e.dir, "stacks"), labels, true)
	composeText := "# as the docs say\nservices:\n  appsmith:\n    image: " + e.reg.Ref("appsmith/appsmith-ce", "v1.9.2") + "  # keep\n" +
		"    volumes:\n      - ./stacks:/appsmith-stacks\n    restart: unless-stopped\n"
	if err := os.WriteFile(composeFile, []byte(composeText), 0o644); err != nil {
		t.Fatal(err)
	}

	r := e.run(nil, "adopt", "--yes", "--progress", "plain")
	e.mustSucceed(r, "adopt")
	contains(t, "adopt of a compose service", r.errOut, "docker compose", composeFile, "not replaced")
	s, code := e.status()
	if code != 0 || !s.Healthy || s.ContainerID != id || s.Version != "v1.9.2" {
		t.Fatalf("status of the compose service: exit %d %+v", code, s)
	}
	contains(t, "status of a compose service", e.run(nil, "status").out, "compose:", `service "appsmith" of project "appsmith"`, composeFile)
	st, err := state.Load(e.dir)
	if err != nil || st.Adopted == nil || st.Adopted.Compose == nil || st.Adopted.Replaced || st.Adopted.Compose.ConfigFiles != composeFile {
		t.Fatalf("appsmith.yaml: %v %+v", err, st)
	}
	r = e.run(nil, "upgrade", "v1.9.38", "--yes")
	if r.code != 3 {
		t.Fatalf("upgrade of a compose service: exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "upgrade of a compose service", r.errOut, "image: "+e.reg.Ref("appsmith/appsmith-ce", "v1.9.38"), "docker compose up -d", composeFile, "--update-compose")
	if s, _ := e.status(); s.ContainerID != id || s.Version != "v1.9.2" {
		t.Errorf("the refused upgrade changed the instance: %+v", s)
	}
	if b, _ := os.ReadFile(composeFile); string(b) != composeText {
		t.Errorf("the refused upgrade changed the compose file:\n%s", b)
	}

	// Asked to, it changes only the image line of the recorded file, keeps
	// the original beside it, and leaves the replacing to compose.
	r = e.run(nil, "upgrade", "v1.9.38", "--update-compose")
	e.mustSucceed(r, "upgrade --update-compose")
	contains(t, "upgrade --update-compose", r.errOut, "Changed "+composeFile+" line 4", "docker compose up -d", "appsmith-bak-")
	want := strings.Replace(composeText, ":v1.9.2  # keep", ":v1.9.38  # keep", 1)
	if b, _ := os.ReadFile(composeFile); string(b) != want {
		t.Errorf("compose file after --update-compose:\n%s\nwant:\n%s", b, want)
	}
	baks, _ := filepath.Glob(composeFile + ".appsmith-bak-*")
	if len(baks) != 1 {
		t.Fatalf("backups of the compose file: %v", baks)
	} else if b, _ := os.ReadFile(baks[0]); string(b) != composeText {
		t.Errorf("the backup is not the original:\n%s", b)
	}
	if s, _ := e.status(); s.ContainerID != id || s.Version != "v1.9.2" {
		t.Errorf("--update-compose replaced the container itself: %+v", s)
	}

	// Its stacks were there before adopt: --purge deletes only what this
	// tool made, and says how to delete the rest.
	r = e.run(nil, "uninstall", "--purge", "--yes", "--progress", "plain")
	e.mustSucceed(r, "uninstall --purge")
	contains(t, "uninstall --purge of an adopted instance", r.errOut, "Kept "+filepath.Join(e.dir, "stacks"), "--delete-adopted-data")
	if _, err := os.Stat(filepath.Join(e.dir, "stacks", "configuration", "docker.env")); err != nil {
		t.Errorf("--purge deleted the adopted stacks: %v", err)
	}
	if _, err := os.Stat(state.Path(e.dir)); !os.IsNotExist(err) {
		t.Errorf("appsmith.yaml after --purge: %v", err)
	}
	if _, err := os.Stat(composeFile); err != nil {
		t.Errorf("--purge deleted the compose file: %v", err)
	}
}

// An adopt killed right after any journal record is finished or undone by
// `adopt --resume`: the original container runs as before, or the adopted
// one; the data is intact either way. Until then, adopt points to --resume.
func TestAdoptKilledResumes(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	orig := e.docsRun(e.name, e.reg.Ref("appsmith/appsmith-ce", "v1.9.2"), filepath.Join(e.dir, "stacks"), nil, true)
	testenv.SeedDocuments(t, e.cli, orig, "widgets", 5)
	killed := 0
	for n := 1; n < 40; n++ {
		r := e.run([]string{testenv.FailpointAfterRecord(n)}, "adopt", "--yes", "--progress", "plain", "--timeout", "60s")
		if r.code == 0 {
			break
		}
		if r.code != 128+int(syscall.SIGKILL) {
			t.Fatalf("record %d: exit %d, want killed\n%s", n, r.code, r.errOut)
		}
		killed++
		if again := e.run(nil, "adopt", "--yes"); again.code != 3 || !strings.Contains(again.errOut, "adopt --resume") {
			t.Fatalf("record %d: adopt again before --resume: exit %d\n%s", n, again.code, again.errOut)
		}
		e.mustSucceed(e.run(nil, "adopt", "--resume", "--progress", "plain", "--timeout", "60s"), "resume at record "+strconv.Itoa(n))
		if _, err := os.Stat(state.Path(e.dir)); err == nil {
			s, code := e.status()
			if code != 0 || !s.Healthy || s.ContainerID == orig {
				t.Fatalf("record %d: finished by --resume, but: exit %d %+v", n, code, s)
			}
			if c := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); c != 5 {
				t.Fatalf("record %d: %d documents", n, c)
			}
			break
		}
		// Undone: the original runs again, ready, under its name.
		insp, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{})
		if err != nil || insp.Container.ID != orig || !insp.Container.State.Running {
			t.Fatalf("record %d: after the undo the original is not back: %v", n, err)
		}
		if l := insp.Container.Config.Labels; l[state.LabelManaged] != "" {
			t.Fatalf("record %d: the original has labels %v", n, l)
		}
		if c := testenv.CountDocuments(t, e.cli, orig, "widgets"); c != 5 {
			t.Fatalf("record %d: %d documents", n, c)
		}
	}
	if killed < 8 {
		t.Fatalf("covered only %d kill points", killed)
	}
	t.Logf("covered %d kill points", killed)
}
