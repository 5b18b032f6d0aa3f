package instance

import (
	"context"
	"reflect"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

func TestIsAppsmithImage(t *testing.T) {
	for ref, want := range map[string]bool{
		"appsmith/appsmith-ce":                              true,
		"appsmith/appsmith-ee:v1.9.2":                       true,
		"docker.io/appsmith/appsmith-ee:latest":             true,
		"index.docker.io/appsmith/appsmith-ce@sha256:ab":    true,
		"mirror.example.com:5000/appsmith/appsmith-ce:v2.0": true,
		"127.0.0.1:5000/appsmith/appsmith-ce:v1.9.2":        true,
		"appsmith/appsmith-editor:v1.5":                     false, // the old multi-container stack
		"evil/notappsmith/appsmith-cee":                     false,
		"myappsmith/appsmith-ce":                            false,
		"nginx":                                             false,
	} {
		if got := IsAppsmithImage(ref); got != want {
			t.Errorf("IsAppsmithImage(%q) = %v, want %v", ref, got, want)
		}
	}
	if Edition("mirror.example.com/appsmith/appsmith-ee:v2") != "ee" || Edition("appsmith/appsmith-ce") != "ce" {
		t.Error("Edition")
	}
}

func ctr(name, image string, labels map[string]string, mounts ...docker.Mount) docker.Container {
	return docker.Container{ID: name + "-id", Name: name, Image: image, Labels: labels, Config: docker.ContainerSpec{Mounts: mounts}}
}

// Candidates are Appsmith containers with stacks that this tool does not
// manage; the install dir is the parent of a stacks dir named stacks.
func TestCandidates(t *testing.T) {
	bind := func(src string) docker.Mount {
		return docker.Mount{Type: docker.MountBind, Source: src, Destination: "/appsmith-stacks"}
	}
	cs := []docker.Container{
		ctr("run", "appsmith/appsmith-ce:v1.9.2", nil, bind("/srv/a/stacks")),
		ctr("other-layout", "appsmith/appsmith-ee", nil, bind("/srv/b/data")),
		ctr("volume", "appsmith/appsmith-ee", nil, docker.Mount{Type: docker.MountVolume, Source: "appsmith_stacks", Destination: "/appsmith-stacks"}),
		ctr("managed", "appsmith/appsmith-ce:v1.9.2", map[string]string{state.LabelManaged: "true", state.LabelDir: "/opt/appsmith"}, bind("/opt/appsmith/stacks")),
		ctr("no-stacks", "appsmith/appsmith-ce", nil),
		ctr("nginx", "nginx", nil, bind("/srv/c/stacks")),
	}
	got := Candidates(cs)
	var names []string
	for _, c := range got {
		names = append(names, c.Container.Name+"|"+c.Stacks+"|"+c.Dir)
	}
	want := []string{"other-layout|/srv/b/data|", "run|/srv/a/stacks|/srv/a", "volume||"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("candidates %v, want %v", names, want)
	}
	in := InDir(got, "/srv/b")
	if len(in) != 1 || in[0].Container.Name != "other-layout" {
		t.Errorf("InDir(/srv/b) = %+v: a stacks dir not named stacks is still found, to be refused by name", in)
	}
	if in := InDir(got, "/srv/a/"); len(in) != 1 || in[0].Container.Name != "run" {
		t.Errorf("InDir(/srv/a/) = %+v", in)
	}
	if !MountsStacksOf(cs[0], "/srv/a") || MountsStacksOf(cs[2], "/srv/a") || MountsStacksOf(cs[1], "/srv/b") {
		t.Error("MountsStacksOf")
	}
}

func TestComposeOf(t *testing.T) {
	c := ctr("x", "appsmith/appsmith-ee", map[string]string{"com.docker.compose.project": "p", "com.docker.compose.service": "appsmith",
		"com.docker.compose.project.config_files": "/srv/docker-compose.yml", "com.docker.compose.project.working_dir": "/srv"})
	got, ok := ComposeOf(c)
	if !ok || got != (Compose{Project: "p", Service: "appsmith", ConfigFiles: "/srv/docker-compose.yml", WorkingDir: "/srv"}) {
		t.Errorf("ComposeOf = %+v %v", got, ok)
	}
	if !IsComposeService(c, "p", "appsmith") || IsComposeService(c, "p", "other") {
		t.Error("IsComposeService")
	}
	if _, ok := ComposeOf(ctr("y", "appsmith/appsmith-ee", nil)); ok {
		t.Error("a docker run container is not compose's")
	}
}

// The new container of an adopt carries the old one's settings and labels
// plus this tool's: the label overlay of Swap.
func TestSwapLabelOverlay(t *testing.T) {
	old := docker.Container{ID: "old", Name: "appsmith", Image: "appsmith/appsmith-ce:v1.9.2", ImageID: "sha256:img", Restart: "no",
		Config: docker.ContainerSpec{Name: "appsmith", Image: "appsmith/appsmith-ce:v1.9.2", Labels: map[string]string{"owner": "ops", "img": "x"}, RestartPolicy: "no",
			Mounts: []docker.Mount{{Type: docker.MountBind, Source: "/srv/a/stacks", Destination: "/appsmith-stacks"}}}}
	var created docker.ContainerSpec
	d := &dockerfake.Engine{T: t,
		ImageInspectFunc: func(context.Context, string) (docker.Image, error) {
			return docker.Image{ID: "sha256:img", Config: docker.ImageConfig{Labels: map[string]string{"img": "x"}}}, nil
		},
		ContainerCreateFunc: func(_ context.Context, s docker.ContainerSpec) (string, error) { created = s; return "new", nil },
	}
	sw := &Swap{Old: old, Image: old.Image, KeptName: "appsmith-before-adopt", Labels: Labels("/srv/a", "1.0", "", RoleCurrent)}
	steps := sw.Steps(d)
	if err := steps[len(steps)-1].Run(context.Background(), nopReporter{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"owner": "ops", state.LabelManaged: "true", state.LabelDir: "/srv/a", state.LabelInstaller: "1.0", state.LabelLinkDir: "", state.LabelRole: RoleCurrent}
	if !reflect.DeepEqual(created.Labels, want) || created.Image != old.Image || created.Name != "appsmith" || created.RestartPolicy != "no" || len(created.Mounts) != 1 {
		t.Errorf("created %+v", created)
	}
	if !Manages(docker.Container{Labels: created.Labels}, "/srv/a") {
		t.Error("the adopted container is not managed")
	}
}
