// Package spec is what the stand-in Appsmith image and the harness that bakes
// it (internal/testenv) must agree on: where the baked-in files live, the
// stand-in's own configuration file, and the version arithmetic of
// APPSMITH.md's "Version history" (which MongoDB an image embeds, which
// featureCompatibilityVersion it opens and raises to, which checkpoints a
// start must not skip).
package spec

import (
	"fmt"
	"time"
)

// Paths inside the image.
const (
	Entrypoint  = "/opt/appsmith/entrypoint.sh"
	InfoPath    = "/opt/appsmith/info.json"
	Healthcheck = "/opt/appsmith/healthcheck"
	ConfigPath  = "/opt/standin/config.json"
	StacksPath  = "/appsmith-stacks"
)

// Fault modes baked into an image. The product never chooses them: a test
// picks a faulty image the way a user might be handed a broken release.
const (
	FaultNone               = ""
	FaultNeverHealthy       = "never-healthy"       // health stays 502, /info works
	FaultCrash              = "crash"               // exits 1 right after start
	FaultIllegalInstruction = "illegal-instruction" // embedded mongod dies like on a CPU without AVX
	FaultRejectCert         = "reject-cert"         // "Caddy" refuses every custom certificate, as for a key type it cannot use
	// FaultCorruptOnStart damages the database's data file on start and then
	// exits, as a broken release that wrecks the data it migrates: only the
	// pre-upgrade data (not just the old tag) brings the instance back.
	FaultCorruptOnStart = "corrupt-on-start"
	// FaultNoForward: supervisor's stdout forwarder (supervisor_stdout) is
	// absent, so program output reaches only the log files under
	// logs/<program>/ and never `docker logs`.
	FaultNoForward = "no-forward"
)

// DefaultBootDelay is how long the backend takes to come up when the image
// does not say otherwise.
const DefaultBootDelay = time.Second

// Config is /opt/standin/config.json: the image's own behaviour, fixed at
// build time so nothing the product passes at run time can change it.
type Config struct {
	BootDelay    string `json:"bootDelay,omitempty"`    // Go duration; "" = DefaultBootDelay
	Fault        string `json:"fault,omitempty"`        // one of the Fault* constants
	MongoVersion string `json:"mongoVersion,omitempty"` // "5.0"; "" = MongoFor(version)
	// KeepRunning is supervisord's own behaviour: a program that fails to
	// start is retried (BACKOFF) and then left FATAL while the container keeps
	// running. Off by default, so most tests see a failure as an exit code.
	KeepRunning bool `json:"keepRunning,omitempty"`
	// Checkpoint is a checkpoint this release enforces beyond the known ones
	// (Appsmith adding one after the product was released): data last
	// started fully below it aborts start, naming it as the backend does.
	Checkpoint string `json:"checkpoint,omitempty"`
}

// Info is /opt/appsmith/info.json, the one place the real image states its version.
type Info struct {
	Version      string `json:"version"`
	CommitSha    string `json:"commitSha"`
	ImageBuiltAt string `json:"imageBuiltAt"`
}

// Validate rejects a configuration the stand-in would not run with.
func (c Config) Validate() error {
	if _, err := c.Delay(); err != nil {
		return err
	}
	switch c.Fault {
	case FaultNone, FaultNeverHealthy, FaultCrash, FaultIllegalInstruction, FaultRejectCert, FaultCorruptOnStart, FaultNoForward:
	default:
		return fmt.Errorf("unknown stand-in fault mode %q", c.Fault)
	}
	if c.Checkpoint != "" {
		if _, err := ParseVersion(c.Checkpoint); err != nil {
			return fmt.Errorf("invalid stand-in checkpoint %q: %w", c.Checkpoint, err)
		}
	}
	if c.MongoVersion != "" && fcvNum(c.MongoVersion) < 0 {
		return fmt.Errorf("invalid MongoDB version %q: want major.minor like 5.0", c.MongoVersion)
	}
	return nil
}

// Delay is the parsed boot delay.
func (c Config) Delay() (time.Duration, error) {
	if c.BootDelay == "" {
		return DefaultBootDelay, nil
	}
	d, err := time.ParseDuration(c.BootDelay)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid stand-in boot delay %q", c.BootDelay)
	}
	return d, nil
}
