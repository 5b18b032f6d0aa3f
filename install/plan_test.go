package install

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

func readyServer(t *testing.T, version string) int {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/health":
			w.Write([]byte(`{}`))
		case "/info":
			fmt.Fprintf(w, `{"version":%q}`, version)
		}
	}))
	t.Cleanup(srv.Close)
	port, _ := strconv.Atoi(srv.URL[strings.LastIndex(srv.URL, ":")+1:])
	return port
}

type fixture struct {
	o      Options
	d      *dockerfake.Engine
	in     *Installer
	ctr    *docker.Container
	image  bool
	others []docker.Container
}

func newFixture(t *testing.T) *fixture {
	o := Defaults()
	o.Dir, o.Edition, o.Version, o.LinkDir, o.BindAddress = t.TempDir(), "ce", "v1.9.2", "", "127.0.0.1"
	o.HTTPPort, o.HTTPSPort = 18080, 18443
	o, err := o.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{o: o}
	f.d = &dockerfake.Engine{
		T: t,
		InfoFunc: func(context.Context) (docker.EngineInfo, error) {
			return docker.EngineInfo{ServerVersion: "20.10", APIVersion: "1.41", Arch: "x86_64", MemTotal: 8 << 30}, nil
		},
		ContainerListFunc: func(context.Context, map[string]string) ([]docker.Container, error) {
			cs := append([]docker.Container(nil), f.others...)
			if f.ctr != nil {
				cs = append(cs, *f.ctr)
			}
			return cs, nil
		},
		ImageInspectFunc: func(_ context.Context, ref string) (docker.Image, error) {
			if f.image {
				return docker.Image{ID: "sha256:img"}, nil
			}
			return docker.Image{}, dockerfake.NotFound(ref)
		},
	}
	f.in = &Installer{
		Connect: func(context.Context) (Docker, error) { return f.d, nil },
		Host: Host{
			PortFree: func(string, int) error { return nil },
			DiskFree: func(string) (uint64, error) { return 20 << 30, nil },
			HasAVX:   func() (bool, error) { return true, nil },
			HTTP:     &http.Client{Timeout: time.Second},
		},
		Version: "test",
	}
	return f
}

// ours is a container this installer made for the fixture's dir.
func (f *fixture) ours(running bool) *docker.Container {
	state := "exited"
	if running {
		state = "running"
	}
	return &docker.Container{ID: "c1", Name: f.o.ContainerName, Image: f.o.ImageRef(), State: state, Running: running,
		Labels: map[string]string{"io.appsmith-install.managed": "true", "io.appsmith-install.dir": f.o.Dir},
		Mounts: []docker.Mount{{Source: filepath.Join(f.o.Dir, "stacks"), Destination: "/appsmith-stacks"}},
		Ports:  desiredPorts(f.o)}
}

func (f *fixture) plan(t *testing.T) ([]string, *Observation, error) {
	t.Helper()
	obs, err := f.in.Observe(context.Background(), f.o)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.in.Plan(context.Background(), f.o, obs)
	var ids []string
	for _, s := range p.Steps {
		ids = append(ids, s.ID)
	}
	return ids, obs, err
}

