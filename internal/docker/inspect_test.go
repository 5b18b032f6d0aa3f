package docker

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestContainerInspectTranslatesAPI141(t *testing.T) {
	fixture, err := os.ReadFile("testdata/inspect-api-1.41.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeEngine(t)
	f.handle("GET /containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "appsmith" {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "No such container: " + r.PathValue("id")})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(fixture)
	})
	c := f.start()

	got, err := c.ContainerInspect(context.Background(), "appsmith")
	if err != nil {
		t.Fatal(err)
	}
	want := Container{
		ID:        "2d9dd9a7a4713836fe6254185d89d7805f6051bff2e6b6824fe1e1bdab8f3b8d",
		Name:      "appsmith",
		Image:     "appsmith/appsmith-ee:v1.9.2",
		ImageID:   "sha256:2b211788b244c0e82d36524f280dec880be8d4ec95dc357526fecffe7ac5cc46",
		State:     "running",
		Running:   true,
		Health:    "healthy",
		Restarts:  2,
		StartedAt: time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
		Labels:    map[string]string{"com.appsmith-install.managed": "true", "com.appsmith-install.version": "v1.9.2"},
		Mounts:    []Mount{{Source: "/opt/appsmith/stacks", Destination: "/appsmith-stacks"}},
		// Configured bindings in a stable order; the udp one is not ours.
		Ports: []PortBinding{
			{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80},
			{HostIP: "", HostPort: 443, ContainerPort: 443},
			{HostIP: "127.0.0.1", HostPort: 8443, ContainerPort: 443},
		},
		Restart: "unless-stopped",
		Env:     []string{"APPSMITH_DISABLE_TELEMETRY=true", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		Log:     LogConfig{Driver: "json-file", Options: map[string]string{}},
	}
	if !got.StartedAt.Equal(want.StartedAt) {
		t.Errorf("StartedAt = %v, want %v", got.StartedAt, want.StartedAt)
	}
	got.StartedAt = want.StartedAt
	got.Config = ContainerSpec{} // TestContainerConfigFromAPI141
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ContainerInspect:\n got %+v\nwant %+v", got, want)
	}
	if !got.FinishedAt.IsZero() {
		t.Errorf("FinishedAt = %v, want zero for the engine's 0001-01-01", got.FinishedAt)
	}

	_, err = c.ContainerInspect(context.Background(), "gone")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing container: err = %v, want ErrNotFound", err)
	}
	if want := "inspect container gone: No such container: gone"; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

