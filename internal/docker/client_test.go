package docker

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/client"
)

func TestNewUnreachable(t *testing.T) {
	missing := "unix://" + filepath.Join(t.TempDir(), "docker.sock")

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := "tcp://" + l.Addr().String()
	_ = l.Close()

	tests := []struct{ host, reason string }{
		{missing, "no such file or directory"},
		{closedPort, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", tt.host)
			c, err := New(context.Background())
			if err == nil {
				_ = c.Close()
				t.Fatal("New succeeded without an engine")
			}
			if !IsUnreachable(err) {
				t.Errorf("IsUnreachable(%v) = false", err)
			}
			for _, want := range []string{"unreachable at " + tt.host, tt.reason, "sudo systemctl start docker", "DOCKER_HOST="} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
	if IsUnreachable(errors.New("other")) || IsUnreachable(wrap("x", errors.New("Error response from daemon: boom"))) {
		t.Error("IsUnreachable is true for an engine's refusal")
	}
}

func TestNewHonoursDockerHostAndNegotiates(t *testing.T) {
	f := newFakeEngine(t)
	f.handle("GET /info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{
			"ServerVersion": "20.10.24+dfsg1", "OSType": "linux", "Architecture": "x86_64",
			"NCPU": 4, "MemTotal": 8 << 30, "DockerRootDir": "/var/lib/docker",
		})
	})
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	host := "tcp://" + srv.Listener.Addr().String()
	t.Setenv("DOCKER_HOST", host)

	c, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := EngineInfo{Host: host, ServerVersion: "20.10.24+dfsg1", APIVersion: "1.41", OS: "linux",
		Arch: "x86_64", NCPU: 4, MemTotal: 8 << 30, DockerRootDir: "/var/lib/docker"}
	if info != want {
		t.Errorf("Info = %+v, want %+v", info, want)
	}
}

func TestNewRefusesTooOldEngine(t *testing.T) {
	f := newFakeEngine(t)
	f.apiVer = "1.40"
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	_, err := newClient(context.Background(), client.WithHost("tcp://"+srv.Listener.Addr().String()))
	if err == nil || !strings.Contains(err.Error(), "API 1.40") || !strings.Contains(err.Error(), "1.41 or newer") {
		t.Errorf("err = %v", err)
	}
	if IsUnreachable(err) {
		t.Error("an old engine is reachable")
	}
}