// installed lays down what a finished install leaves: stacks, docker.env, state.
func (f *fixture) installed(t *testing.T, containerID string) {
	r := &run{o: f.o, in: f.in}
	r.layout.Root = filepath.Join(f.o.Dir, "stacks")
	if err := r.stacks(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := r.writeEnv(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := state.Save(f.o.Dir, &state.State{Dir: f.o.Dir, Container: f.o.ContainerName, ContainerID: containerID,
		Image: f.o.ImageRef(), HTTPPort: f.o.HTTPPort, HTTPSPort: f.o.HTTPSPort, BindAddress: f.o.BindAddress}); err != nil {
		t.Fatal(err)
	}
}

func TestPlanFreshInstall(t *testing.T) {
	f := newFixture(t)
	ids, _, err := f.plan(t)
	if err != nil {
		t.Fatal(err)
	}
	want := "pull record stacks docker-env container start ready state"
	if strings.Join(ids, " ") != want {
		t.Fatalf("steps %v, want %s", ids, want)
	}
}

func TestPlanHealthyInstallIsANoop(t *testing.T) {
	f := newFixture(t)
	f.o.HTTPPort = readyServer(t, "v1.9.2")
	f.image = true
	f.ctr = f.ours(true)
	f.installed(t, "c1")
	ids, obs, err := f.plan(t)
	if err != nil || len(ids) != 0 {
		t.Fatalf("steps %v err %v (findings %+v), want none", ids, err, obs.Findings)
	}
}

func TestPlanStoppedContainerIsStarted(t *testing.T) {
	f := newFixture(t)
	f.image = true
	f.ctr = f.ours(false)
	f.installed(t, "c1")
	ids, _, err := f.plan(t)
	if err != nil || strings.Join(ids, " ") != "start ready state" {
		t.Fatalf("steps %v err %v, want start ready state", ids, err)
	}
}

func TestPlanMissingContainerIsRecreatedOnTheSameData(t *testing.T) {
	f := newFixture(t)
	f.image = true
	f.installed(t, "gone")
	env, _ := os.ReadFile(filepath.Join(f.o.Dir, "stacks/configuration/docker.env"))
	obs, err := f.in.Observe(context.Background(), f.o)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.in.Plan(context.Background(), f.o, obs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range p.Steps {
		got = append(got, s.ID+": "+s.Cause)
	}
	if len(p.Steps) != 4 || p.Steps[0].ID != "container" || !strings.Contains(p.Steps[0].Cause, "same data") {
		t.Fatalf("plan %q", got)
	}
	after, _ := os.ReadFile(filepath.Join(f.o.Dir, "stacks/configuration/docker.env"))
	if string(env) != string(after) {
		t.Fatal("planning changed docker.env")
	}
}

func TestPlanChangedPortsRecreateTheContainer(t *testing.T) {
	f := newFixture(t)
	f.image = true
	f.ctr = f.ours(true)
	f.installed(t, "c1")
	f.o.HTTPPort = 19090
	ids, _, err := f.plan(t)
	if err != nil || strings.Join(ids, " ") != "remove container start ready state" {
		t.Fatalf("steps %v err %v", ids, err)
	}
}

func TestPreflightRefusals(t *testing.T) {
	cases := []struct {
		name  string
		setup func(f *fixture)
		want  string
	}{
		{"other version installed", func(f *fixture) {
			f.ctr = f.ours(true)
			f.ctr.Image = "appsmith/appsmith-ce:v1.9.1"
		}, "re-run with --version v1.9.1"},
		{"foreign container on the stacks", func(f *fixture) {
			f.others = []docker.Container{{ID: "x", Name: "appsmith_appsmith_1", Image: "appsmith/appsmith-ce:release", State: "running",
				Mounts: []docker.Mount{{Source: filepath.Join(f.o.Dir, "stacks"), Destination: "/appsmith-stacks"}}}}
		}, "already uses"},
		{"name taken", func(f *fixture) {
			f.others = []docker.Container{{ID: "x", Name: "appsmith", Image: "nginx", State: "running"}}
		}, "--container-name"},
		{"port in use", func(f *fixture) {
			f.in.Host.PortFree = func(ip string, p int) error { return errors.New("bind: address already in use") }
		}, "--http-port"},
		{"no engine", func(f *fixture) {
			f.in.Connect = func(context.Context) (Docker, error) {
				return nil, errors.New("docker engine unreachable at unix:///x.sock")
			}
		}, "unreachable"},
		{"full disk", func(f *fixture) {
			f.in.Host.DiskFree = func(string) (uint64, error) { return 10 << 20, nil }
		}, "--dir"},
		{"different db in docker.env", func(f *fixture) {
			f.installed(nil2(t), "c1")
			f.o.DBURL = "mongodb://u:p@db.example.com/appsmith"
		}, "never rewrites"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			c.setup(f)
			f.refusedWith(t, c.want)
		})
	}
}

// nil2 stands in for *testing.T where a helper only needs Fatal on a setup
// error; such errors panic, which fails the test as well.
func nil2(*testing.T) *testing.T { return &testing.T{} }

func TestAVXWarningOnlyForEmbeddedMongo5(t *testing.T) {
	for _, c := range []struct {
		version, db string
		warn        bool
	}{{"v1.9.2", "", true}, {"v1.8.15", "", false}, {"v1.46", "", true}, {"v1.47", "", false}, {"latest", "", false},
		{"latest", "embedded-mongodb", true}, {"v1.9.2", "postgresql://u:p@db.example.com/a", false}} {
		f := newFixture(t)
		f.o.Version, f.o.DB = c.version, c.db
		if strings.Contains(c.db, "://") {
			f.o.DB, f.o.DBURL = "", c.db // as Normalize moves a --db URL
		}
		f.in.Host.HasAVX = func() (bool, error) { return false, nil }
		_, obs, _ := f.plan(t)
		got := false
		for _, fd := range obs.Findings {
			got = got || (fd.Check == "avx" && fd.Level == Warn && strings.Contains(fd.Hint, "v1.8.15"))
		}
		if got != c.warn {
			t.Errorf("%s db=%q: avx warning %v, want %v", c.version, c.db, got, c.warn)
		}
	}
}

// refusedWith plans and wants a preflight refusal whose findings (message
// or hint) say want.
func (f *fixture) refusedWith(t *testing.T, want string) {
	t.Helper()
	_, obs, err := f.plan(t)
	if engine.ExitCode(err) != engine.ExitPreflight {
		t.Fatalf("err %v, want a preflight refusal; findings %+v", err, obs.Findings)
	}
	var all strings.Builder
	for _, fd := range obs.Findings {
		all.WriteString(fd.Message + " " + fd.Hint + "\n")
	}
	if !strings.Contains(all.String(), want) {
		t.Fatalf("findings lack %q:\n%s", want, all.String())
	}
}

// A bundle whose image the engine has already is not loaded again, unless
// --trusted-key asks for its signature to be checked.
func TestPlanBundleImagePresent(t *testing.T) {
	for _, key := range []string{"", "/keys/appsmith.pub"} {
		f := newFixture(t)
		f.image = true
		f.o.Bundle, f.o.BundleImageID, f.o.TrustedKey = "/media/b.tar", "sha256:img", key
		ids, _, err := f.plan(t)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(ids, " ")
		want := "record stacks docker-env container start ready state"
		if key != "" {
			want = "pull " + want
		}
		if got != want {
			t.Errorf("trusted key %q: steps %s, want %s", key, got, want)
		}
	}
}
