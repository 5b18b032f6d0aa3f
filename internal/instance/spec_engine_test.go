package instance

// The inspect → spec round trip against the real engine: a container with
// many settings is read back, recreated under another name on another tag of
// its image, and read back again; nothing may change but what must.

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

func TestSpecRoundTripOnEngine(t *testing.T) {
	cli := testenv.RequireEngine(t)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := docker.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })

	// Two tags of one image whose configs differ in everything a container
	// inherits from its image.
	reg := testenv.StartRegistry(t)
	reg.RemoveFromEngineOnCleanup(t, cli)
	repo := strings.ToLower(testenv.UniqueName(t, "spec"))
	oldRef, newRef := reg.Ref(repo, "v1"), reg.Ref(repo, "v2")
	pushConfigured(t, oldRef, v1.Config{
		Env: []string{"PATH=/v1/bin", "IMAGE=one"}, Entrypoint: []string{"/ep-v1"}, Cmd: []string{"serve", "v1"},
		WorkingDir: "/v1", User: "v1", StopSignal: "SIGQUIT", ExposedPorts: map[string]struct{}{"80/tcp": {}},
		Volumes: map[string]struct{}{"/anon": {}}, Labels: map[string]string{"org.opencontainers.image.version": "v1", "vendor": "appsmith"},
		Healthcheck: &v1.HealthConfig{Test: []string{"CMD", "/health-v1"}, Interval: 30 * time.Second, Retries: 3},
	})
	pushConfigured(t, newRef, v1.Config{
		Env: []string{"PATH=/v2/bin", "IMAGE=two"}, Entrypoint: []string{"/ep-v2"}, Cmd: []string{"serve", "v2"},
		WorkingDir: "/v2", User: "v2", StopSignal: "SIGTERM", ExposedPorts: map[string]struct{}{"80/tcp": {}},
		Volumes: map[string]struct{}{"/anon": {}}, Labels: map[string]string{"org.opencontainers.image.version": "v2", "vendor": "appsmith"},
		Healthcheck: &v1.HealthConfig{Test: []string{"CMD", "/health-v2"}, Interval: 10 * time.Second, Retries: 5},
	})
	for _, ref := range []string{oldRef, newRef} {
		if err := d.ImagePull(ctx, ref, nil); err != nil {
			t.Fatal(err)
		}
	}

	prefix := testenv.UniqueName(t, "spec")
	nets := []string{prefix + "-front", prefix + "-back"}
	volume := prefix + "-data"
	var anonVolumes []string
	// Registered before the containers' cleanup, so it runs after it.
	t.Cleanup(func() {
		ctx := context.Background()
		for _, n := range nets {
			_, _ = cli.NetworkRemove(ctx, n, client.NetworkRemoveOptions{})
		}
		for _, v := range append(anonVolumes, volume) {
			_, _ = cli.VolumeRemove(ctx, v, client.VolumeRemoveOptions{Force: true})
		}
	})
	for _, n := range nets {
		if _, err := cli.NetworkCreate(ctx, n, client.NetworkCreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	labels := testenv.Labels(t, cli)
	bind := t.TempDir()
	initTrue, pids := true, int64(200)
	labels["com.appsmith-install.managed"] = "true"
	labels["vendor"] = "us" // overrides the image's

	spec := docker.ContainerSpec{
		Name:           prefix + "-old",
		Image:          oldRef,
		Env:            []string{"A=b c", "QUOTED=\"x y\"", "EMPTY=", "IMAGE=one"},
		Labels:         labels,
		Cmd:            []string{"run", "--flag", "with space"},
		Entrypoint:     []string{"/custom-ep", "-v"},
		WorkingDir:     "/srv",
		User:           "1000:1000",
		StopSignal:     "SIGINT",
		StopTimeout:    90 * time.Second,
		Healthcheck:    &docker.Healthcheck{Test: []string{"CMD-SHELL", "true"}, Interval: 20 * time.Second, Timeout: 3 * time.Second, StartPeriod: time.Minute, Retries: 4},
		Init:           &initTrue,
		Hostname:       "apphost",
		Domainname:     "example.internal",
		RestartPolicy:  "on-failure",
		RestartRetries: 3,
		Log:            &docker.LogConfig{Driver: "json-file", Options: map[string]string{"max-size": "10m", "max-file": "3"}},
		Mounts: []docker.Mount{
			{Type: docker.MountVolume, Source: volume, Destination: "/data"},
			{Type: docker.MountBind, Source: bind, Destination: "/config", ReadOnly: true},
			{Type: docker.MountTmpfs, Destination: "/scratch", TmpfsSize: 16 << 20, TmpfsMode: 0o1777},
		},
		Ports: []docker.PortBinding{
			{HostIP: "127.0.0.1", HostPort: testenv.FreePort(t), ContainerPort: 80},
			{HostIP: "127.0.0.2", HostPort: testenv.FreePort(t), ContainerPort: 80},
			{HostIP: "127.0.0.1", HostPort: testenv.FreePort(t), ContainerPort: 443},
			{HostIP: "127.0.0.1", HostPort: testenv.FreePort(t), ContainerPort: 9000, Proto: "udp"},
		},
		ExposedPorts: []string{"7000/tcp"},
		NetworkMode:  nets[0],
		Networks: []docker.NetworkAttachment{
			{Name: nets[1], Aliases: []string{"db-client"}},
			{Name: nets[0], Aliases: []string{"appsmith", "app"}},
		},
		ExtraHosts:  []string{"db.local:10.0.0.5", "cache.local:10.0.0.6"},
		DNS:         []string{"10.0.0.53"},
		DNSOptions:  []string{"ndots:2"},
		DNSSearch:   []string{"corp.local"},
		CapAdd:      []string{"CAP_NET_ADMIN"},
		CapDrop:     []string{"CAP_MKNOD"},
		SecurityOpt: []string{"no-new-privileges"},
		Sysctls:     map[string]string{"net.ipv4.tcp_keepalive_time": "600"},
		GroupAdd:    []string{"audio"},
		Devices:     []docker.Device{{PathOnHost: "/dev/null", PathInContainer: "/dev/xnull", CgroupPermissions: "rwm"}},
		Tmpfs:       map[string]string{"/run": "rw,noexec,size=1m"},
		IpcMode:     "private",
		Runtime:     "runc",
		Tty:         true,
		OpenStdin:   true,
		Resources: docker.Resources{
			Memory: 256 << 20, MemorySwap: 512 << 20, MemoryReservation: 128 << 20,
			NanoCPUs: 5e8, CPUShares: 512, PidsLimit: &pids, ShmSize: 128 << 20, OomScoreAdj: 100,
			Ulimits: []docker.Ulimit{{Name: "nofile", Soft: 4096, Hard: 8192}},
		},
	}
	old := createAndInspect(ctx, t, d, spec)
	// A start, even one that fails (the image holds no program), is where
	// the engine adds its own network aliases: they must not be carried.
	_ = d.ContainerStart(ctx, old.ID)
	old, err = d.ContainerInspect(ctx, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	oldImage := imageConfig(ctx, t, d, old.ImageID)
	got := SpecFromContainer(old, oldImage)
	for _, m := range got.Mounts {
		if m.Destination == "/anon" {
			anonVolumes = append(anonVolumes, m.Source)
		}
	}

	// What the engine keeps as given, and the few things it adds: the
	// image's VOLUME as a volume of its own (carried by its name), and
	// ports and networks in a stable order.
	want := spec
	// Set to the image's own value, IMAGE follows the image: the engine
	// cannot say it was asked for.
	want.Env = []string{"A=b c", "QUOTED=\"x y\"", "EMPTY="}
	want.Mounts = append([]docker.Mount{{Type: docker.MountVolume, Source: firstOr(anonVolumes), Destination: "/anon"}}, spec.Mounts...)
	slices.SortFunc(want.Mounts, func(a, b docker.Mount) int { return strings.Compare(a.Destination, b.Destination) })
	slices.SortFunc(want.Networks, func(a, b docker.NetworkAttachment) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(want.Ports, func(a, b docker.PortBinding) int {
		return strings.Compare(fmt.Sprintf("%05d/%s %s", a.ContainerPort, a.Proto, a.HostIP), fmt.Sprintf("%05d/%s %s", b.ContainerPort, b.Proto, b.HostIP))
	})
	if diff := diffSpecs(got, want); len(diff) > 0 {
		t.Errorf("spec read back from %s differs from the one it was created with:\n%s", old.Name, strings.Join(diff, "\n"))
	}

	// Recreated under another name on the other tag: the same settings, the
	// new image's defaults, the same volumes.
	next := Retag(got, newRef)
	next.Name = prefix + "-new"
	recreated := createAndInspect(ctx, t, d, next)
	again := SpecFromContainer(recreated, imageConfig(ctx, t, d, recreated.ImageID))
	if again.Image != newRef || recreated.ImageID == old.ImageID {
		t.Errorf("recreated on %s (%s), want %s", again.Image, recreated.ImageID, newRef)
	}
	again.Name, again.Image = got.Name, got.Image
	if diff := diffSpecs(again, got); len(diff) > 0 {
		t.Errorf("recreated container differs:\n%s", strings.Join(diff, "\n"))
	}
	if !slices.Contains(recreated.Config.Env, "PATH=/v2/bin") || slices.Contains(recreated.Config.Env, "PATH=/v1/bin") ||
		recreated.Config.Labels["org.opencontainers.image.version"] != "v2" {
		t.Errorf("old image's defaults baked into the new container: env %q labels %v", recreated.Config.Env, recreated.Config.Labels)
	}

	// A container that took its process from the image gets the new
	// image's: neither the old Cmd nor the old entrypoint is carried.
	plain := createAndInspect(ctx, t, d, docker.ContainerSpec{Name: prefix + "-plain", Image: oldRef, Labels: testenv.Labels(t, cli)})
	for _, m := range plain.Config.Mounts {
		anonVolumes = append(anonVolumes, m.Source)
	}
	plainSpec := SpecFromContainer(plain, oldImage)
	if plainSpec.Cmd != nil || plainSpec.Entrypoint != nil || plainSpec.WorkingDir != "" || plainSpec.User != "" ||
		plainSpec.StopSignal != "" || plainSpec.Healthcheck != nil || plainSpec.Hostname != "" || plainSpec.Env != nil {
		t.Errorf("image defaults in the spec of a plain container: %+v", plainSpec)
	}
	p2 := Retag(plainSpec, newRef)
	p2.Name = prefix + "-plain2"
	upgraded := createAndInspect(ctx, t, d, p2)
	c := upgraded.Config
	if !slices.Equal(c.Cmd, []string{"serve", "v2"}) || !slices.Equal(c.Entrypoint, []string{"/ep-v2"}) || c.WorkingDir != "/v2" ||
		c.User != "v2" || c.StopSignal != "SIGTERM" || c.Healthcheck == nil || !slices.Equal(c.Healthcheck.Test, []string{"CMD", "/health-v2"}) ||
		!slices.Contains(c.Env, "IMAGE=two") || slices.Contains(c.Env, "IMAGE=one") {
		t.Errorf("plain container recreated on v2 does not run v2's defaults: %+v", c)
	}
	if len(c.Mounts) != 1 || c.Mounts[0].Source != plain.Config.Mounts[0].Source {
		t.Errorf("the image volume's data did not follow: before %+v, after %+v", plain.Config.Mounts, c.Mounts)
	}
}

func createAndInspect(ctx context.Context, t *testing.T, d *docker.Client, spec docker.ContainerSpec) docker.Container {
	t.Helper()
	if _, err := d.ContainerCreate(ctx, spec); err != nil {
		t.Fatal(err)
	}
	c, err := d.ContainerInspect(ctx, spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func imageConfig(ctx context.Context, t *testing.T, d *docker.Client, id string) docker.ImageConfig {
	t.Helper()
	img, err := d.ImageInspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return img.Config
}

// pushConfigured pushes a small image (never run: its entrypoint need not
// exist) with the given container defaults.
func pushConfigured(t *testing.T, ref string, cfg v1.Config) {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	img, err = mutate.Config(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}

// diffSpecs names every field that differs, nil and empty being the same.
func diffSpecs(got, want docker.ContainerSpec) []string {
	var out []string
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := 0; i < g.NumField(); i++ {
		gf, wf := g.Field(i), w.Field(i)
		if isEmpty(gf) && isEmpty(wf) {
			continue
		}
		if !reflect.DeepEqual(gf.Interface(), wf.Interface()) {
			out = append(out, fmt.Sprintf("  %s: got %s, want %s", g.Type().Field(i).Name, show(gf), show(wf)))
		}
	}
	return out
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	}
	return v.IsZero()
}

func show(v reflect.Value) string {
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return fmt.Sprintf("&%+v", v.Elem().Interface())
	}
	return fmt.Sprintf("%+v", v.Interface())
}

func firstOr(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return s[0]
}
