package docker

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
)

// A pull stream as Engine 20.10 writes it, cut short by a registry error.
const pullStreamWithError = `{"status":"Pulling from appsmith/appsmith-ee","id":"v1.9.2"}
{"status":"Pulling fs layer","progressDetail":{},"id":"a1b2c3d4e5f6"}
{"status":"Pulling fs layer","progressDetail":{},"id":"0f9e8d7c6b5a"}
{"status":"Downloading","progressDetail":{"current":1024,"total":4096},"progress":"[====>   ]","id":"a1b2c3d4e5f6"}
{"status":"Downloading","progressDetail":{"current":4096,"total":4096},"progress":"[========>]","id":"a1b2c3d4e5f6"}
{"status":"Extracting","progressDetail":{"current":4096,"total":4096},"id":"a1b2c3d4e5f6"}
{"status":"Pull complete","progressDetail":{},"id":"a1b2c3d4e5f6"}
{"errorDetail":{"message":"unauthorized: blob upload unknown"},"error":"unauthorized: blob upload unknown"}
{"status":"never read","id":"0f9e8d7c6b5a"}
`

func TestImagePullProgressAndStreamError(t *testing.T) {
	f := newFakeEngine(t)
	var gotAuth, gotImage, gotTag string
	f.handle("POST /images/create", func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("X-Registry-Auth")
		gotImage, gotTag = r.URL.Query().Get("fromImage"), r.URL.Query().Get("tag")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(pullStreamWithError))
	})
	c := f.start()
	c.keychain = &fakeKeychain{creds: map[string]authn.AuthConfig{"index.docker.io": {Username: "u", Password: "p"}}}

	var events []PullEvent
	err := c.ImagePull(context.Background(), "appsmith/appsmith-ee:v1.9.2", func(e PullEvent) { events = append(events, e) })
	if err == nil || err.Error() != "pull image appsmith/appsmith-ee:v1.9.2: unauthorized: blob upload unknown" {
		t.Fatalf("err = %v, want the engine's message from the stream", err)
	}
	if IsManifestUnknown(err) {
		t.Error("an auth failure is not a missing tag")
	}
	if gotImage != "docker.io/appsmith/appsmith-ee" || gotTag != "v1.9.2" {
		t.Errorf("fromImage=%q tag=%q", gotImage, gotTag)
	}
	if a := decodeAuthHeader(t, gotAuth); a.Username != "u" || a.Password != "p" {
		t.Errorf("X-Registry-Auth carries %+v", a)
	}
	want := []PullEvent{
		{Status: "Pulling from appsmith/appsmith-ee"},
		{Layer: "a1b2c3d4e5f6", Status: "Pulling fs layer"},
		{Layer: "0f9e8d7c6b5a", Status: "Pulling fs layer"},
		{Layer: "a1b2c3d4e5f6", Status: "Downloading", Current: 1024, Total: 4096},
		{Layer: "a1b2c3d4e5f6", Status: "Downloading", Current: 4096, Total: 4096},
		{Layer: "a1b2c3d4e5f6", Status: "Extracting", Current: 4096, Total: 4096},
		{Layer: "a1b2c3d4e5f6", Status: "Pull complete"},
	}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("events:\n got %+v\nwant %+v", events, want)
	}
}

func TestImagePullAnonymousSendsNoAuth(t *testing.T) {
	f := newFakeEngine(t)
	f.handle("POST /images/create", func(w http.ResponseWriter, r *http.Request) {
		if h, ok := r.Header["X-Registry-Auth"]; ok {
			t.Errorf("X-Registry-Auth = %q, want none for anonymous pulls", h)
		}
		_, _ = w.Write([]byte(`{"status":"Digest: sha256:abc"}` + "\n" + `{"status":"Status: Image is up to date for x:1"}` + "\n"))
	})
	c := f.start()
	c.keychain = &fakeKeychain{}
	if err := c.ImagePull(context.Background(), "127.0.0.1:5000/x:1", nil); err != nil {
		t.Fatal(err)
	}
}

func TestImagePullMissingTag(t *testing.T) {
	tests := map[string]http.HandlerFunc{
		// Engine 20.10: the registry's answer comes before any output, as an HTTP error.
		"http status": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusNotFound, map[string]string{
				"message": "manifest for appsmith/appsmith-ee:1.9.2 not found: manifest unknown: manifest unknown"})
		},
		// Later in the stream, as newer engines and some registries do.
		"in stream": func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"status":"Pulling from appsmith/appsmith-ee","id":"1.9.2"}` + "\n" +
				`{"errorDetail":{"message":"manifest for appsmith/appsmith-ee:1.9.2 not found"},"error":"manifest for appsmith/appsmith-ee:1.9.2 not found"}` + "\n"))
		},
	}
	for name, h := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFakeEngine(t)
			f.handle("POST /images/create", h)
			c := f.start()
			c.keychain = &fakeKeychain{}
			err := c.ImagePull(context.Background(), "appsmith/appsmith-ee:1.9.2", nil)
			if !IsManifestUnknown(err) || !errors.Is(err, ErrManifestUnknown) {
				t.Fatalf("err = %v, want a manifest-unknown error", err)
			}
			if !strings.HasPrefix(err.Error(), "pull image appsmith/appsmith-ee:1.9.2: manifest for appsmith/appsmith-ee:1.9.2 not found") {
				t.Errorf("err = %q", err)
			}
		})
	}
}

func TestImagePullAccessDenied(t *testing.T) {
	f := newFakeEngine(t)
	f.handle("POST /images/create", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{
			"message": "pull access denied for nobody/nothing, repository does not exist or may require 'docker login': denied: requested access to the resource is denied"})
	})
	c := f.start()
	c.keychain = &fakeKeychain{}
	err := c.ImagePull(context.Background(), "nobody/nothing:v1", nil)
	if err == nil || IsManifestUnknown(err) || !strings.Contains(err.Error(), "pull access denied for nobody/nothing") {
		t.Errorf("err = %v", err)
	}
}

func TestImagePullBrokenCredentials(t *testing.T) {
	c := newFakeEngine(t).start()
	c.keychain = brokenKeychain{}
	err := c.ImagePull(context.Background(), "appsmith/appsmith-ee:v1.9.2", nil)
	if err == nil || !strings.Contains(err.Error(), "read registry credentials for index.docker.io: docker-credential-desktop not found") {
		t.Errorf("err = %v", err)
	}
}

type brokenKeychain struct{}

func (brokenKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return nil, errors.New("docker-credential-desktop not found")
}
