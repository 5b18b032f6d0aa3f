package instance

import (
	"context"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

type listFunc func(context.Context, map[string]string) ([]docker.Container, error)

func (f listFunc) ContainerList(ctx context.Context, l map[string]string) ([]docker.Container, error) {
	return f(ctx, l)
}

func TestFindSortsContainersByRole(t *testing.T) {
	dir := "/srv/appsmith"
	c := func(name, role string, started int) docker.Container {
		l := Labels(dir, "test", "", role)
		if role == "" {
			delete(l, state.LabelRole) // made before roles existed
		}
		return docker.Container{Name: name, Labels: l, StartedAt: time.Unix(int64(started), 0)}
	}
	other := c("other", RoleCurrent, 0)
	other.Labels[state.LabelDir] = "/srv/else"
	var asked map[string]string
	d := listFunc(func(_ context.Context, l map[string]string) ([]docker.Container, error) {
		asked = l
		return []docker.Container{c("old1", RolePrevious, 1), c("app", "", 3), other, c("old2", RolePrevious, 2)}, nil
	})
	got, err := Find(context.Background(), d, dir)
	if err != nil {
		t.Fatal(err)
	}
	if asked[state.LabelManaged] != "true" || asked[state.LabelDir] != dir {
		t.Errorf("listed with %v", asked)
	}
	if got.Current == nil || got.Current.Name != "app" || len(got.Extra) != 0 {
		t.Errorf("current %+v extra %+v: an unlabelled container is the current one", got.Current, got.Extra)
	}
	if len(got.Previous) != 2 || got.Previous[0].Name != "old2" || got.Previous[1].Name != "old1" {
		t.Errorf("previous %+v, want old2, old1 (newest first)", got.Previous)
	}
	two := Sort([]docker.Container{c("a", RoleCurrent, 1), c("b", RoleCurrent, 2)}, dir)
	if two.Current == nil || len(two.Extra) != 1 {
		t.Errorf("two current containers: %+v", two)
	}
}

func TestLayoutNamesTheInstallersEntries(t *testing.T) {
	l := Layout{Dir: "/srv/a"}
	if l.Stacks().Root != "/srv/a/stacks" || l.Journal() != "/srv/a/journal" || l.Backups() != "/srv/a/backups" || l.StateFile() != "/srv/a/appsmith.yaml" {
		t.Errorf("layout %+v", l)
	}
	if len(Owned) != 4 {
		t.Errorf("owned %v", Owned)
	}
}

func TestPublishedPorts(t *testing.T) {
	c := docker.Container{Ports: []docker.PortBinding{{HostIP: "127.0.0.1", HostPort: 8443, ContainerPort: 443}, {HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80}}}
	if p := PublishedPorts(c); p != (Published{BindAddress: "127.0.0.1", HTTPPort: 8080, HTTPSPort: 8443}) {
		t.Errorf("published %+v", p)
	}
	if p := PublishedPorts(docker.Container{}); p != (Published{}) {
		t.Errorf("nothing published: %+v", p)
	}
}
