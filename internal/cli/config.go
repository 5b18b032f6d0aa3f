package cli

import (
	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// loader merges install.Options: defaults (and, for an existing install,
// what is installed) < --config YAML < APPSMITH_INSTALL_* environment <
// flags that were set. The layering itself is optLoader's, shared by every
// command with options of its own.
type loader struct {
	*optLoader[install.Options]
}

// installEnvPrefix: the environment twin of --http-port is
// APPSMITH_INSTALL_HTTP_PORT.
const installEnvPrefix = "APPSMITH_INSTALL_"

func newLoader(defaults install.Options) *loader {
	return &loader{newOptLoader(defaults, installEnvPrefix)}
}

// fromState: an existing install's choices are the defaults of a re-run, so
// `appsmith-install --yes` converges instead of asking for a new version.
func (l *loader) fromState(s *state.State) {
	if s.Edition != "" {
		l.opts.Edition = s.Edition
	}
	if s.Tag != "" {
		l.opts.Registry, l.opts.Version = s.Registry, s.Tag
	} else {
		l.opts.Image = s.Image
	}
	if s.Target == state.TargetKubernetes {
		// A Helm release has no container or ports; its TLS is the
		// ingress's, recorded as given.
		l.opts.TLS, l.opts.Domain = s.TLS, s.Domain
		return
	}
	l.opts.ContainerName = s.Container
	l.opts.TLS = "keep" // TLS changes go through `appsmith tls`
	if s.Installing() && s.TLS != "" && s.TLS != install.TLSCustom {
		// A first install may have stopped before docker.env was written:
		// its TLS choice must still reach it. (A certificate's files are
		// not recorded; custom TLS stays as docker.env and ssl/ hold it.)
		l.opts.TLS, l.opts.Domain = s.TLS, s.Domain
	}
	l.opts.HTTPPort, l.opts.HTTPSPort, l.opts.BindAddress = s.HTTPPort, s.HTTPSPort, s.BindAddress
}

// normalize validates the merged options on host h; a bad value is
// reported by the name of the place it came from.
func (l *loader) normalize(h install.Host) (install.Options, error) {
	o, err := l.opts.NormalizeOn(h)
	return o, l.usage(err)
}
