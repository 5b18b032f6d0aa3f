package docker

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// API 1.41 takes one network at create: the one NetworkMode names goes in
// the create request, the others are joined right after, before any start.
func TestContainerCreateJoinsEveryNetwork(t *testing.T) {
	f := newFakeEngine(t)
	var mu sync.Mutex
	var calls []string
	var body struct {
		Cmd, Entrypoint  []string
		Hostname         string
		Healthcheck      map[string]any
		HostConfig       map[string]any
		NetworkingConfig map[string]any
	}
	f.handle("POST /containers/create", func(w http.ResponseWriter, r *http.Request) {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("decode: %v", err)
		}
		mu.Lock()
		calls = append(calls, "create")
		mu.Unlock()
		writeJSON(w, http.StatusCreated, map[string]any{"Id": "c0ffee"})
	})
	f.handle("POST /networks/{net}/connect", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Container      string
			EndpointConfig struct {
				Aliases    []string
				IPAMConfig any
			}
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		b, _ := json.Marshal(req)
		mu.Lock()
		calls = append(calls, "connect "+r.PathValue("net")+" "+string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	})
	c := f.start()
	initTrue := true
	_, err := c.ContainerCreate(context.Background(), ContainerSpec{
		Name: "appsmith", Image: "img",
		Cmd: []string{"run"}, Entrypoint: []string{""}, Hostname: "app", Init: &initTrue,
		Healthcheck: &Healthcheck{Test: []string{"NONE"}},
		Mounts: []Mount{
			{Type: MountVolume, Source: "data", Destination: "/data", ReadOnly: true, NoCopy: true},
			{Type: MountTmpfs, Destination: "/tmp", TmpfsSize: 1 << 20, TmpfsMode: 0o700},
			{Source: "/srv", Destination: "/srv", Propagation: "rslave"},
		},
		RestartPolicy: "on-failure", RestartRetries: 3,
		NetworkMode: "front",
		Networks: []NetworkAttachment{
			{Name: "z-last", Aliases: []string{"z"}},
			{Name: "front", Aliases: []string{"app"}, IPv4Address: "172.30.0.9"},
			{Name: "back", Aliases: []string{"b"}},
		},
		DNS:       []string{"10.0.0.53"},
		Resources: Resources{Memory: 1 << 30, Ulimits: []Ulimit{{Name: "nofile", Soft: 1, Hard: 2}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create",
		`connect back {"Container":"c0ffee","EndpointConfig":{"Aliases":["b"],"IPAMConfig":null}}`,
		`connect z-last {"Container":"c0ffee","EndpointConfig":{"Aliases":["z"],"IPAMConfig":null}}`,
	}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("calls:\n%s\nwant\n%s", strings.Join(calls, "\n"), strings.Join(want, "\n"))
	}
	eps, _ := body.NetworkingConfig["EndpointsConfig"].(map[string]any)
	front, _ := eps["front"].(map[string]any)
	if len(eps) != 1 || !reflect.DeepEqual(front["Aliases"], []any{"app"}) ||
		!reflect.DeepEqual(front["IPAMConfig"], map[string]any{"IPv4Address": "172.30.0.9"}) {
		t.Errorf("create's networks: %v", body.NetworkingConfig)
	}
	h := body.HostConfig
	wantMounts := []any{
		map[string]any{"Type": "volume", "Source": "data", "Target": "/data", "ReadOnly": true, "VolumeOptions": map[string]any{"NoCopy": true}},
		map[string]any{"Type": "tmpfs", "Target": "/tmp", "TmpfsOptions": map[string]any{"SizeBytes": float64(1 << 20), "Mode": float64(0o700)}},
		map[string]any{"Type": "bind", "Source": "/srv", "Target": "/srv", "BindOptions": map[string]any{"Propagation": "rslave"}},
	}
	if !reflect.DeepEqual(h["Mounts"], wantMounts) {
		t.Errorf("mounts %v", h["Mounts"])
	}
	if h["NetworkMode"] != "front" || !reflect.DeepEqual(h["RestartPolicy"], map[string]any{"Name": "on-failure", "MaximumRetryCount": float64(3)}) ||
		!reflect.DeepEqual(h["Dns"], []any{"10.0.0.53"}) || h["Memory"] != float64(1<<30) || h["Init"] != true ||
		!reflect.DeepEqual(h["Ulimits"], []any{map[string]any{"Name": "nofile", "Soft": float64(1), "Hard": float64(2)}}) {
		t.Errorf("host config %v", h)
	}
	if !reflect.DeepEqual(body.Entrypoint, []string{""}) || !reflect.DeepEqual(body.Cmd, []string{"run"}) || body.Hostname != "app" ||
		!reflect.DeepEqual(body.Healthcheck, map[string]any{"Test": []any{"NONE"}}) {
		t.Errorf("config: %+v", body)
	}
}

// A container that could not join one of its networks is removed: it was
// created a moment ago, holds nothing, and would start half-wired.
func TestContainerCreateRemovesHalfJoinedContainer(t *testing.T) {
	f := newFakeEngine(t)
	var removed string
	f.handle("POST /containers/create", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusCreated, map[string]any{"Id": "c0ffee"})
	})
	f.handle("POST /networks/{net}/connect", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "network back not found"})
	})
	f.handle("DELETE /containers/{id}", func(w http.ResponseWriter, r *http.Request) {
		removed = r.PathValue("id") + " force=" + r.URL.Query().Get("force") + " v=" + r.URL.Query().Get("v")
		w.WriteHeader(http.StatusNoContent)
	})
	c := f.start()
	_, err := c.ContainerCreate(context.Background(), ContainerSpec{Name: "appsmith", Image: "img",
		Networks: []NetworkAttachment{{Name: "bridge"}, {Name: "back"}}})
	if err == nil || err.Error() != "create container appsmith: join network back: network back not found" {
		t.Errorf("err = %v", err)
	}
	if removed != "c0ffee force=1 v=" {
		t.Errorf("removed %q, want the new container, its volumes kept", removed)
	}
}

