package docker

import "time"

// MountType is the kind of a Mount.
type MountType string

// The mount types the product recreates.
const (
	MountBind   MountType = "bind"
	MountVolume MountType = "volume"
	MountTmpfs  MountType = "tmpfs"
)

// Healthcheck overrides the image's HEALTHCHECK; zero fields keep the
// image's. Test {"NONE"} disables it.
type Healthcheck struct {
	Test        []string
	Interval    time.Duration
	Timeout     time.Duration
	StartPeriod time.Duration
	Retries     int
}

// NetworkAttachment is one network a container joins.
type NetworkAttachment struct {
	Name        string
	Aliases     []string // user-given DNS names on that network
	IPv4Address string   // a fixed address; empty: one from the network's pool
	IPv6Address string
}

// Device is a host device made available in the container.
type Device struct {
	PathOnHost        string
	PathInContainer   string
	CgroupPermissions string // "rwm"
}

// Ulimit is one resource limit of the container's processes.
type Ulimit struct {
	Name string // "nofile"
	Soft int64
	Hard int64
}

// Resources are a container's limits; zero: none.
type Resources struct {
	Memory            int64 // bytes
	MemorySwap        int64 // memory + swap, bytes; -1: unlimited swap
	MemoryReservation int64
	NanoCPUs          int64 // 1e9 is one CPU
	CPUShares         int64
	CPUPeriod         int64
	CPUQuota          int64
	CpusetCpus        string
	PidsLimit         *int64
	ShmSize           int64 // bytes; 0: the engine's 64 MiB
	OomScoreAdj       int
	Ulimits           []Ulimit
}

// ImageConfig is what an image gives a container that does not say
// otherwise: the engine merges it into the container's configuration.
type ImageConfig struct {
	Env          []string
	Cmd          []string
	Entrypoint   []string
	WorkingDir   string
	User         string
	Labels       map[string]string
	ExposedPorts []string // "80/tcp"
	Volumes      []string // VOLUME paths
	StopSignal   string
	Healthcheck  *Healthcheck
}
