package docker

import (
	"context"
	"fmt"
	"math"
	"net/netip"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
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
	res, err := c.api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:       spec.Name,
		Config:     cfg,
		HostConfig: host,
	})
	if err != nil {
		return "", wrap(op, err)
	}
	return res.ID, nil
}

// createConfig translates a spec into the API's create request, using only
// what API 1.41 knows.
func createConfig(spec ContainerSpec) (*container.Config, *container.HostConfig, error) {
	cfg := &container.Config{
		Image:  spec.Image,
		Env:    spec.Env,
		Labels: spec.Labels,
	}
	host := &container.HostConfig{
		RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyMode(spec.RestartPolicy)},
	}
	// Both fields exist since API 1.25, well below the 1.41 floor.
	if spec.StopTimeout > 0 {
		secs := int(spec.StopTimeout / time.Second)
		cfg.StopTimeout = &secs
	}
	if spec.Log != nil {
		host.LogConfig = container.LogConfig{Type: spec.Log.Driver, Config: spec.Log.Options}
	}
	// Mounts of type bind rather than Binds: a missing source is an error
	// instead of an empty root-owned directory silently created by the
	// engine, which would hide a wrong stacks path.
	for _, m := range spec.Mounts {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Destination})
	}
	if len(spec.Ports) > 0 {
		cfg.ExposedPorts = network.PortSet{}
		host.PortBindings = network.PortMap{}
	}
	for _, p := range spec.Ports {
		if p.ContainerPort < 1 || p.ContainerPort > math.MaxUint16 || p.HostPort < 0 || p.HostPort > math.MaxUint16 {
			return nil, nil, fmt.Errorf("invalid port binding %s:%d->%d", p.HostIP, p.HostPort, p.ContainerPort)
		}
		var ip netip.Addr // zero: all interfaces
		if p.HostIP != "" {
			var err error
			if ip, err = netip.ParseAddr(p.HostIP); err != nil {
				return nil, nil, fmt.Errorf("invalid host IP %q for port %d: %w", p.HostIP, p.ContainerPort, err)
			}
		}
		port, _ := network.PortFrom(uint16(p.ContainerPort), network.TCP)
		cfg.ExposedPorts[port] = struct{}{}
		hostPort := ""
		if p.HostPort != 0 {
			hostPort = fmt.Sprint(p.HostPort)
		}
		host.PortBindings[port] = append(host.PortBindings[port], network.PortBinding{HostIP: ip, HostPort: hostPort})
	}
	return cfg, host, nil
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
