package docker

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
)

// DecodeInspect reads one container as the Engine API's inspect endpoint
// (and `docker inspect`, one element of its array) writes it, for recorded
// output such as a support bundle or a test fixture.
func DecodeInspect(b []byte) (Container, error) {
	var r container.InspectResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return Container{}, fmt.Errorf("read container inspect output: %w", err)
	}
	return fromInspect(r), nil
}

// specFromInspect is the configuration a container was created with, as far
// as API 1.41 reports it. The image's defaults stay merged in (the engine
// keeps no record of which values came from where); only what the engine
// generates on its own is left out: the hostname that is the short
// container ID, and the aliases it adds on every user-defined network (the
// short ID and the hostname), which a new container gets anew.
func specFromInspect(r container.InspectResponse) ContainerSpec {
	s := ContainerSpec{Name: strings.TrimPrefix(r.Name, "/")}
	short := r.ID
	if len(short) > 12 {
		short = short[:12]
	}
	var exposed network.PortSet
	hostname := short
	if c := r.Config; c != nil {
		hostname = c.Hostname
		s.Image = c.Image
		s.Env = c.Env
		s.Labels = c.Labels
		s.Cmd = c.Cmd
		s.Entrypoint = c.Entrypoint
		s.WorkingDir = c.WorkingDir
		s.User = c.User
		s.StopSignal = c.StopSignal
		s.Healthcheck = healthFromAPI(c.Healthcheck)
		if c.StopTimeout != nil {
			s.StopTimeout = time.Duration(*c.StopTimeout) * time.Second
		}
		if c.Hostname != short {
			s.Hostname = c.Hostname
		}
		s.Domainname = c.Domainname
		s.Tty, s.OpenStdin = c.Tty, c.OpenStdin
		exposed = c.ExposedPorts
	}
	if h := r.HostConfig; h != nil {
		hostConfigToSpec(h, &s)
	}
	// Sharing the host's or another container's namespace gives its
	// hostname too; the engine refuses one given with it.
	if m := s.NetworkMode; m == "host" || strings.HasPrefix(m, "container:") {
		s.Hostname, s.Domainname = "", ""
	}
	s.Mounts = mountsFromInspect(r)
	for port := range exposed {
		bound := false
		for _, p := range s.Ports {
			bound = bound || (p.ContainerPort == int(port.Num()) && protoOf(p) == string(port.Proto()))
		}
		if !bound {
			s.ExposedPorts = append(s.ExposedPorts, port.String())
		}
	}
	sort.Strings(s.ExposedPorts)
	if ns := r.NetworkSettings; ns != nil {
		for name, e := range ns.Networks {
			if e == nil {
				continue
			}
			n := NetworkAttachment{Name: name}
			for _, a := range e.Aliases {
				if a != short && a != hostname {
					n.Aliases = append(n.Aliases, a)
				}
			}
			if ipam := e.IPAMConfig; ipam != nil {
				n.IPv4Address = addrString(ipam.IPv4Address)
				n.IPv6Address = addrString(ipam.IPv6Address)
			}
			s.Networks = append(s.Networks, n)
		}
		sort.Slice(s.Networks, func(i, j int) bool { return s.Networks[i].Name < s.Networks[j].Name })
	}
	return s
}

