package docker

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/moby/api/types/registry"
)

// registryAuth finds the user's credentials for ref's registry (the same
// places the docker CLI reads: ~/.docker/config.json or $DOCKER_CONFIG,
// credential helpers) and encodes them as the Engine's X-Registry-Auth
// header. The engine does not read the user's config itself, so without this
// a `docker login` would not count. Anonymous access gives "".
func registryAuth(ctx context.Context, kc authn.Keychain, ref string) (string, error) {
	// Parsed as the engine parses it (not with go-containerregistry's
	// stricter rules), so every reference the engine accepts gets its
	// credentials.
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return "", fmt.Errorf("image reference %q: %w", ref, err)
	}
	res := keychainResource{registry: reference.Domain(named)}
	if res.registry == "docker.io" {
		res.registry = name.DefaultRegistry // the host the keychain knows Docker Hub by
	}
	res.repository = res.registry + "/" + reference.Path(named)

	a, err := authn.Resolve(ctx, kc, res)
	if err != nil {
		return "", fmt.Errorf("read registry credentials for %s: %w", res.registry, err)
	}
	cfg, err := authn.Authorization(ctx, a)
	if err != nil {
		return "", fmt.Errorf("read registry credentials for %s: %w", res.registry, err)
	}
	if cfg == nil || *cfg == (authn.AuthConfig{}) {
		return "", nil
	}
	user, pass := cfg.Username, cfg.Password
	if user == "" && cfg.Auth != "" {
		user, pass = decodeBasic(cfg.Auth)
	}
	server := res.registry
	if server == name.DefaultRegistry {
		server = authn.DefaultAuthKey // the key Docker Hub credentials are stored under
	}
	b, err := json.Marshal(registry.AuthConfig{
		Username:      user,
		Password:      pass,
		ServerAddress: server,
		IdentityToken: cfg.IdentityToken,
		RegistryToken: cfg.RegistryToken,
	})
	if err != nil {
		return "", err
	}
	return base64.URLEncoding.EncodeToString(b), nil
}

// decodeBasic splits a config.json "auth" field, base64("user:password").
func decodeBasic(s string) (user, pass string) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return "", ""
		}
	}
	user, pass, _ = strings.Cut(string(b), ":")
	return user, pass
}

// keychainResource names a repository to a keychain. The repository, not
// just the registry, so keychains that scope credentials per repository can
// answer too.
type keychainResource struct{ registry, repository string }

func (r keychainResource) String() string      { return r.repository }
func (r keychainResource) RegistryStr() string { return r.registry }
