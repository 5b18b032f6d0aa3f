package docker

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// ContainerInspect reads a container back; a missing one gives ErrNotFound.
func (c *Client) ContainerInspect(ctx context.Context, nameOrID string) (Container, error) {
	res, err := c.api.ContainerInspect(ctx, nameOrID, client.ContainerInspectOptions{})
	if err != nil {
		return Container{}, wrap("inspect container "+nameOrID, err)
	}
	return fromInspect(res.Container), nil
}

// ContainerList returns every container (in any state) that carries all the
// given labels; an empty value matches any value of that key. Each is
// inspected, because list entries lack the environment, restart policy,
// health and exit details the product compares.
func (c *Client) ContainerList(ctx context.Context, labels map[string]string) ([]Container, error) {
	f := client.Filters{}
	for k, v := range labels {
		if v == "" {
			f.Add("label", k)
		} else {
			f.Add("label", k+"="+v)
		}
	}
	res, err := c.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, wrap("list containers", err)
	}
	out := make([]Container, 0, len(res.Items))
	for _, s := range res.Items {
		ctr, err := c.ContainerInspect(ctx, s.ID)
		if errors.Is(err, ErrNotFound) {
			continue // removed since it was listed
		}
		if err != nil {
			return nil, err
		}
		out = append(out, ctr)
	}
	return out, nil
}

func fromInspect(r container.InspectResponse) Container {
	ctr := Container{
		ID:       r.ID,
		Name:     strings.TrimPrefix(r.Name, "/"),
		ImageID:  r.Image,
		Restarts: r.RestartCount,
		Config:   specFromInspect(r),
	}
	if cfg := r.Config; cfg != nil {
		ctr.Image = cfg.Image
		ctr.Labels = cfg.Labels
		ctr.Env = cfg.Env
		if cfg.StopTimeout != nil {
			ctr.StopTimeout = time.Duration(*cfg.StopTimeout) * time.Second
		}
	}
	if s := r.State; s != nil {
		ctr.State = string(s.Status)
		ctr.Running = s.Running
		ctr.ExitCode = s.ExitCode
		ctr.StartedAt = parseTime(s.StartedAt)
		ctr.FinishedAt = parseTime(s.FinishedAt)
		if s.Health != nil && s.Health.Status != container.NoHealthcheck {
			ctr.Health = string(s.Health.Status)
		}
	}
	for _, m := range r.Mounts {
		ctr.Mounts = append(ctr.Mounts, Mount{Source: m.Source, Destination: m.Destination})
	}
	if h := r.HostConfig; h != nil {
		ctr.Restart = string(h.RestartPolicy.Name)
		// The configured bindings, not NetworkSettings.Ports: those exist only
		// while the container runs, and the product compares configuration.
		ctr.Ports = portBindings(h.PortBindings)
		ctr.Log = LogConfig{Driver: h.LogConfig.Type, Options: h.LogConfig.Config}
	}
	return ctr
}

// portBindings are the tcp ones: what the product publishes and shows.
func portBindings(pm network.PortMap) []PortBinding {
	var out []PortBinding
	for _, p := range allPortBindings(pm) {
		if p.Proto == "" {
			out = append(out, p)
		}
	}
	return out
}

// allPortBindings are the bindings of every protocol; Proto is left empty
// for tcp.
func allPortBindings(pm network.PortMap) []PortBinding {
	var out []PortBinding
	for port, bindings := range pm {
		proto := string(port.Proto())
		if port.Proto() == network.TCP {
			proto = ""
		}
		for _, b := range bindings {
			hp, _ := strconv.Atoi(b.HostPort)
			ip := ""
			if b.HostIP.IsValid() {
				ip = b.HostIP.String()
			}
			out = append(out, PortBinding{HostIP: ip, HostPort: hp, ContainerPort: int(port.Num()), Proto: proto})
		}
	}
	// Map order is random; callers compare and print these.
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.ContainerPort != b.ContainerPort {
			return a.ContainerPort < b.ContainerPort
		}
		if a.Proto != b.Proto {
			return a.Proto < b.Proto
		}
		if a.HostIP != b.HostIP {
			return a.HostIP < b.HostIP
		}
		return a.HostPort < b.HostPort
	})
	return out
}
