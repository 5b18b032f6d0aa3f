package docker

import (
	"context"
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// ErrManifestUnknown is returned (wrapped) by ImagePull when the registry has
// no such tag or digest: for Appsmith, "no such version".
var ErrManifestUnknown = errors.New("manifest unknown")

// IsManifestUnknown reports whether err says the requested tag does not exist.
func IsManifestUnknown(err error) bool { return errors.Is(err, ErrManifestUnknown) }

// IsUnreachable reports whether err says the engine could not be contacted at
// all, as opposed to the engine refusing a request.
func IsUnreachable(err error) bool {
	var u *unreachableError
	return errors.As(err, &u) || client.IsErrConnectionFailed(err)
}

// opError carries what the product was doing together with the engine's own
// words, and classifies the failure so callers can use errors.Is.
type opError struct {
	op   string
	err  error
	kind error // ErrNotFound, ErrManifestUnknown or nil
}

func (e *opError) Error() string { return e.op + ": " + engineMessage(e.err) }
func (e *opError) Unwrap() error { return e.err }
func (e *opError) Is(target error) bool {
	return e.kind != nil && target == e.kind
}

// wrap names the operation that failed; a 404 from the engine becomes
// ErrNotFound whatever the object was.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var kind error
	if cerrdefs.IsNotFound(err) {
		kind = ErrNotFound
	}
	return &opError{op: op, err: err, kind: kind}
}

// engineMessage drops the client's generic prefix: the operation already says
// who is speaking.
func engineMessage(err error) string {
	return strings.TrimPrefix(err.Error(), "Error response from daemon: ")
}

type unreachableError struct {
	host   string
	reason string
	hint   string
	err    error
}

func (e *unreachableError) Error() string {
	return "docker engine unreachable at " + e.host + ": " + e.reason + "\n" + e.hint
}

func (e *unreachableError) Unwrap() error { return e.err }

// unreachable explains a failed first contact. The moby client often reduces
// a dial failure to "is the daemon running?"; dialling again ourselves
// recovers the operating system's reason (no such file, permission denied,
// connection refused), which is what a person needs to fix it.
func unreachable(host string, err error) error {
	reason := err.Error()
	if dialErr := dialCheck(host); dialErr != nil {
		reason = dialErr.Error()
	} else if errors.Is(err, context.DeadlineExceeded) {
		reason = "no answer within " + pingTimeout.String()
	}
	hint := "Is dockerd running? Start it with `sudo systemctl start docker`, " +
		"or point DOCKER_HOST at your engine (DOCKER_HOST=unix:///var/run/docker.sock or tcp://HOST:2376)."
	if strings.Contains(reason, "permission denied") || errors.Is(err, os.ErrPermission) {
		hint = "Run as root (sudo), or add your user to the docker group: `sudo usermod -aG docker $USER`, then log in again."
	}
	return &unreachableError{host: host, reason: reason, hint: hint, err: err}
}

func dialCheck(host string) error {
	u, err := url.Parse(host)
	if err != nil {
		return nil
	}
	var network, addr string
	switch u.Scheme {
	case "unix":
		network, addr = "unix", u.Path
	case "tcp":
		network, addr = "tcp", u.Host
	default:
		return nil
	}
	conn, err := net.DialTimeout(network, addr, 2*time.Second)
	if err != nil {
		return err
	}
	_ = conn.Close()
	return nil
}
