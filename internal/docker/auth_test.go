package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/moby/moby/api/types/registry"
)

// fakeKeychain answers for the registries it knows and is anonymous elsewhere.
type fakeKeychain struct {
	creds map[string]authn.AuthConfig // by registry host
}

func (k *fakeKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if cfg, ok := k.creds[r.RegistryStr()]; ok {
		return authn.FromConfig(cfg), nil
	}
	return authn.Anonymous, nil
}

func decodeAuthHeader(t *testing.T, h string) registry.AuthConfig {
	t.Helper()
	b, err := base64.URLEncoding.DecodeString(h)
	if err != nil {
		t.Fatalf("X-Registry-Auth %q is not base64url: %v", h, err)
	}
	var cfg registry.AuthConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("X-Registry-Auth %q: %v", b, err)
	}
	return cfg
}

func TestRegistryAuth(t *testing.T) {
	kc := &fakeKeychain{creds: map[string]authn.AuthConfig{
		"registry.example.com:5000": {Username: "alice", Password: "s3cret/+="},
		"index.docker.io":           {Auth: base64.StdEncoding.EncodeToString([]byte("bob:hub:pw"))},
		"ghcr.io":                   {IdentityToken: "tok"},
	}}
	ctx := context.Background()
	tests := []struct {
		ref  string
		want registry.AuthConfig
	}{
		{"registry.example.com:5000/appsmith/appsmith-ee:v1.9.2",
			registry.AuthConfig{Username: "alice", Password: "s3cret/+=", ServerAddress: "registry.example.com:5000"}},
		{"appsmith/appsmith-ee:v1.9.2", // Docker Hub, stored under its historical key
			registry.AuthConfig{Username: "bob", Password: "hub:pw", ServerAddress: "https://index.docker.io/v1/"}},
		{"ghcr.io/x/y@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			registry.AuthConfig{IdentityToken: "tok", ServerAddress: "ghcr.io"}},
	}
	for _, tt := range tests {
		h, err := registryAuth(ctx, kc, tt.ref)
		if err != nil {
			t.Fatalf("%s: %v", tt.ref, err)
		}
		if got := decodeAuthHeader(t, h); got != tt.want {
			t.Errorf("%s: header carries %+v, want %+v", tt.ref, got, tt.want)
		}
	}

	h, err := registryAuth(ctx, kc, "quay.io/someone/image:1")
	if err != nil || h != "" {
		t.Errorf("anonymous registry: header %q, err %v; want empty", h, err)
	}
	if _, err := registryAuth(ctx, kc, "Not A Ref"); err == nil {
		t.Error("invalid reference: want an error")
	}
}

// The default keychain reads the user's Docker config, as `docker login`
// leaves it.
func TestRegistryAuthFromDockerConfig(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, ".docker")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := `{"auths":{"127.0.0.1:5000":{"auth":"` + base64.StdEncoding.EncodeToString([]byte("carol:pw")) + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("DOCKER_CONFIG", dir)

	h, err := registryAuth(context.Background(), authn.DefaultKeychain, "127.0.0.1:5000/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeAuthHeader(t, h)
	if got.Username != "carol" || got.Password != "pw" {
		t.Errorf("got %+v, want carol's credentials", got)
	}
	if h, _ := registryAuth(context.Background(), authn.DefaultKeychain, "127.0.0.1:6000/app:v1"); h != "" {
		t.Errorf("other registry: header %q, want empty", h)
	}
}
