package install

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/appsmith-install/appsmith-install/internal/bundle"
	"github.com/appsmith-install/appsmith-install/internal/dbcheck"
	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// Docker is the part of the Engine API an install uses.
type Docker interface {
	Info(ctx context.Context) (docker.EngineInfo, error)
	ImageInspect(ctx context.Context, ref string) (docker.Image, error)
	ImagePull(ctx context.Context, ref string, onEvent func(docker.PullEvent)) error
	ContainerInspect(ctx context.Context, nameOrID string) (docker.Container, error)
	ContainerList(ctx context.Context, labels map[string]string) ([]docker.Container, error)
	ContainerCreate(ctx context.Context, spec docker.ContainerSpec) (string, error)
	ContainerStart(ctx context.Context, id string) error
	ContainerStop(ctx context.Context, id string, timeout time.Duration) error
	ContainerRemove(ctx context.Context, id string) error
	ContainerLogs(ctx context.Context, id string, opts docker.LogsOptions, stdout, stderr io.Writer) error
	Exec(ctx context.Context, id string, cmd []string, env []string, stdin io.Reader) (docker.ExecResult, error)
	bundle.Loader // --bundle: the image from an air-gapped bundle
}

var _ Docker = (*docker.Client)(nil)

// Host is what an install needs from the machine it runs on. A struct of
// funcs so tests can put a port in use or a full disk without touching the
// machine.
type Host struct {
	PortFree   func(ip string, port int) error
	DiskFree   func(path string) (uint64, error)
	HasAVX     func() (bool, error)
	Executable func() (string, error)
	HTTP       *http.Client
	// LookupHost resolves a domain (Let's Encrypt checks); PublicIPs lists
	// this machine's addresses. Tests inject both.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	PublicIPs  func(ctx context.Context) ([]string, error)
	// Writable says whether this user can create or write the install dir
	// (the nearest existing ancestor when it does not exist yet).
	Writable func(dir string) error
	// Reachable dials an external database or Redis URL (nil: not checked).
	Reachable func(ctx context.Context, url string) error
	// Getenv is the process environment (HOME, SUDO_USER); nil: empty.
	Getenv func(string) string
}

// RealHost is the machine this process runs on.
func RealHost() Host {
	return Host{
		PortFree:   portFree,
		DiskFree:   diskFree,
		HasAVX:     hasAVX,
		Executable: os.Executable,
		HTTP:       &http.Client{Timeout: 5 * time.Second},
		LookupHost: net.DefaultResolver.LookupHost,
		PublicIPs:  interfaceIPs,
		Reachable:  dbcheck.Reachable,
		Writable:   writable,
		Getenv:     os.Getenv,
	}
}

func writable(dir string) error {
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Stat(p); err == nil {
			return unix.Access(p, unix.W_OK)
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// interfaceIPs are the machine's global unicast addresses. Behind a cloud
// NAT the public address is not among them; the DNS finding says so.
func interfaceIPs(context.Context) ([]string, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var ips []string
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.IsGlobalUnicast() {
			ips = append(ips, n.IP.String())
		}
	}
	return ips, nil
}

func portFree(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// diskFree measures the nearest existing ancestor, since the install dir
// usually does not exist yet.
func diskFree(path string) (uint64, error) {
	for {
		var st unix.Statfs_t
		err := unix.Statfs(path, &st)
		if err == nil {
			return st.Bavail * uint64(st.Bsize), nil
		}
		if !errors.Is(err, unix.ENOENT) {
			return 0, err
		}
		parent := path[:max(strings.LastIndex(path, "/"), 1)]
		if parent == path {
			return 0, fmt.Errorf("statfs %s: %w", path, err)
		}
		path = parent
	}
}

func hasAVX() (bool, error) {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return false, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "flags") {
			for _, f := range strings.Fields(line) {
				if f == "avx" {
					return true, nil
				}
			}
			return false, nil
		}
	}
	return false, fmt.Errorf("no flags line in /proc/cpuinfo")
}
