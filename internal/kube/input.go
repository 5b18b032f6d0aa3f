package kube

import (
	"net/url"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/certs"
)

// Input is what the values are generated from: the options of a host
// install (install.Options, mapped one to one by the CLI) as far as they
// mean something on Kubernetes. Version must be a `v` tag: a floating tag
// is resolved before (as a host install resolves latest), never written.
type Input struct {
	Edition   string // ce or ee
	Version   string // v1.9.2
	Registry  string // "" = Docker Hub
	DBURL     string // external MongoDB or PostgreSQL; "" = the chart's MongoDB subchart
	RedisURL  string // external Redis; "" = the chart's Redis subchart
	TLS       string // none, letsencrypt, custom, proxy
	Domain    string
	Telemetry bool
	// TLSFiles holds the custom certificate (--cert/--key) and the CA roots
	// (--ca-cert), read and checked as for a host install.
	TLSFiles *certs.Material
}

// dockerHub is the chart's default image.registry, written out so the
// pin does not lean on the chart's default.
const dockerHub = "index.docker.io"

func (in Input) check() error {
	switch in.Edition {
	case "ce", "ee":
	default:
		return &FieldError{"edition", in.Edition, "want ce or ee"}
	}
	if !strings.HasPrefix(in.Version, "v") || in.Version == "" {
		return &FieldError{"version", in.Version, "the chart's image.tag must be pinned to a version tag such as v1.9.2 (latest is resolved to one first)"}
	}
	switch in.TLS {
	case "", "none", "proxy":
	case "letsencrypt":
		if in.Domain == "" {
			return &FieldError{"domain", "", "--tls letsencrypt needs --domain (the ingress host cert-manager gets a certificate for)"}
		}
	case "custom":
		if in.TLSFiles == nil || in.TLSFiles.KeyPair == nil {
			return &FieldError{"cert", "", "--tls custom needs --cert and --key"}
		}
	default:
		return &FieldError{"tls", in.TLS, "want none, letsencrypt, custom or proxy"}
	}
	return nil
}

// hasPassword reports whether a URL carries a password: such a URL goes
// into the Secret, not into the chart's ConfigMap (applicationConfig).
func hasPassword(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return true // unparseable: treat as secret, never print it
	}
	_, ok := u.User.Password()
	return ok
}

// Redact hides the password of a URL so it can be shown in a plan.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func tlsMode(in Input) string {
	if in.TLS == "" {
		return "none"
	}
	return in.TLS
}
