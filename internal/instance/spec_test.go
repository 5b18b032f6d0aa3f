package instance

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// appsmithImage is the configuration of the image the recorded container
// was created from, as ImageInspect gives it for appsmith/appsmith-ee.
var appsmithImage = docker.ImageConfig{
	Env:          []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	Cmd:          []string{"/usr/bin/supervisord", "-n"},
	ExposedPorts: []string{"443/tcp", "80/tcp"},
	Labels:       map[string]string{"org.opencontainers.image.version": "v1.9.2"},
	Healthcheck: &docker.Healthcheck{Test: []string{"CMD-SHELL", "curl -f http://localhost/api/v1/health"},
		Interval: 15 * time.Second, Timeout: 15 * time.Second, StartPeriod: 45 * time.Second},
}

// The spec recreating the container of the recorded API 1.41 inspect
// output: its own settings, none of its image's defaults (PATH, Cmd,
// healthcheck), none of what the engine made up (hostname).
func TestSpecFromRecordedInspect(t *testing.T) {
	b, err := os.ReadFile("../docker/testdata/inspect-api-1.41.json")
	if err != nil {
		t.Fatal(err)
	}
	c, err := docker.DecodeInspect(b)
	if err != nil {
		t.Fatal(err)
	}
	spec := SpecFromContainer(c, appsmithImage)
	got, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const golden = "testdata/spec-from-inspect-api-1.41.golden.json"
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("SpecFromContainer differs from %s (-update rewrites it):\n%s", golden, got)
	}
	// What the golden file must show, said once more in code so an -update
	// cannot quietly accept a regression.
	if spec.Cmd != nil || spec.Entrypoint != nil || spec.Healthcheck != nil || spec.Hostname != "" {
		t.Errorf("image defaults or engine names carried: cmd %q entrypoint %q health %+v hostname %q", spec.Cmd, spec.Entrypoint, spec.Healthcheck, spec.Hostname)
	}
	if !reflect.DeepEqual(spec.Env, []string{"APPSMITH_DISABLE_TELEMETRY=true"}) {
		t.Errorf("Env = %q, want only the container's own", spec.Env)
	}
	if spec.Name != "appsmith" || spec.Image != "appsmith/appsmith-ee:v1.9.2" || len(spec.Ports) != 4 || len(spec.Mounts) != 1 || spec.RestartPolicy != "unless-stopped" {
		t.Errorf("settings lost: %+v", spec)
	}
}

func TestSpecFromContainerLeavesImageDefaults(t *testing.T) {
	img := docker.ImageConfig{
		Env:        []string{"PATH=/bin", "LANG=C.UTF-8"},
		Cmd:        []string{"serve", "--port", "80"},
		Entrypoint: []string{"/entrypoint.sh"},
		WorkingDir: "/app",
		User:       "app",
		StopSignal: "SIGQUIT",
		Labels:     map[string]string{"version": "1", "vendor": "x"},
		Healthcheck: &docker.Healthcheck{Test: []string{"CMD", "check"}, Interval: 30 * time.Second,
			Timeout: 5 * time.Second, Retries: 3},
		ExposedPorts: []string{"80/tcp"},
	}
	merged := docker.ContainerSpec{
		Name: "a", Image: "img:1",
		Env:        []string{"A=b c", "LANG=de_DE.UTF-8", "PATH=/bin"},
		Labels:     map[string]string{"version": "1", "vendor": "mine", "own": "y"},
		WorkingDir: "/app", User: "app", StopSignal: "SIGQUIT",
		Entrypoint: img.Entrypoint, Cmd: img.Cmd,
		Healthcheck:  &docker.Healthcheck{Test: []string{"CMD", "check"}, Interval: 10 * time.Second, Timeout: 5 * time.Second, Retries: 3},
		ExposedPorts: []string{"80/tcp", "9000/udp"},
	}
	got := SpecFromContainer(docker.Container{Name: "a", Config: merged}, img)
	want := docker.ContainerSpec{
		Name: "a", Image: "img:1",
		Env:          []string{"A=b c", "LANG=de_DE.UTF-8"},
		Labels:       map[string]string{"vendor": "mine", "own": "y"},
		Healthcheck:  &docker.Healthcheck{Interval: 10 * time.Second},
		ExposedPorts: []string{"9000/udp"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if merged.Env[2] != "PATH=/bin" || merged.Labels["version"] != "1" {
		t.Errorf("the container's own config was changed: %+v", merged)
	}
}

// The engine's merge of Entrypoint and Cmd, undone.
func TestSpecFromContainerProcess(t *testing.T) {
	img := docker.ImageConfig{Entrypoint: []string{"/ep"}, Cmd: []string{"run"}}
	for _, tc := range []struct {
		name               string
		cmd, entrypoint    []string
		wantCmd, wantEntry []string
	}{
		{"both the image's", []string{"run"}, []string{"/ep"}, nil, nil},
		{"own cmd", []string{"other", "x"}, []string{"/ep"}, []string{"other", "x"}, nil},
		{"own entrypoint, no cmd", nil, []string{"/mine"}, nil, []string{"/mine"}},
		{"own entrypoint and cmd", []string{"a"}, []string{"/mine"}, []string{"a"}, []string{"/mine"}},
		// --entrypoint "" with a command: the engine stores no entrypoint.
		{"entrypoint reset", []string{"/bin/sh"}, nil, []string{"/bin/sh"}, []string{""}},
		// The image's entrypoint given explicitly, without a cmd: the engine
		// then gave no cmd, and neither may the new image.
		{"image's entrypoint given explicitly", nil, []string{"/ep"}, nil, []string{"/ep"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SpecFromContainer(docker.Container{Config: docker.ContainerSpec{Cmd: tc.cmd, Entrypoint: tc.entrypoint}}, img)
			if !reflect.DeepEqual(got.Cmd, tc.wantCmd) || !reflect.DeepEqual(got.Entrypoint, tc.wantEntry) {
				t.Errorf("cmd %q entrypoint %q, want %q %q", got.Cmd, got.Entrypoint, tc.wantCmd, tc.wantEntry)
			}
		})
	}
}

func TestRetagSharesNothing(t *testing.T) {
	init := true
	spec := docker.ContainerSpec{
		Name: "a", Image: "img:1",
		Labels:   map[string]string{"version": "1"},
		Env:      []string{"A=1"},
		Mounts:   []docker.Mount{{Type: docker.MountVolume, Source: "data", Destination: "/data", ReadOnly: true}},
		Networks: []docker.NetworkAttachment{{Name: "n", Aliases: []string{"x"}}},
		Init:     &init,
		Log:      &docker.LogConfig{Driver: "json-file", Options: map[string]string{"max-size": "10m"}},
	}
	got := Retag(spec, "img:2")
	if got.Image != "img:2" || spec.Image != "img:1" {
		t.Fatalf("images %q and %q", got.Image, spec.Image)
	}
	got.Image = spec.Image
	if !reflect.DeepEqual(got, spec) {
		t.Fatalf("settings changed:\n got %+v\nwant %+v", got, spec)
	}
	got.Labels["version"] = "2"
	got.Env[0] = "A=2"
	got.Networks[0].Aliases[0] = "y"
	*got.Init = false
	got.Log.Options["max-size"] = "1m"
	if spec.Labels["version"] != "1" || spec.Env[0] != "A=1" || spec.Networks[0].Aliases[0] != "x" || !*spec.Init || spec.Log.Options["max-size"] != "10m" {
		t.Errorf("the retagged spec shares data with the original: %+v", spec)
	}
}
