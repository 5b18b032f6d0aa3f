package docker

import (
	"context"
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
)

// MinAPIVersion is the oldest Engine API the product drives: Docker 20.10,
// the engine Debian and Ubuntu LTS ship. Every request stays within it.
const MinAPIVersion = "1.41"

// pingTimeout bounds the first contact so that a DOCKER_HOST pointing at a
// silent address fails with a message instead of hanging the installer.
const pingTimeout = 15 * time.Second

// Client talks to one Docker engine. It is safe for concurrent use.
type Client struct {
	api      *client.Client
	keychain authn.Keychain // where registry credentials come from
}

// New connects to the engine named by the environment (DOCKER_HOST,
// DOCKER_CERT_PATH, DOCKER_TLS_VERIFY, DOCKER_API_VERSION), negotiates the
// API version and checks that the engine answers. An unreachable engine gives
// an error for which IsUnreachable is true.
func New(ctx context.Context) (*Client, error) {
	return newClient(ctx, client.FromEnv)
}

func newClient(ctx context.Context, opts ...client.Opt) (*Client, error) {
	api, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker client configuration: %w", err)
	}
	c := &Client{api: api, keychain: authn.DefaultKeychain}
	if err := c.ping(ctx); err != nil {
		_ = api.Close()
		return nil, err
	}
	return c, nil
}

func (c *Client) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if _, err := c.api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return unreachable(c.api.DaemonHost(), err)
	}
	if v := c.api.ClientVersion(); versions.LessThan(v, MinAPIVersion) {
		return fmt.Errorf("docker engine at %s speaks API %s; appsmith-install needs %s or newer (Docker 20.10+): upgrade Docker",
			c.api.DaemonHost(), v, MinAPIVersion)
	}
	return nil
}

// Close releases the client's idle connections.
func (c *Client) Close() error { return c.api.Close() }

// Info describes the engine and the API version in use.
func (c *Client) Info(ctx context.Context) (EngineInfo, error) {
	res, err := c.api.Info(ctx, client.InfoOptions{})
	if err != nil {
		return EngineInfo{}, wrap("read docker engine info", err)
	}
	i := res.Info
	return EngineInfo{
		Host:          c.api.DaemonHost(),
		ServerVersion: i.ServerVersion,
		APIVersion:    c.api.ClientVersion(),
		OS:            i.OSType,
		Arch:          i.Architecture,
		NCPU:          i.NCPU,
		MemTotal:      i.MemTotal,
		DockerRootDir: i.DockerRootDir,
		Driver:        i.Driver,
	}, nil
}
