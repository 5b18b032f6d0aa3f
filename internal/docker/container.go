package docker

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// ContainerCreate creates (does not start) the container spec describes and
// returns its ID.
func (c *Client) ContainerCreate(ctx context.Context, spec ContainerSpec) (string, error) {
	op := "create container " + spec.Name
	cfg, host, err := createConfig(spec)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	first, rest := splitNetworks(spec)
	var netCfg *network.NetworkingConfig
	if first != nil {
		netCfg = &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{first.Name: endpoint(*first)}}
	}
	res, err := c.api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:             spec.Name,
		Config:           cfg,
		HostConfig:       host,
		NetworkingConfig: netCfg,
	})
	if err != nil {
		return "", wrap(op, err)
	}
	// API 1.41 takes one network at create; the others are joined before
	// the container ever starts. A half-connected container is removed: it
	// was created just now, holds no data, and would start half-wired.
	for _, n := range rest {
		if _, err := c.api.NetworkConnect(ctx, n.Name, client.NetworkConnectOptions{Container: res.ID, EndpointConfig: endpoint(n)}); err != nil {
			_, _ = c.api.ContainerRemove(context.WithoutCancel(ctx), res.ID, client.ContainerRemoveOptions{Force: true})
			return "", wrap(op+": join network "+n.Name, err)
		}
	}
	return res.ID, nil
}

// ContainerStart starts a created or stopped container.
func (c *Client) ContainerStart(ctx context.Context, id string) error {
	_, err := c.api.ContainerStart(ctx, id, client.ContainerStartOptions{})
	return wrap("start container "+id, err)
}

// ContainerStop asks the container to stop and kills it after timeout.
// A negative timeout leaves the choice to the container's own stop timeout.
func (c *Client) ContainerStop(ctx context.Context, id string, timeout time.Duration) error {
	opts := client.ContainerStopOptions{}
	if timeout >= 0 {
		secs := int((timeout + time.Second - 1) / time.Second) // round up: never cut a grace period short
		opts.Timeout = &secs
	}
	_, err := c.api.ContainerStop(ctx, id, opts)
	return wrap("stop container "+id, err)
}

// ContainerRemove removes the container even if it runs. It never removes
// volumes: Appsmith's data lives there.
func (c *Client) ContainerRemove(ctx context.Context, id string) error {
	_, err := c.api.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: false})
	return wrap("remove container "+id, err)
}
