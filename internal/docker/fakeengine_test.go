package docker

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moby/moby/client"
)

// fakeEngine imitates the few Engine API endpoints a test needs. Routes are
// ServeMux patterns without the version prefix ("GET /containers/{id}/json");
// every request must arrive under /v1.41/, the version negotiated by ping.
type fakeEngine struct {
	t      *testing.T
	mux    *http.ServeMux
	apiVer string
}

func newFakeEngine(t *testing.T) *fakeEngine {
	t.Helper()
	return &fakeEngine{t: t, mux: http.NewServeMux(), apiVer: "1.41"}
}

func (f *fakeEngine) handle(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	f.mux.HandleFunc(method+" /v"+f.apiVer+path, h)
}

// start serves the routes and returns a Client connected to them, as New
// would connect to a real engine.
func (f *fakeEngine) start() *Client {
	f.t.Helper()
	srv := httptest.NewServer(f.handler())
	f.t.Cleanup(srv.Close)
	c, err := newClient(context.Background(), client.WithHost("tcp://"+srv.Listener.Addr().String()))
	if err != nil {
		f.t.Fatalf("connect to fake engine: %v", err)
	}
	f.t.Cleanup(func() { _ = c.Close() })
	return c
}

func (f *fakeEngine) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_ping" {
			w.Header().Set("Api-Version", f.apiVer)
			w.Header().Set("Ostype", "linux")
			_, _ = w.Write([]byte("OK"))
			return
		}
		if _, pattern := f.mux.Handler(r); pattern == "" {
			f.t.Errorf("fake engine: unexpected request %s %s", r.Method, r.URL)
			writeJSON(w, http.StatusNotFound, map[string]string{"message": "page not found"})
			return
		}
		f.mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// frame is one record of the engine's multiplexed stdout/stderr stream.
func frame(stream byte, s string) []byte {
	hdr := make([]byte, 8)
	hdr[0] = stream
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(s)))
	return append(hdr, s...)
}