func hostConfigToSpec(h *container.HostConfig, s *ContainerSpec) {
	s.RestartPolicy = string(h.RestartPolicy.Name)
	s.RestartRetries = h.RestartPolicy.MaximumRetryCount
	s.Log = &LogConfig{Driver: h.LogConfig.Type, Options: h.LogConfig.Config}
	s.Ports = allPortBindings(h.PortBindings)
	s.PublishAllPorts = h.PublishAllPorts
	s.NetworkMode = string(h.NetworkMode)
	s.ExtraHosts = h.ExtraHosts
	for _, ip := range h.DNS {
		s.DNS = append(s.DNS, ip.String())
	}
	s.DNSOptions = h.DNSOptions
	s.DNSSearch = h.DNSSearch
	s.CapAdd = h.CapAdd
	s.CapDrop = h.CapDrop
	s.Privileged = h.Privileged
	s.SecurityOpt = h.SecurityOpt
	s.ReadonlyRootfs = h.ReadonlyRootfs
	s.Sysctls = h.Sysctls
	s.GroupAdd = h.GroupAdd
	s.Tmpfs = h.Tmpfs
	s.Init = h.Init
	s.PidMode, s.IpcMode, s.UTSMode = string(h.PidMode), string(h.IpcMode), string(h.UTSMode)
	s.Runtime = h.Runtime
	for _, d := range h.Devices {
		s.Devices = append(s.Devices, Device{PathOnHost: d.PathOnHost, PathInContainer: d.PathInContainer, CgroupPermissions: d.CgroupPermissions})
	}
	s.Resources = Resources{
		Memory:            h.Memory,
		MemorySwap:        h.MemorySwap,
		MemoryReservation: h.MemoryReservation,
		NanoCPUs:          h.NanoCPUs,
		CPUShares:         h.CPUShares,
		CPUPeriod:         h.CPUPeriod,
		CPUQuota:          h.CPUQuota,
		CpusetCpus:        h.CpusetCpus,
		PidsLimit:         h.PidsLimit,
		ShmSize:           h.ShmSize,
		OomScoreAdj:       h.OomScoreAdj,
	}
	for _, u := range h.Ulimits {
		if u != nil {
			s.Resources.Ulimits = append(s.Resources.Ulimits, Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
		}
	}
}

// mountsFromInspect gathers every mount whichever way it was asked for:
// HostConfig.Mounts (with their options), HostConfig.Binds ("src:dst:ro",
// as `docker run -v` gives them), and the volumes nobody named — an
// image's VOLUME or `-v /path` — which the engine created anonymously. Those
// are kept by the name the engine gave them: a container created again with
// them mounts the same data instead of fresh empty volumes. Sorted by
// destination, since the engine mounts parents first whatever the order.
func mountsFromInspect(r container.InspectResponse) []Mount {
	var out []Mount
	seen := map[string]bool{}
	add := func(m Mount) {
		if !seen[m.Destination] {
			seen[m.Destination] = true
			out = append(out, m)
		}
	}
	if h := r.HostConfig; h != nil {
		for _, m := range h.Mounts {
			add(mountFromAPI(m))
		}
		for _, b := range h.Binds {
			if m, ok := parseBind(b); ok {
				add(m)
			}
		}
	}
	for _, m := range r.Mounts {
		if m.Type == mount.TypeVolume && m.Name != "" {
			add(Mount{Type: MountVolume, Source: m.Name, Destination: m.Destination, ReadOnly: !m.RW})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Destination < out[j].Destination })
	return out
}

func mountFromAPI(m mount.Mount) Mount {
	out := Mount{Type: MountType(m.Type), Source: m.Source, Destination: m.Target, ReadOnly: m.ReadOnly}
	if o := m.BindOptions; o != nil {
		out.Propagation = string(o.Propagation)
	}
	if o := m.VolumeOptions; o != nil {
		out.NoCopy = o.NoCopy
	}
	if o := m.TmpfsOptions; o != nil {
		out.TmpfsSize, out.TmpfsMode = o.SizeBytes, o.Mode
	}
	return out
}

// parseBind reads a Binds entry: "src:dst[:opts]", src a host path or a
// volume name. The SELinux relabelling options (z, Z) are not carried: the
// files are already labelled by the first container.
func parseBind(b string) (Mount, bool) {
	parts := strings.Split(b, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return Mount{}, false
	}
	m := Mount{Type: MountBind, Source: parts[0], Destination: parts[1]}
	if !strings.HasPrefix(m.Source, "/") {
		m.Type = MountVolume
	}
	if len(parts) == 3 {
		for _, o := range strings.Split(parts[2], ",") {
			switch o {
			case "ro":
				m.ReadOnly = true
			case "nocopy":
				m.NoCopy = true
			case "private", "rprivate", "shared", "rshared", "slave", "rslave":
				m.Propagation = o
			}
		}
	}
	return m, true
}

func healthFromAPI(h *container.HealthConfig) *Healthcheck {
	if h == nil {
		return nil
	}
	return &Healthcheck{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
}

func protoOf(p PortBinding) string {
	if p.Proto == "" {
		return string(network.TCP)
	}
	return p.Proto
}

func addrString(a interface {
	IsValid() bool
	String() string
}) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