func TestContainerCreateRefusesBadAddresses(t *testing.T) {
	for _, spec := range []ContainerSpec{
		{DNS: []string{"dns.example"}},
		{Networks: []NetworkAttachment{{Name: "n", IPv4Address: "10.0.0"}}},
		{ExposedPorts: []string{"http"}},
	} {
		if _, _, err := createConfig(spec); err == nil {
			t.Errorf("createConfig(%+v): no error", spec)
		}
	}
}

// Mounts asked for with `docker run -v` (Binds), with --mount (Mounts), and
// the volumes the engine made for an image's VOLUME all come back as mounts;
// the anonymous one by its name, so its data follows a recreate.
func TestContainerConfigMountsOfEveryKind(t *testing.T) {
	c, err := DecodeInspect([]byte(`{"Id":"0123456789abcdef","Name":"/x",
		"Config":{"Image":"img","Hostname":"0123456789ab"},
		"HostConfig":{
			"Binds":["/srv/conf:/conf:ro,rslave","named:/named:nocopy","/srv/logs:/logs:z"],
			"Mounts":[{"Type":"tmpfs","Target":"/scratch","TmpfsOptions":{"SizeBytes":1048576,"Mode":448}},
			          {"Type":"volume","Source":"data","Target":"/data","ReadOnly":true}],
			"NetworkMode":"host"},
		"Mounts":[
			{"Type":"bind","Source":"/srv/conf","Destination":"/conf","RW":false},
			{"Type":"volume","Name":"named","Source":"/var/lib/docker/volumes/named/_data","Destination":"/named","RW":true},
			{"Type":"volume","Name":"data","Source":"/var/lib/docker/volumes/data/_data","Destination":"/data","RW":false},
			{"Type":"volume","Name":"4f1c0d","Source":"/var/lib/docker/volumes/4f1c0d/_data","Destination":"/anon","RW":true}],
		"NetworkSettings":{"Networks":{"host":{"Aliases":null}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Mount{
		{Type: MountVolume, Source: "4f1c0d", Destination: "/anon"},
		{Type: MountBind, Source: "/srv/conf", Destination: "/conf", ReadOnly: true, Propagation: "rslave"},
		{Type: MountVolume, Source: "data", Destination: "/data", ReadOnly: true},
		{Type: MountBind, Source: "/srv/logs", Destination: "/logs"},
		{Type: MountVolume, Source: "named", Destination: "/named", NoCopy: true},
		{Type: MountTmpfs, Destination: "/scratch", TmpfsSize: 1 << 20, TmpfsMode: 0o700},
	}
	if !reflect.DeepEqual(c.Config.Mounts, want) {
		t.Errorf("mounts:\n got %+v\nwant %+v", c.Config.Mounts, want)
	}
	if c.Config.Hostname != "" || c.Config.NetworkMode != "host" {
		t.Errorf("hostname %q network mode %q", c.Config.Hostname, c.Config.NetworkMode)
	}
	// On the host's network nothing is joined after create.
	if first, rest := splitNetworks(c.Config); first != nil || rest != nil {
		t.Errorf("host network: joins %v then %v", first, rest)
	}
}
