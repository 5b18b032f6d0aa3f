// Package state reads and writes <install dir>/appsmith.yaml: the record of
// what appsmith-install installed (image, digest, ports, options). Day-two
// commands start from it, so it is written atomically; before the instance
// it describes was seen ready, it says so (StatusInstalling).
package state

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
)

// FileName is the state file's name inside the install directory.
const FileName = "appsmith.yaml"

// Labels put on the container so an instance is found even without its state
// file (for example after the install dir was restored from a backup).
const (
	LabelManaged   = "io.appsmith-install.managed"
	LabelDir       = "io.appsmith-install.dir"
	LabelInstaller = "io.appsmith-install.version"
	// LabelLinkDir is where the install links `appsmith` ("" = nowhere), so
	// an uninstall knows which other installs share a link without reading
	// their (maybe not yet written) state files.
	LabelLinkDir = "io.appsmith-install.link-dir"
	// LabelRole is "current" or "previous" (an old container an upgrade
	// keeps for its rollback); none means current.
	LabelRole = "io.appsmith-install.role"
)

// State is the content of appsmith.yaml. It holds no secret: external
// database URLs are recorded only as "external".
type State struct {
	// Schema is the layout of this file (SchemaVersion when written); an
	// older appsmith-install refuses a newer one by name instead of
	// misreading it.
	Schema           int       `yaml:"schema"`
	InstallerVersion string    `yaml:"installer_version"`
	InstalledAt      time.Time `yaml:"installed_at"`
	UpdatedAt        time.Time `yaml:"updated_at"`
	Dir              string    `yaml:"dir"`
	Container        string    `yaml:"container"`
	ContainerID      string    `yaml:"container_id"`
	Edition          string    `yaml:"edition"`
	Registry         string    `yaml:"registry,omitempty"` // mirror of appsmith/appsmith-<edition>, "" = Docker Hub
	Tag              string    `yaml:"tag,omitempty"`      // the tag asked for ("latest", "v1.9.2"); "" when --image named the image
	Image            string    `yaml:"image"`
	ImageID          string    `yaml:"image_id"`
	ImageDigest      string    `yaml:"image_digest,omitempty"`
	Version          string    `yaml:"version"`
	HTTPPort         int       `yaml:"http_port"`
	HTTPSPort        int       `yaml:"https_port"`
	BindAddress      string    `yaml:"bind_address"`
	Database         string    `yaml:"database"`         // "embedded-postgresql", "embedded-mongodb" or "external" ("embedded" before they were told apart)
	Redis            string    `yaml:"redis"`            // "embedded" or "external"
	Link             string    `yaml:"link,omitempty"`   // the `appsmith` link this install made
	TLS              string    `yaml:"tls,omitempty"`    // none, letsencrypt, custom, proxy
	Domain           string    `yaml:"domain,omitempty"` // APPSMITH_CUSTOM_DOMAIN, ASCII form
	// Status is StatusInstalling from before the first start until the
	// instance was seen ready, so a re-run after a failed first start keeps
	// its name, image and ports; empty once installed.
	Status string `yaml:"status,omitempty"`
	// History holds what the instance ran before each change of version,
	// newest last: what a rollback goes back to.
	History []Revision `yaml:"history,omitempty"`
	// Backups is what status and prune know of the instance's backups.
	Backups *Backups `yaml:"backups,omitempty"`
	// AutoUpdate is `appsmith auto-update`'s settings and last outcome.
	AutoUpdate *AutoUpdate `yaml:"auto_update,omitempty"`
	// Target is where the instance runs: "" for this host's Docker engine,
	// TargetKubernetes for a Helm release; Kubernetes then says where.
	Target     string      `yaml:"target,omitempty"`
	Kubernetes *Kubernetes `yaml:"kubernetes,omitempty"`
	// Adopted is set on an instance started without appsmith-install
	// (Appsmith's `docker run` or compose) that `appsmith adopt` took over.
	Adopted *Adoption `yaml:"adopted,omitempty"`
}

// TargetKubernetes is State.Target for an instance installed with
// Appsmith's Helm chart.
const TargetKubernetes = "kubernetes"

