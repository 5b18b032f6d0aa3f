package install

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/certs"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

func TestExternalHostsAreValidated(t *testing.T) {
	long := strings.Repeat("a", 20000)
	for _, c := range []struct{ url, want string }{
		{"mongodb://u:p@" + long + ".example.com/appsmith", "at most 253"},
		{"mongodb://u:p@" + strings.Repeat("a", 64) + ".example.com/appsmith", "at most 63"},
		{"redis://" + strings.Repeat("abcdefghij.", 24) + "com:6379", "at most 253"},
		{"mongodb://u:p@ss@db.example.com/appsmith", "percent-encode"},
		{`mongodb://u:p"ss@db.example.com/appsmith`, "percent-encode"},
		{"mongodb://u:p#ss@db.example.com/appsmith", "percent-encode"},
		{"redis://db!.example.com:6379", "not allowed"},
		{"redis://-db.example.com:6379", "'-'"},
		{"redis://db.example.com:99999", "port"},
		{"redis://[1.2.3.4]:6379", "not a URL"},
	} {
		o := Defaults()
		if strings.HasPrefix(c.url, "redis") {
			o.RedisURL = c.url
		} else {
			o.DBURL = c.url
		}
		_, err := o.Normalize()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60s: %v, want %q", c.url, err, c.want)
			continue
		}
		if len(err.Error()) > 400 {
			t.Errorf("%.60s: message of %d characters", c.url, len(err.Error()))
		}
	}
	for _, ok := range []string{"mongodb://u:p%40ss@db.example.com:27017/appsmith", "mongodb://u:p@h1.example.com:27017,h2.example.com:27017/a?replicaSet=rs0",
		"mongodb+srv://u:p@cluster0.abc.mongodb.net/appsmith", "postgresql://u:p@10.0.0.5:5432/appsmith", "redis://[::1]:6379", "redis://redis_1:6379",
		"postgresql://u:p@[fe80::1%25eth0]:5432/db", "redis://cache.example.com."} {
		o := Defaults()
		if strings.HasPrefix(ok, "redis") {
			o.RedisURL = ok
		} else {
			o.DBURL = ok
		}
		if _, err := o.Normalize(); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
}