// Everything the container was created with, for a recreate: the udp port
// too, the engine's hostname (the short ID) left out.
func TestContainerConfigFromAPI141(t *testing.T) {
	fixture, err := os.ReadFile("testdata/inspect-api-1.41.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeInspect(fixture)
	if err != nil {
		t.Fatal(err)
	}
	want := ContainerSpec{
		Name:   "appsmith",
		Image:  "appsmith/appsmith-ee:v1.9.2",
		Env:    []string{"APPSMITH_DISABLE_TELEMETRY=true", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		Labels: map[string]string{"com.appsmith-install.managed": "true", "com.appsmith-install.version": "v1.9.2"},
		Mounts: []Mount{{Type: MountBind, Source: "/opt/appsmith/stacks", Destination: "/appsmith-stacks"}},
		Ports: []PortBinding{
			{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80},
			{HostIP: "", HostPort: 443, ContainerPort: 443},
			{HostIP: "127.0.0.1", HostPort: 8443, ContainerPort: 443},
			{HostIP: "", HostPort: 9000, ContainerPort: 9000, Proto: "udp"},
		},
		RestartPolicy: "unless-stopped",
		Log:           &LogConfig{Driver: "json-file", Options: map[string]string{}},
		Cmd:           []string{"/usr/bin/supervisord", "-n"},
		Healthcheck: &Healthcheck{Test: []string{"CMD-SHELL", "curl -f http://localhost/api/v1/health"},
			Interval: 15 * time.Second, Timeout: 15 * time.Second, StartPeriod: 45 * time.Second},
		NetworkMode: "default",
		Networks:    []NetworkAttachment{{Name: "bridge"}},
		IpcMode:     "private",
		Runtime:     "runc",
		DNS:         nil,
		DNSOptions:  []string{},
		DNSSearch:   []string{},
		Devices:     nil,
		Resources:   Resources{ShmSize: 64 << 20, Ulimits: nil},
	}
	if !reflect.DeepEqual(got.Config, want) {
		t.Errorf("Config:\n got %+v\nwant %+v", got.Config, want)
	}
	if _, err := DecodeInspect([]byte("{")); err == nil || !strings.Contains(err.Error(), "read container inspect output") {
		t.Errorf("DecodeInspect of broken JSON: err = %v", err)
	}
}

func TestContainerInspectHealthAndExit(t *testing.T) {
	f := newFakeEngine(t)
	f.handle("GET /containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, json.RawMessage(`{"Id":"abc","Name":"/x",
			"State":{"Status":"exited","Running":false,"ExitCode":137,
			"StartedAt":"2024-01-01T00:00:00Z","FinishedAt":"2024-01-01T00:01:00.5Z",
			"Health":{"Status":"unhealthy","FailingStreak":3}},
			"Config":{"Image":"img"},"HostConfig":{"RestartPolicy":{"Name":"no"}}}`))
	})
	c := f.start()
	got, err := c.ContainerInspect(context.Background(), "abc")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != "exited" || got.Running || got.ExitCode != 137 || got.Health != "unhealthy" || got.Restart != "no" {
		t.Errorf("got %+v", got)
	}
	if want := time.Date(2024, 1, 1, 0, 1, 0, 5e8, time.UTC); !got.FinishedAt.Equal(want) {
		t.Errorf("FinishedAt = %v, want %v", got.FinishedAt, want)
	}
}

func TestContainerListFiltersByLabelAndInspectsEach(t *testing.T) {
	f := newFakeEngine(t)
	f.handle("GET /containers/json", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("all") != "1" {
			t.Errorf("all = %q, want 1 (stopped containers count too)", q.Get("all"))
		}
		var filters map[string]map[string]bool
		if err := json.Unmarshal([]byte(q.Get("filters")), &filters); err != nil {
			t.Errorf("filters %q: %v", q.Get("filters"), err)
		}
		want := map[string]map[string]bool{"label": {"app=appsmith": true, "managed": true}}
		if !reflect.DeepEqual(filters, want) {
			t.Errorf("filters = %v, want %v", filters, want)
		}
		writeJSON(w, http.StatusOK, []map[string]any{
			{"Id": "one", "Names": []string{"/one"}, "State": "running"},
			{"Id": "vanished", "Names": []string{"/vanished"}, "State": "exited"},
			{"Id": "two", "Names": []string{"/two"}, "State": "exited"},
		})
	})
	f.handle("GET /containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		if id == "vanished" {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "No such container: vanished"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"Id": id, "Name": "/" + id,
			"State":  map[string]any{"Status": "exited"},
			"Config": map[string]any{"Image": "img", "Env": []string{"A=1"}, "Labels": map[string]string{"app": "appsmith"}},
			"Mounts": []map[string]any{{"Type": "bind", "Source": "/s/" + id, "Destination": "/appsmith-stacks"}},
		})
	})
	c := f.start()
	got, err := c.ContainerList(context.Background(), map[string]string{"app": "appsmith", "managed": ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "one" || got[1].Name != "two" {
		t.Fatalf("got %+v, want one and two", got)
	}
	if got[1].Env[0] != "A=1" || got[1].Mounts[0].Source != "/s/two" || got[1].Labels["app"] != "appsmith" {
		t.Errorf("details not filled in: %+v", got[1])
	}
}