// The namespace and Helm release a Kubernetes target gets unless told.
const (
	DefaultKubeNamespace = "appsmith"
	DefaultKubeRelease   = "appsmith"
)

// Kubernetes is the cluster side of a Kubernetes target, so later
// commands need no flags: which cluster, where, and from which chart.
// Values files are recorded by path; their content is read again.
type Kubernetes struct {
	Kubeconfig string `yaml:"kubeconfig,omitempty"`
	Context    string `yaml:"context,omitempty"`
	Namespace  string `yaml:"namespace"`
	Release    string `yaml:"release"`
	Chart      string `yaml:"chart,omitempty"`
	// ChartSource is where Chart (then a .tgz in the install dir) was
	// pulled from: oci://host/path/name:version@sha256:...
	ChartSource string   `yaml:"chart_source,omitempty"`
	Values      []string `yaml:"values,omitempty"`
	// Revision is the Helm revision the last command of this tool left.
	Revision int `yaml:"revision,omitempty"`
	// Snapshot is the data snapshot the last upgrade took before its first
	// hop: what `rollback` puts back with the previous version.
	Snapshot *KubeSnapshot `yaml:"snapshot,omitempty"`
}

// KubeSnapshot is an upgrade's data snapshot of a Kubernetes release.
type KubeSnapshot struct {
	Location string `yaml:"location"` // an archive restore takes
	Version  string `yaml:"version"`  // the version it is data of
	Revision int    `yaml:"revision"` // the release's revision then
}

// Adoption is what `appsmith adopt` found. The container itself carries
// every setting (later commands recreate it from its inspect); this is the
// record of it for people, and, for a compose service, how to find it again.
type Adoption struct {
	At       time.Time `yaml:"at"`
	From     string    `yaml:"from"` // the container's name before
	Replaced bool      `yaml:"replaced"`
	Restart  string    `yaml:"restart_policy"`
	Networks []string  `yaml:"networks,omitempty"`
	Mounts   []string  `yaml:"mounts,omitempty"`    // "source:destination"
	EnvNames []string  `yaml:"env_names,omitempty"` // names only: values may be secrets
	// Compose is set when docker compose manages the container: it is not
	// replaced (compose would fight a container it did not create).
	Compose *ComposeService `yaml:"compose,omitempty"`
	// Preexisting are the entries of the install dir that this tool would
	// otherwise call its own (stacks/, backups/, ...) but found there at
	// adopt: `uninstall --purge` keeps them.
	Preexisting []string `yaml:"preexisting,omitempty"`
}

// ComposeService names the compose service an adopted container is.
type ComposeService struct {
	Project     string `yaml:"project" json:"project"`
	Service     string `yaml:"service" json:"service"`
	ConfigFiles string `yaml:"config_files,omitempty" json:"config_files,omitempty"`
	WorkingDir  string `yaml:"working_dir,omitempty" json:"working_dir,omitempty"`
}

// Backups records the last backup and the restore drills that passed.
type Backups struct {
	Last      *BackupRecord `yaml:"last,omitempty"`
	LastDrill *DrillRecord  `yaml:"last_drill,omitempty"`
	// Drilled are the locations of archives that passed a drill: prune
	// never deletes the only one left.
	Drilled []string `yaml:"drilled,omitempty"`
}

// AutoUpdate is the auto-update window and channel, and what the last
// `upgrade --auto` did.
type AutoUpdate struct {
	Window  string            `yaml:"window,omitempty" json:"window"`   // "Sun 03:00", "daily 03:00"; "" = disabled
	Channel string            `yaml:"channel,omitempty" json:"channel"` // patch, minor or latest
	Last    *AutoUpdateRecord `yaml:"last,omitempty" json:"last,omitempty"`
}

// AutoUpdateRecord is one `upgrade --auto` run.
type AutoUpdateRecord struct {
	At      time.Time `yaml:"at" json:"at"`
	From    string    `yaml:"from" json:"from"`
	To      string    `yaml:"to,omitempty" json:"to,omitempty"`
	Outcome string    `yaml:"outcome" json:"outcome"`                   // done, rolled_back, failed, nothing-to-do
	Backup  string    `yaml:"backup,omitempty" json:"backup,omitempty"` // the archive taken first; "" = none
	Error   string    `yaml:"error,omitempty" json:"error,omitempty"`
}

