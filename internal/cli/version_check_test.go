package cli

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
)

func TestVersionCheck(t *testing.T) {
	old := buildinfo.Version
	buildinfo.Version = "v0.2.1"
	t.Cleanup(func() { buildinfo.Version = old })
	serve := func(status int, body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			w.Write([]byte(body))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	newer := serve(200, `{"tag_name":"v0.3.0","html_url":"https://example.invalid/r/v0.3.0"}`)
	same := serve(200, `{"tag_name":"v0.2.1"}`)

	r := run(t, fakeDeps(emptyEngine(t)), map[string]string{"APPSMITH_RELEASES_URL": newer}, "version", "--check", "--dir", t.TempDir())
	if r.code != 0 || !strings.Contains(r.out, "v0.3.0 is available (this is v0.2.1): https://example.invalid/r/v0.3.0") {
		t.Errorf("newer: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	r = run(t, fakeDeps(emptyEngine(t)), map[string]string{"APPSMITH_RELEASES_URL": same}, "version", "--check", "--json", "--dir", t.TempDir())
	var v versionInfo
	if err := json.Unmarshal([]byte(r.out), &v); err != nil || r.code != 0 || v.Update == nil || v.Update.Available || v.Update.Latest != "v0.2.1" {
		t.Errorf("same: exit %d %v\n%s%s", r.code, err, r.out, r.errOut)
	}
	// Without --check nothing is asked: the server would fail the test.
	r = run(t, fakeDeps(emptyEngine(t)), map[string]string{"APPSMITH_RELEASES_URL": "http://127.0.0.1:1"}, "version", "--dir", t.TempDir())
	if r.code != 0 || strings.Contains(r.out, "available") {
		t.Errorf("no check: exit %d\n%s%s", r.code, r.out, r.errOut)
	}

	// Offline, an odd answer, a server that never answers: a clear message
	// and exit 1, never a hang.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	oldTimeout := checkTimeout
	checkTimeout = 300 * time.Millisecond
	t.Cleanup(func() { checkTimeout = oldTimeout })
	for name, c := range map[string]struct{ url, want string }{
		"offline":   {dead, "offline?"},
		"status":    {serve(503, "busy"), "503"},
		"garbage":   {serve(200, "<html>"), "did not answer with a release"},
		"notsemver": {serve(200, `{"tag_name":"nightly"}`), `"nightly", not a version`},
		"hang":      {hang.URL, "offline?"},
	} {
		r := run(t, fakeDeps(emptyEngine(t)), map[string]string{"APPSMITH_RELEASES_URL": c.url}, "version", "--check", "--dir", t.TempDir())
		if r.code != 1 || !strings.Contains(r.errOut, c.want) {
			t.Errorf("%s: exit %d, want 1 and %q:\n%s", name, r.code, c.want, r.errOut)
		}
	}
}
