package docker

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestContainerCreateRequest(t *testing.T) {
	f := newFakeEngine(t)
	var body map[string]any
	f.handle("POST /containers/create", func(w http.ResponseWriter, r *http.Request) {
		if got := r.URL.Query().Get("name"); got != "appsmith" {
			t.Errorf("name = %q", got)
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			t.Errorf("decode body: %v", err)
		}
		writeJSON(w, http.StatusCreated, map[string]any{"Id": "c0ffee", "Warnings": []string{}})
	})
	c := f.start()

	id, err := c.ContainerCreate(context.Background(), ContainerSpec{
		Name:          "appsmith",
		Image:         "appsmith/appsmith-ee:v1.9.2",
		Env:           []string{"APPSMITH_DISABLE_TELEMETRY=true"},
		Labels:        map[string]string{"com.appsmith-install.managed": "true"},
		Mounts:        []Mount{{Source: "/opt/appsmith/stacks", Destination: "/appsmith-stacks"}},
		Ports:         []PortBinding{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80}, {HostPort: 443, ContainerPort: 443}},
		RestartPolicy: "unless-stopped",
	})
	if err != nil {
		t.Fatal(err)
	}
	if id != "c0ffee" {
		t.Errorf("id = %q", id)
	}

	// Compare the JSON the engine receives, field names as API 1.41 reads them.
	var want map[string]any
	_ = json.Unmarshal([]byte(`{
		"Image": "appsmith/appsmith-ee:v1.9.2",
		"Env": ["APPSMITH_DISABLE_TELEMETRY=true"],
		"Labels": {"com.appsmith-install.managed": "true"},
		"ExposedPorts": {"80/tcp": {}, "443/tcp": {}},
		"PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}], "443/tcp": [{"HostIp": "", "HostPort": "443"}]},
		"Mounts": [{"Type": "bind", "Source": "/opt/appsmith/stacks", "Target": "/appsmith-stacks"}],
		"RestartPolicy": {"Name": "unless-stopped", "MaximumRetryCount": 0}
	}`), &want)
	host, _ := body["HostConfig"].(map[string]any)
	got := map[string]any{
		"Image":         body["Image"],
		"Env":           body["Env"],
		"Labels":        body["Labels"],
		"ExposedPorts":  body["ExposedPorts"],
		"PortBindings":  host["PortBindings"],
		"Mounts":        host["Mounts"],
		"RestartPolicy": host["RestartPolicy"],
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("create request:\n%s", g)
	}
	if host["Binds"] != nil {
		t.Errorf("Binds = %v, want none (bind mounts go in Mounts)", host["Binds"])
	}
}

func TestContainerCreateErrors(t *testing.T) {
	f := newFakeEngine(t)
	f.handle("POST /containers/create", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusConflict, map[string]string{"message": `Conflict. The container name "/appsmith" is already in use`})
	})
	c := f.start()
	_, err := c.ContainerCreate(context.Background(), ContainerSpec{Name: "appsmith", Image: "img"})
	if err == nil || err.Error() != `create container appsmith: Conflict. The container name "/appsmith" is already in use` {
		t.Errorf("err = %v", err)
	}

	_, err = c.ContainerCreate(context.Background(), ContainerSpec{Name: "appsmith", Image: "img",
		Ports: []PortBinding{{HostIP: "localhost", HostPort: 80, ContainerPort: 80}}})
	if err == nil || !strings.Contains(err.Error(), `invalid host IP "localhost"`) {
		t.Errorf("bad host IP: err = %v", err)
	}
}

func TestContainerLifecycleRequests(t *testing.T) {
	f := newFakeEngine(t)
	var calls []string
	f.handle("POST /containers/{id}/start", func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, "start "+r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	})
	f.handle("POST /containers/{id}/stop", func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, "stop "+r.PathValue("id")+" t="+r.URL.Query().Get("t"))
		w.WriteHeader(http.StatusNoContent)
	})
	f.handle("DELETE /containers/{id}", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		calls = append(calls, "remove "+r.PathValue("id")+" force="+q.Get("force")+" v="+q.Get("v"))
		if r.PathValue("id") == "gone" {
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "No such container: gone"})
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	c := f.start()
	ctx := context.Background()
	if err := c.ContainerStart(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := c.ContainerStop(ctx, "a", 1500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := c.ContainerRemove(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := c.ContainerRemove(ctx, "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("remove missing: err = %v, want ErrNotFound", err)
	}
	want := []string{"start a", "stop a t=2", "remove a force=1 v=", "remove gone force=1 v="}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("calls = %q, want %q", calls, want)
	}
}