// BackupRecord is a backup that was written.
type BackupRecord struct {
	At       time.Time `yaml:"at" json:"at"`
	Location string    `yaml:"location" json:"location"`
	Size     int64     `yaml:"size" json:"size"`
}

// DrillRecord is a restore drill that passed.
type DrillRecord struct {
	At       time.Time     `yaml:"at" json:"at"`
	Location string        `yaml:"location" json:"location"`
	Duration time.Duration `yaml:"duration" json:"duration_ns"`
}

// Revision is what an instance ran before a change of version, and where
// the data of that moment is kept.
type Revision struct {
	At          time.Time `yaml:"at"`        // when the change began
	Operation   string    `yaml:"operation"` // "upgrade v1.9.2 → v1.9.38"
	Version     string    `yaml:"version"`
	Image       string    `yaml:"image"`
	ImageID     string    `yaml:"image_id"`
	ImageDigest string    `yaml:"image_digest,omitempty"`
	Container   string    `yaml:"container,omitempty"`    // kept, stopped, with role "previous"
	ContainerID string    `yaml:"container_id,omitempty"` //
	// RollbackPoint is the copy of the stacks taken before the change (a
	// snapshot directory or a backup archive): data and image go back together.
	RollbackPoint string `yaml:"rollback_point,omitempty"`
	RollbackBytes int64  `yaml:"rollback_bytes,omitempty"` // its size, for status
}

// SchemaVersion is the newest layout of appsmith.yaml this build reads and
// the one it writes. Files without a schema are version 1.
const SchemaVersion = 1

// NewerSchemaError: the file was written by a newer appsmith-install.
type NewerSchemaError struct {
	Path   string
	Schema int
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("%s was written by a newer appsmith-install (schema %d; this one reads up to %d): run that version, or install a newer appsmith-install",
		e.Path, e.Schema, SchemaVersion)
}

// TLS modes as recorded in State.TLS (APPSMITH.md "TLS and CA roots").
const (
	TLSNone        = "none"        // plain HTTP (and Caddy's self-signed HTTPS); no domain
	TLSLetsEncrypt = "letsencrypt" // APPSMITH_CUSTOM_DOMAIN set, no ssl/*.pem: Caddy asks Let's Encrypt
	TLSCustom      = "custom"      // APPSMITH_CUSTOM_DOMAIN set and ssl/fullchain.pem + ssl/privkey.pem
	TLSProxy       = "proxy"       // a proxy terminates TLS: no domain, or Caddy's redirects loop
)

// StatusInstalling marks the options of a first install that was not seen
// ready yet: no version, no container ID, maybe no data.
const StatusInstalling = "installing"

// Installing reports whether the state records a first install that has
// not been seen ready.
func (s *State) Installing() bool { return s != nil && s.Status == StatusInstalling }

// Path is the state file of the install dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// ErrNoState means the install dir has no state file.
var ErrNoState = errors.New("no state file")

// Load reads the state of the install dir.
func Load(dir string) (*State, error) {
	data, err := os.ReadFile(Path(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", Path(dir), ErrNoState)
	}
	if err != nil {
		return nil, err
	}
	// The schema first, leniently: a newer file may hold fields this build
	// does not know, and the user needs to hear why, not which field.
	var head struct {
		Schema int `yaml:"schema"`
	}
	if err := yaml.Unmarshal(data, &head); err == nil && head.Schema > SchemaVersion {
		return nil, &NewerSchemaError{Path: Path(dir), Schema: head.Schema}
	}
	var s State
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", Path(dir), err)
	}
	return &s, nil
}

const header = "# Written by appsmith-install: what is installed here. Day-two commands read it.\n" +
	"# Do not edit by hand; it holds no secrets (those are in stacks/configuration/docker.env).\n"

// Save writes the state atomically.
func Save(dir string, s *State) error {
	s.Schema = SchemaVersion
	body, err := yaml.Marshal(s)
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(Path(dir), append([]byte(header), body...), 0o644)
}
