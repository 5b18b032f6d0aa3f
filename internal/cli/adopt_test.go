package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

func appsmithCtr(name, src string, labels map[string]string) docker.Container {
	return docker.Container{ID: name + "0123456789", Name: name, Image: "appsmith/appsmith-ee", State: "running", Labels: labels,
		Config: docker.ContainerSpec{Mounts: []docker.Mount{{Type: docker.MountBind, Source: src, Destination: "/appsmith-stacks"}}}}
}

// The choice of the container: the only one, else --container; none is
// exit 5, several exit 2 naming them; a named container that is not a
// candidate is refused saying why.
func TestPickCandidate(t *testing.T) {
	a := appsmithCtr("a", "/srv/a/stacks", nil)
	b := appsmithCtr("b", "/srv/b/stacks", nil)
	managed := appsmithCtr("m", "/opt/appsmith/stacks", map[string]string{state.LabelManaged: "true", state.LabelDir: "/opt/appsmith"})
	nginx := docker.Container{ID: "nginx1", Name: "web", Image: "nginx"}
	all := []docker.Container{a, b, managed, nginx}

	for _, tc := range []struct {
		name, dir, container string
		code                 int
		pick, says           string
	}{
		{name: "several", code: engine.ExitUsage, says: "2 Appsmith containers"},
		{name: "by name", container: "b", pick: "b"},
		{name: "by ID prefix", container: "a0123", pick: "a"},
		{name: "by dir", dir: "/srv/a", pick: "a"},
		{name: "none in dir", dir: "/srv/c", code: engine.ExitNotFound, says: "no Appsmith container to adopt with its stacks in /srv/c"},
		{name: "managed", container: "m", code: engine.ExitUsage, says: "managed by appsmith-install already"},
		{name: "not appsmith", container: "web", code: engine.ExitUsage, says: "is not appsmith/appsmith-ce"},
		{name: "other dir", container: "b", dir: "/srv/a", code: engine.ExitUsage, says: "not in /srv/a"},
		{name: "no such", container: "zz", code: engine.ExitNotFound, says: "no such container"},
	} {
		cd, err := pickCandidate(all, tc.dir, "--dir", tc.container)
		if tc.pick != "" {
			if err != nil || cd.Container.Name != tc.pick {
				t.Errorf("%s: picked %q (%v), want %q", tc.name, cd.Container.Name, err, tc.pick)
			}
			continue
		}
		if err == nil || engine.ExitCode(err) != tc.code || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v (exit %d), want exit %d saying %q", tc.name, err, engine.ExitCode(err), tc.code, tc.says)
		}
	}
	if _, err := pickCandidate([]docker.Container{nginx}, "", "", ""); engine.ExitCode(err) != engine.ExitNotFound || engine.HintOf(err) == "" {
		t.Errorf("nothing to adopt: %v, want exit 5 with a hint", err)
	}
}

func TestSplitAppsmithRef(t *testing.T) {
	for ref, want := range map[string][2]string{
		"appsmith/appsmith-ee":                                 {"", "latest"},
		"appsmith/appsmith-ce:v1.9.2":                          {"", "v1.9.2"},
		"docker.io/appsmith/appsmith-ce:v1.9.2":                {"", "v1.9.2"},
		"mirror.example.com:5000/appsmith/appsmith-ee:release": {"mirror.example.com:5000", "release"},
		"127.0.0.1:5000/appsmith/appsmith-ce@sha256:abc":       {"127.0.0.1:5000", ""},
	} {
		r, tag := splitAppsmithRef(ref)
		if r != want[0] || tag != want[1] {
			t.Errorf("splitAppsmithRef(%q) = %q %q, want %q", ref, r, tag, want)
		}
	}
}

// Each hop is a change of the compose file's image line, in order.
func TestComposeUpgradeNamesEachImageLine(t *testing.T) {
	cs := &state.ComposeService{Project: "p", Service: "appsmith", ConfigFiles: "/srv/docker-compose.yml", WorkingDir: "/srv"}
	got := composeUpgrade("/srv", cs, []string{"appsmith/appsmith-ce:v1.9.2", "appsmith/appsmith-ce:v1.9.38"})
	for _, w := range []string{"/srv/docker-compose.yml", "1. set the service's line to `image: appsmith/appsmith-ce:v1.9.2`", "2. set the service's line to `image: appsmith/appsmith-ce:v1.9.38`", "docker compose up -d", "appsmith status --dir /srv", "appsmith backup --passphrase-file FILE --dir /srv"} {
		if !strings.Contains(got, w) {
			t.Errorf("lacks %q:\n%s", w, got)
		}
	}
}

// `adopt --resume` without --dir finds the dir of the interrupted adopt by
// its journal, beside the stacks of an Appsmith container that has no
// labels yet (killed before its twin was created).
func TestAdoptResumeFindsTheDirByItsJournal(t *testing.T) {
	root := t.TempDir()
	busy, idle := filepath.Join(root, "busy"), filepath.Join(root, "idle")
	j, err := engine.Create(filepath.Join(busy, "journal"), "adopt appsmith", engine.Plan{Name: "adopt appsmith", Steps: []engine.Step{{ID: "stop", Title: "Stop",
		Run: func(context.Context, engine.Reporter) error { return nil }}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	d := &dockerfake.Engine{T: t, ContainerListFunc: func(context.Context, map[string]string) ([]docker.Container, error) {
		return []docker.Container{appsmithCtr("a", filepath.Join(busy, "stacks"), nil), appsmithCtr("b", filepath.Join(idle, "stacks"), nil)}, nil
	}}
	stdio, _, _ := testIO()
	dir, err := adoptResumeDir(context.Background(), &rootOpts{}, stdio, d)
	if err != nil || dir != busy {
		t.Errorf("dir %q (%v), want %q", dir, err, busy)
	}
}