func TestSavedDigestIsTheRepositoryUsed(t *testing.T) {
	f := newFixture(t)
	f.o.Edition = "ee"
	f.o, _ = f.o.Normalize()
	ce := "appsmith/appsmith-ce@sha256:" + strings.Repeat("c", 64)
	ee := "appsmith/appsmith-ee@sha256:" + strings.Repeat("e", 64)
	f.d.ImageInspectFunc = func(context.Context, string) (docker.Image, error) {
		return docker.Image{ID: "sha256:img", RepoDigests: []string{ce, ee}}, nil
	}
	r := &run{in: f.in, d: f.d, o: f.o, container: &docker.Container{ID: "c1"}, ready: instance.ReadyInfo{Version: "v1.9.2"}}
	if err := r.saveState(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	s, err := state.Load(f.o.Dir)
	if err != nil || s.ImageDigest != ee {
		t.Fatalf("image_digest %q (%v), want %s", s.ImageDigest, err, ee)
	}
}

func TestCustomCertificateWithoutDomainWritesItsDomain(t *testing.T) {
	f := newFixture(t)
	f.o.TLS, f.o.Cert, f.o.Key = TLSCustom, "/x/fullchain.pem", "/x/privkey.pem"
	f.in.TLS = &TLSMaterial{KeyPair: &certs.KeyPair{Domain: "appsmith.test", FullchainPEM: []byte("cert"), PrivkeyPEM: []byte("key")}}
	obs, err := f.in.Observe(context.Background(), f.o)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.in.Plan(context.Background(), f.o, obs)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Steps {
		if s.ID == "docker-env" && !strings.Contains(s.Cause, "domain appsmith.test") {
			t.Errorf("docker-env cause %q lacks the certificate's domain", s.Cause)
		}
		if s.ID == "stacks" || s.ID == "docker-env" {
			if err := s.Run(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	data, _ := os.ReadFile(filepath.Join(f.o.Dir, "stacks/configuration/docker.env"))
	env, err := stacks.ParseEnv(data)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := env.Get(stacks.KeyCustomDomain); d != "appsmith.test" {
		t.Fatalf("APPSMITH_CUSTOM_DOMAIN %q, want the certificate's appsmith.test", d)
	}
}

// One port changed: the other is still held by the install's own container,
// which the plan replaces; that is no clash, and the recreate says why.
func TestOnePortChangedIsNotRefusedByItsOwnContainer(t *testing.T) {
	f := newFixture(t)
	f.image = true
	f.ctr = f.ours(true)
	f.installed(t, "c1")
	held := map[int]bool{f.o.HTTPPort: true, f.o.HTTPSPort: true}
	f.in.Host.PortFree = func(_ string, p int) error {
		if held[p] {
			return syscall.EADDRINUSE
		}
		return nil
	}
	f.o.HTTPPort = 19090
	obs, err := f.in.Observe(context.Background(), f.o)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.in.Plan(context.Background(), f.o, obs)
	if err != nil {
		t.Fatalf("refused: %v %+v", err, obs.Findings)
	}
	var got []string
	for _, s := range p.Steps {
		got = append(got, s.ID)
		if s.ID == "container" && (strings.Contains(s.Cause, "no container") || !strings.Contains(s.Cause, "19090")) {
			t.Errorf("recreate cause %q", s.Cause)
		}
	}
	if strings.Join(got, " ") != "remove container start ready state" {
		t.Fatalf("steps %v", got)
	}
}

func TestRerunRefusesWhatItCannotApply(t *testing.T) {
	cases := []struct {
		name  string
		setup func(f *fixture)
		want  string
	}{
		{"container name", func(f *fixture) { f.o.ContainerName = "other" }, "never renames"},
		{"tls mode", func(f *fixture) { f.o.TLS = TLSProxy }, "tls proxy"},
		{"telemetry", func(f *fixture) { f.o.Telemetry = true }, "APPSMITH_DISABLE_TELEMETRY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.o.TLS = TLSNone
			f.o.HTTPPort = readyServer(t, "v1.9.2")
			f.image = true
			f.ctr = f.ours(true)
			f.installed(t, "c1")
			s, _ := state.Load(f.o.Dir)
			s.TLS = TLSNone
			state.Save(f.o.Dir, s)
			c.setup(f)
			f.refusedWith(t, c.want)
		})
	}
}

func TestContainerHasStopTimeoutAndLogRotation(t *testing.T) {
	f := newFixture(t)
	var spec docker.ContainerSpec
	f.d.ContainerCreateFunc = func(_ context.Context, s docker.ContainerSpec) (string, error) { spec = s; return "c1", nil }
	f.d.ContainerInspectFunc = func(_ context.Context, id string) (docker.Container, error) { return docker.Container{ID: id}, nil }
	r := &run{in: f.in, d: f.d, o: f.o}
	if err := r.create(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if spec.StopTimeout != StopTimeout || StopTimeout < time.Minute {
		t.Errorf("StopTimeout %v, want %v", spec.StopTimeout, StopTimeout)
	}
	if spec.Log == nil || spec.Log.Driver != "json-file" || spec.Log.Options["max-size"] == "" || spec.Log.Options["max-file"] == "" {
		t.Errorf("log config %+v, want json-file with max-size and max-file", spec.Log)
	}
}

func TestRecreateStopsBeforeRemoving(t *testing.T) {
	f := newFixture(t)
	f.d.ContainerStopFunc = func(_ context.Context, id string, timeout time.Duration) error {
		if timeout != StopTimeout {
			t.Errorf("stop timeout %v", timeout)
		}
		return nil
	}
	f.d.ContainerRemoveFunc = func(context.Context, string) error { return nil }
	r := &run{in: f.in, d: f.d, o: f.o, container: f.ours(true)}
	if err := r.remove(context.Background(), nil); err != nil || strings.Join(f.d.Methods(), " ") != "ContainerStop ContainerRemove" {
		t.Fatalf("calls %v err %v", f.d.Calls(), err)
	}
}

func TestPortTakenAtStartRemovesTheCreatedContainer(t *testing.T) {
	f := newFixture(t)
	other := docker.Container{ID: "o1", Name: "appsmith-other", Image: "appsmith/appsmith-ce:v1.9.2", State: "running", Running: true,
		Ports: []docker.PortBinding{{HostIP: "127.0.0.1", HostPort: f.o.HTTPPort, ContainerPort: 80}}}
	f.others = []docker.Container{other}
	removed := ""
	f.d.ContainerCreateFunc = func(context.Context, docker.ContainerSpec) (string, error) { return "c1", nil }
	f.d.ContainerInspectFunc = func(_ context.Context, id string) (docker.Container, error) {
		return docker.Container{ID: id, State: "created"}, nil
	}
	f.d.ContainerStartFunc = func(context.Context, string) error {
		return errors.New("start container c1: driver failed programming external connectivity on endpoint x: Bind for 127.0.0.1:18080 failed: port is already allocated")
	}
	f.d.ContainerRemoveFunc = func(_ context.Context, id string) error { removed = id; return nil }
	r := &run{in: f.in, d: f.d, o: f.o}
	if err := r.create(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	err := r.start(context.Background(), nil)
	if engine.ExitCode(err) != engine.ExitPreflight || !strings.Contains(err.Error(), "18080") || !strings.Contains(err.Error(), "appsmith-other") ||
		!strings.Contains(engine.HintOf(err), "--http-port") {
		t.Fatalf("err %v (hint %q)", err, engine.HintOf(err))
	}
	if removed != "c1" {
		t.Fatalf("removed %q, want the container this run created", removed)
	}
	// A container that existed before this run is left alone.
	removed = ""
	r = &run{in: f.in, d: f.d, o: f.o, container: &docker.Container{ID: "c0"}}
	if err := r.start(context.Background(), nil); engine.ExitCode(err) != engine.ExitPreflight || removed != "" {
		t.Fatalf("err %v removed %q", err, removed)
	}
}
