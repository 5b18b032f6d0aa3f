// Package docker is the product's only door to the Docker Engine: a small
// client over the Engine API (github.com/moby/moby/client) that speaks in the
// few types the rest of the code needs. It never runs the docker CLI.
//
// Callers declare the narrow interface they use (see install/, internal/cli)
// and *Client satisfies it; unit tests substitute internal/dockerfake, which
// has every method of *Client.
package docker

import (
	"errors"
	"os"
	"time"
)

// ErrNotFound is returned (wrapped) when a container or image does not exist.
var ErrNotFound = errors.New("not found")

// EngineInfo describes the Docker engine.
type EngineInfo struct {
	Host          string // DOCKER_HOST or the default socket, as dialled
	ServerVersion string // "20.10.24"
	APIVersion    string // negotiated API version in use, "1.41"
	OS            string // "linux"
	Arch          string // "x86_64" / "aarch64" as the engine reports
	NCPU          int
	MemTotal      int64  // bytes
	DockerRootDir string // "/var/lib/docker"
	Driver        string // storage driver: "overlay2", "vfs", ...
}

// Image is a local image.
type Image struct {
	ID          string // "sha256:..."
	RepoTags    []string
	RepoDigests []string // "repo@sha256:..."
	Arch        string
	Size        int64
	Created     time.Time
	Config      ImageConfig
}

// PullEvent is one progress message of an image pull, per layer.
type PullEvent struct {
	Layer   string // layer ID (short), empty for whole-image messages
	Status  string // "Pulling fs layer", "Downloading", "Extracting", "Pull complete", "Digest: ..."
	Current int64
	Total   int64
}

// Mount is a file system mounted into a container: a host directory (bind,
// the default), a named volume, or a tmpfs.
type Mount struct {
	Type        MountType // "" is a bind
	Source      string    // host path (bind), volume name (volume), empty (tmpfs)
	Destination string    // container path
	ReadOnly    bool
	// Propagation of a bind ("rshared", ...); empty: the engine's rprivate.
	Propagation string
	// NoCopy: an empty volume is not filled from the image's content.
	NoCopy bool
	// TmpfsSize in bytes and TmpfsMode of a tmpfs; 0: the engine's defaults.
	TmpfsSize int64
	TmpfsMode os.FileMode
}

// PortBinding publishes ContainerPort on HostIP:HostPort.
type PortBinding struct {
	HostIP        string
	HostPort      int // 0: a port the engine picks
	ContainerPort int
	Proto         string // "udp", "sctp"; empty: tcp
}

// ContainerSpec is what the product creates, and, read back by
// ContainerInspect (Container.Config), everything a container was created
// with, so that it can be created again with the same settings. Zero values
// leave the choice to the image or the engine.
type ContainerSpec struct {
	Name          string
	Image         string
	Env           []string // KEY=value; never secrets (those live in docker.env)
	Labels        map[string]string
	Mounts        []Mount
	Ports         []PortBinding
	RestartPolicy string // "unless-stopped"
	// RestartRetries is the on-failure policy's maximum retry count.
	RestartRetries int
	// StopTimeout is how long the engine waits after SIGTERM when it stops
	// the container itself (reboot, engine shutdown); 0: the engine's 10 s.
	StopTimeout time.Duration
	// Log is the container's log driver and its options (rotation); nil:
	// the engine's default, unbounded json-file.
	Log *LogConfig

	// The process; nil or empty keeps the image's. Entrypoint {""} clears
	// the image's entrypoint (the engine then runs Cmd alone).
	Cmd         []string
	Entrypoint  []string
	WorkingDir  string
	User        string
	StopSignal  string
	Healthcheck *Healthcheck
	Init        *bool // run an init as PID 1; nil: the engine's default
	Tty         bool
	OpenStdin   bool

	Hostname   string // empty: the engine's (the short container ID)
	Domainname string
	// ExposedPorts are exposed without being published ("8080/tcp"); the
	// published ones are exposed anyway.
	ExposedPorts    []string
	PublishAllPorts bool
	// NetworkMode is the network the container is created on ("bridge",
	// "host", a network's name; empty: the engine's default bridge);
	// Networks lists every network it joins, that one included.
	NetworkMode string
	Networks    []NetworkAttachment
	ExtraHosts  []string // "host:ip"
	DNS         []string
	DNSOptions  []string
	DNSSearch   []string

	CapAdd         []string
	CapDrop        []string
	Privileged     bool
	SecurityOpt    []string
	ReadonlyRootfs bool
	Sysctls        map[string]string
	GroupAdd       []string
	Devices        []Device
	Tmpfs          map[string]string // path -> mount options, as --tmpfs gives them
	// Namespaces and runtime: empty is the engine's default.
	PidMode   string
	IpcMode   string
	UTSMode   string
	Runtime   string
	Resources Resources
}

// LogConfig is a container's log driver, such as json-file with max-size.
type LogConfig struct {
	Driver  string
	Options map[string]string
}

// Container is what the product reads back about a container.
type Container struct {
	ID         string
	Name       string // without the leading "/"
	Image      string // the reference it was created from (Config.Image)
	ImageID    string // "sha256:..."
	State      string // "created", "running", "exited", "restarting", ...
	Running    bool
	Health     string // docker HEALTHCHECK status: "", "starting", "healthy", "unhealthy"
	ExitCode   int
	Restarts   int // RestartCount: a crash loop under a restart policy shows here
	StartedAt  time.Time
	FinishedAt time.Time
	Labels     map[string]string
	Mounts     []Mount
	Ports      []PortBinding
	Restart    string // restart policy name
	Env        []string
	// StopTimeout as configured (0: the engine's default), and the log driver.
	StopTimeout time.Duration
	Log         LogConfig
	// Config is everything the container was created with, as the engine
	// reports it: the image's defaults (Env, Cmd, Labels...) merged in, the
	// engine's generated hostname and aliases left out. See
	// instance.SpecFromContainer for a spec that recreates it.
	Config ContainerSpec
}

// LogsOptions selects container log output.
type LogsOptions struct {
	Follow bool
	Tail   string    // "all" or a number of lines; "" means all
	Since  time.Time // zero means from the start
}

// ExecResult is the outcome of a command run inside a container.
type ExecResult struct {
	ExitCode int
	Stdout   []byte
	Stderr   []byte
}
