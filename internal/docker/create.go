package docker

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
)

// createConfig translates a spec into the API's create request, using only
// what API 1.41 knows.
func createConfig(spec ContainerSpec) (*container.Config, *container.HostConfig, error) {
	cfg := &container.Config{
		Image:       spec.Image,
		Env:         spec.Env,
		Labels:      spec.Labels,
		Cmd:         spec.Cmd,
		Entrypoint:  spec.Entrypoint,
		WorkingDir:  spec.WorkingDir,
		User:        spec.User,
		StopSignal:  spec.StopSignal,
		Hostname:    spec.Hostname,
		Domainname:  spec.Domainname,
		Healthcheck: healthToAPI(spec.Healthcheck),
		Tty:         spec.Tty,
		OpenStdin:   spec.OpenStdin,
	}
	host := &container.HostConfig{
		RestartPolicy:   container.RestartPolicy{Name: container.RestartPolicyMode(spec.RestartPolicy), MaximumRetryCount: spec.RestartRetries},
		NetworkMode:     container.NetworkMode(spec.NetworkMode),
		PublishAllPorts: spec.PublishAllPorts,
		ExtraHosts:      spec.ExtraHosts,
		DNSOptions:      spec.DNSOptions,
		DNSSearch:       spec.DNSSearch,
		CapAdd:          spec.CapAdd,
		CapDrop:         spec.CapDrop,
		Privileged:      spec.Privileged,
		SecurityOpt:     spec.SecurityOpt,
		ReadonlyRootfs:  spec.ReadonlyRootfs,
		Sysctls:         spec.Sysctls,
		GroupAdd:        spec.GroupAdd,
		Tmpfs:           spec.Tmpfs,
		Init:            spec.Init,
		PidMode:         container.PidMode(spec.PidMode),
		IpcMode:         container.IpcMode(spec.IpcMode),
		UTSMode:         container.UTSMode(spec.UTSMode),
		Runtime:         spec.Runtime,
		ShmSize:         spec.Resources.ShmSize,
		OomScoreAdj:     spec.Resources.OomScoreAdj,
		Resources:       resourcesToAPI(spec),
	}
	// Both fields exist since API 1.25, well below the 1.41 floor.
	if spec.StopTimeout > 0 {
		secs := int(spec.StopTimeout / time.Second)
		cfg.StopTimeout = &secs
	}
	if spec.Log != nil {
		host.LogConfig = container.LogConfig{Type: spec.Log.Driver, Config: spec.Log.Options}
	}
	for _, d := range spec.DNS {
		ip, err := netip.ParseAddr(d)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid DNS server %q: %w", d, err)
		}
		host.DNS = append(host.DNS, ip)
	}
	for _, m := range spec.Mounts {
		host.Mounts = append(host.Mounts, mountToAPI(m))
	}
	if len(spec.Ports) > 0 || len(spec.ExposedPorts) > 0 {
		cfg.ExposedPorts = network.PortSet{}
	}
	for _, e := range spec.ExposedPorts {
		port, err := network.ParsePort(e)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid exposed port %q: %w", e, err)
		}
		cfg.ExposedPorts[port] = struct{}{}
	}
	if len(spec.Ports) > 0 {
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
		proto := network.TCP
		if p.Proto != "" {
			proto = network.IPProtocol(p.Proto)
		}
		port, ok := network.PortFrom(uint16(p.ContainerPort), proto)
		if !ok {
			return nil, nil, fmt.Errorf("invalid port binding %d/%s", p.ContainerPort, p.Proto)
		}
		cfg.ExposedPorts[port] = struct{}{}
		hostPort := ""
		if p.HostPort != 0 {
			hostPort = fmt.Sprint(p.HostPort)
		}
		host.PortBindings[port] = append(host.PortBindings[port], network.PortBinding{HostIP: ip, HostPort: hostPort})
	}
	for _, n := range spec.Networks {
		for _, a := range []string{n.IPv4Address, n.IPv6Address} {
			if _, err := netip.ParseAddr(a); a != "" && err != nil {
				return nil, nil, fmt.Errorf("invalid address %q on network %s: %w", a, n.Name, err)
			}
		}
	}
	return cfg, host, nil
}

// mountToAPI gives Mounts of type bind rather than Binds: a missing source
// is an error instead of an empty root-owned directory silently created by
// the engine, which would hide a wrong stacks path.
func mountToAPI(m Mount) mount.Mount {
	t := m.Type
	if t == "" {
		t = MountBind
	}
	out := mount.Mount{Type: mount.Type(t), Source: m.Source, Target: m.Destination, ReadOnly: m.ReadOnly}
	switch {
	case t == MountBind && m.Propagation != "":
		out.BindOptions = &mount.BindOptions{Propagation: mount.Propagation(m.Propagation)}
	case t == MountVolume && m.NoCopy:
		out.VolumeOptions = &mount.VolumeOptions{NoCopy: true}
	case t == MountTmpfs && (m.TmpfsSize != 0 || m.TmpfsMode != 0):
		out.TmpfsOptions = &mount.TmpfsOptions{SizeBytes: m.TmpfsSize, Mode: m.TmpfsMode}
	}
	return out
}

func resourcesToAPI(spec ContainerSpec) container.Resources {
	r := spec.Resources
	out := container.Resources{
		Memory:            r.Memory,
		MemorySwap:        r.MemorySwap,
		MemoryReservation: r.MemoryReservation,
		NanoCPUs:          r.NanoCPUs,
		CPUShares:         r.CPUShares,
		CPUPeriod:         r.CPUPeriod,
		CPUQuota:          r.CPUQuota,
		CpusetCpus:        r.CpusetCpus,
		PidsLimit:         r.PidsLimit,
	}
	for _, u := range r.Ulimits {
		out.Ulimits = append(out.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	for _, d := range spec.Devices {
		out.Devices = append(out.Devices, container.DeviceMapping{PathOnHost: d.PathOnHost, PathInContainer: d.PathInContainer, CgroupPermissions: d.CgroupPermissions})
	}
	return out
}

func healthToAPI(h *Healthcheck) *container.HealthConfig {
	if h == nil {
		return nil
	}
	return &container.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
}

// splitNetworks picks the network the container is created on (the one its
// NetworkMode names) from those it joins afterwards. Host, none and
// container:X modes join nothing else.
func splitNetworks(spec ContainerSpec) (*NetworkAttachment, []NetworkAttachment) {
	mode := spec.NetworkMode
	switch {
	case mode == "host" || mode == "none" || strings.HasPrefix(mode, "container:"):
		return nil, nil
	case mode == "" || mode == "default":
		mode = "bridge"
	}
	var first *NetworkAttachment
	var rest []NetworkAttachment
	for i, n := range spec.Networks {
		if n.Name == mode && first == nil {
			first = &spec.Networks[i]
			continue
		}
		rest = append(rest, n)
	}
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].Name < rest[j].Name })
	return first, rest
}

func endpoint(n NetworkAttachment) *network.EndpointSettings {
	e := &network.EndpointSettings{Aliases: n.Aliases}
	v4, _ := netip.ParseAddr(n.IPv4Address) // checked by createConfig
	v6, _ := netip.ParseAddr(n.IPv6Address)
	if v4.IsValid() || v6.IsValid() {
		e.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: v4, IPv6Address: v6}
	}
	return e
}
