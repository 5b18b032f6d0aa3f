// Package install computes and carries out a fresh install (or the
// convergence of an existing one): options and their validation, preflight
// checks, and the plan of steps the engine runs. It asks nothing and renders
// nothing; the CLI flags and the wizard both produce an Options value.
package install

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/releases"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// Options is the desired state of an install. Field names in the `opt` tag
// are the canonical option names: the flag is --<name>, the config file key
// is <name> with '-' as '_', the environment variable APPSMITH_INSTALL_<NAME>.
type Options struct {
	Dir      string `opt:"dir" yaml:"dir"`
	Edition  string `opt:"edition" yaml:"edition"`
	Version  string `opt:"version" yaml:"version"`
	Image    string `opt:"image" yaml:"image"`
	Registry string `opt:"registry" yaml:"registry"` // "" = Docker Hub
	// Bundle is an air-gapped bundle (`appsmith bundle create`) to load the
	// image from instead of a registry; TrustedKey, when set, is the public
	// key it must be signed with. Normalize picks the image from the
	// bundle's manifest (BundleImageID is its ID there).
	Bundle        string `opt:"bundle" yaml:"bundle"`
	TrustedKey    string `opt:"trusted-key" yaml:"trusted_key"`
	BundleImageID string `yaml:"-"`
	// ImageVersion is the version an Image given by digest holds (firstboot
	// takes it from image.env): a digest carries no tag, and readiness must
	// still check /info against a version. Not a user option.
	ImageVersion  string `yaml:"-"`
	ContainerName string `opt:"container-name" yaml:"container_name"`
	HTTPPort      int    `opt:"http-port" yaml:"http_port"`
	HTTPSPort     int    `opt:"https-port" yaml:"https_port"`
	BindAddress   string `opt:"bind-address" yaml:"bind_address"`
	// DB is the database: embedded-postgresql, embedded-mongodb or a URL
	// (Normalize moves a URL to DBURL); "" = what Appsmith's own template
	// writes for the version (see Database).
	DB       string        `opt:"db" yaml:"db"`
	DBURL    string        `opt:"db-url" yaml:"db_url"`
	RedisURL string        `opt:"redis-url" yaml:"redis_url"`
	Timeout  time.Duration `opt:"timeout" yaml:"timeout"`
	LinkDir  string        `opt:"link-dir" yaml:"link_dir"` // "" = do not link
	// AllowNonEmptyDir lets an install go into a dir that already holds
	// other files (never into one that is protected or another install's).
	AllowNonEmptyDir bool `opt:"allow-non-empty-dir" yaml:"allow_non_empty_dir"`

	// TLS (see tls.go): the mode, and the files it needs.
	TLS               string   `opt:"tls" yaml:"tls"` // none, letsencrypt, custom, proxy; "" = derived from the others
	Domain            string   `opt:"domain" yaml:"domain"`
	Cert              string   `opt:"cert" yaml:"cert"`
	Key               string   `opt:"key" yaml:"key"`
	KeyPassphraseFile string   `opt:"key-passphrase-file" yaml:"key_passphrase_file"`
	CACerts           []string `opt:"ca-cert" yaml:"ca_cert"`

	// Telemetry sends Appsmith's anonymous usage data; off unless asked for.
	Telemetry bool `opt:"telemetry" yaml:"telemetry"`

	// Notes say what Normalize changed in the input, for the preflight to
	// tell the user; not an option.
	Notes []string `yaml:"-"`
}

// Defaults are the options of a plain `appsmith-install --yes`.
func Defaults() Options {
	return Options{
		Dir:           hint.DefaultDir,
		Edition:       "ee", // Appsmith's docs install the EE image (it runs on the free plan)
		Version:       "latest",
		ContainerName: "appsmith",
		HTTPPort:      80,
		HTTPSPort:     443,
		BindAddress:   "0.0.0.0",
		Timeout:       10 * time.Minute, // a real first boot takes up to 5 minutes
		LinkDir:       "/usr/local/bin",
	}
}

// FieldError is a bad option value. The CLI turns Field into the flag, config
// key or environment variable the value came from.
type FieldError struct {
	Field  string // canonical option name, as in the opt tag
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("invalid --%s %q: %s", e.Field, e.Value, e.Reason)
}

var (
	nameRe    = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)
	floatTags = map[string]bool{"latest": true, "release": true}
)

// NormalizeVersion turns user input into an image tag: "1.9.2" → "v1.9.2";
// "latest" and "release" stay. Appsmith tags always carry the v prefix, and
// a tag without it does not exist ("manifest unknown").
func NormalizeVersion(s string) (string, error) {
	s = strings.TrimSpace(s)
	if floatTags[strings.ToLower(s)] {
		return strings.ToLower(s), nil
	}
	raw := strings.TrimPrefix(strings.TrimPrefix(s, "v"), "V")
	if !regexp.MustCompile(`^[0-9]+(\.[0-9]+){0,2}$`).MatchString(raw) {
		return "", fmt.Errorf("want a version like v1.9.2 or v2.0, or latest")
	}
	if _, err := version.NewVersion(raw); err != nil {
		return "", err
	}
	return "v" + raw, nil
}

// ParseVersion parses an Appsmith version tag; ok is false for floating tags.
func ParseVersion(tag string) (*version.Version, bool) {
	if floatTags[tag] {
		return nil, false
	}
	v, err := version.NewVersion(strings.TrimPrefix(tag, "v"))
	return v, err == nil
}

// Normalize validates o and returns it with derived values filled in (the
// version tag normalised, the directory made absolute). The first bad field
// is returned as a *FieldError. The home directories it refuses are those of
// this machine's environment; NormalizeOn takes the host's.
func (o Options) Normalize() (Options, error) { return o.NormalizeOn(RealHost()) }

// NormalizeOn is Normalize on host h: its environment (HOME, SUDO_USER)
// names the home directories an install must not take over.
func (o Options) NormalizeOn(h Host) (Options, error) {
	bad := func(field, value, reason string) (Options, error) {
		return o, &FieldError{Field: field, Value: value, Reason: reason}
	}
	if o.Dir == "" {
		return bad("dir", o.Dir, "must not be empty")
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return bad("dir", o.Dir, err.Error())
	}
	o.Dir = filepath.Clean(abs)
	if why := checkProtectedDir(o.Dir, h.Getenv); why != "" {
		return bad("dir", o.Dir, why)
	}
	switch o.Edition {
	case "ce", "ee":
	default:
		return bad("edition", o.Edition, "want ce (Community) or ee (Business/Enterprise)")
	}
	tag, err := NormalizeVersion(o.Version)
	if err != nil {
		return bad("version", o.Version, err.Error())
	}
	o.Version = tag
	if o.Image != "" && !validRef(o.Image) {
		return bad("image", o.Image, "not an image reference (want [registry/]repo[:tag|@digest])")
	}
	o.Registry = strings.TrimSuffix(o.Registry, "/")
	if o.Registry != "" && (strings.Contains(o.Registry, "://") || !validRef(o.Registry+"/appsmith/appsmith-ce:v1")) {
		return bad("registry", o.Registry, "want a registry host[:port][/path] without scheme, such as mirror.example.com:5000")
	}
	if err := o.fromBundle(); err != nil {
		return o, err
	}
	if !nameRe.MatchString(o.ContainerName) {
		return bad("container-name", o.ContainerName, "want letters, digits, '_', '.', '-' (2 characters or more)")
	}
	for _, p := range []struct {
		field string
		port  int
	}{{"http-port", o.HTTPPort}, {"https-port", o.HTTPSPort}} {
		if p.port < 1 || p.port > 65535 {
			return bad(p.field, fmt.Sprint(p.port), "want a TCP port between 1 and 65535")
		}
	}
	if o.HTTPPort == o.HTTPSPort {
		return bad("https-port", fmt.Sprint(o.HTTPSPort), "must differ from --http-port")
	}
	if net.ParseIP(o.BindAddress) == nil {
		return bad("bind-address", o.BindAddress, "want an IP address such as 0.0.0.0 or 127.0.0.1")
	}
	dbField := "db-url"
	switch db := strings.TrimSpace(o.DB); {
	case db == "":
	case strings.Contains(db, "://"):
		if o.DBURL != "" && o.DBURL != db {
			return bad("db", shorten(redactURL(db), 100), "names another database than --db-url: give one of them")
		}
		o.DB, o.DBURL, dbField = "", db, "db"
	case strings.EqualFold(db, stacks.DBEmbeddedPostgreSQL), strings.EqualFold(db, stacks.DBEmbeddedMongoDB):
		if o.DBURL != "" {
			return bad("db", db, "an embedded database needs no --db-url: give one of them")
		}
		o.DB = strings.ToLower(db)
	default:
		return bad("db", db, "want embedded-postgresql, embedded-mongodb, or a database URL (postgresql://… or mongodb://…)")
	}
	if o.DBURL != "" {
		if err := checkURL(o.DBURL, stacks.KeyDBURL, "mongodb", "mongodb+srv", "postgresql", "postgres"); err != nil {
			return bad(dbField, shorten(redactURL(o.DBURL), 100), err.Error())
		}
		// Appsmith's entrypoint and run-java.sh know only postgresql:; with
		// postgres: they start the MongoDB backend against PostgreSQL, which
		// never becomes ready. Both mean the same to PostgreSQL itself.
		if rest, ok := strings.CutPrefix(o.DBURL, "postgres://"); ok {
			o.DBURL = "postgresql://" + rest
			o.Notes = append(o.Notes, "--"+dbField+": written as postgresql://… (Appsmith recognises only that scheme; postgres:// would start it against MongoDB)")
		}
	}
	if o.RedisURL != "" {
		if err := checkURL(o.RedisURL, stacks.KeyRedisURL, "redis", "rediss"); err != nil {
			return bad("redis-url", shorten(redactURL(o.RedisURL), 100), err.Error())
		}
	}
	if fe := o.normalizeTLS(); fe != nil {
		return o, fe
	}
	if o.Timeout < 10*time.Second {
		return bad("timeout", o.Timeout.String(), "want at least 10s (a real first boot takes minutes)")
	}
	if o.LinkDir != "" {
		if o.LinkDir, err = filepath.Abs(o.LinkDir); err != nil {
			return bad("link-dir", o.LinkDir, err.Error())
		}
	}
	return o, nil
}

// ImageRef is the image reference to run.
func (o Options) ImageRef() string {
	if o.Image != "" {
		return o.Image
	}
	repo := "appsmith/appsmith-" + o.Edition
	if o.Registry != "" {
		repo = o.Registry + "/" + repo
	}
	return repo + ":" + o.Version
}

// ExpectedVersion is the version /info must report for the instance to be
// ready, or "" when any version will do (a floating tag, or an --image whose
// tag is not a version).
func (o Options) ExpectedVersion() string {
	tag := o.ExpectedVersionOrTag()
	if _, ok := ParseVersion(tag); ok && strings.HasPrefix(tag, "v") {
		return tag
	}
	return ""
}

// EmbeddedDB reports whether the container runs its own database.
func (o Options) EmbeddedDB() bool { return o.DBURL == "" || isLocalURL(o.DBURL) }

// Database is the kind of database a fresh docker.env gets (stacks.DB*):
// the one --db or --db-url names, else what Appsmith's own template writes
// for the version: embedded PostgreSQL from v1.47, MongoDB before. An
// existing docker.env keeps its own (see Installer.database).
func (o Options) Database() string {
	switch {
	case o.DBURL != "":
		return stacks.DatabaseKind(o.DBURL)
	case o.DB != "":
		return o.DB
	}
	v, _ := releases.Parse(o.ExpectedVersionOrTag())
	if releases.DefaultDB(v) == "postgresql" {
		return stacks.DBEmbeddedPostgreSQL
	}
	return stacks.DBEmbeddedMongoDB
}

// refTag returns the tag of an image reference, "" for a digest or no tag.
func refTag(ref string) string {
	if strings.Contains(ref, "@") {
		return ""
	}
	slash := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > slash {
		return ref[i+1:]
	}
	return "latest"
}

var refRe = regexp.MustCompile(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._/-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)

func validRef(ref string) bool { return refRe.MatchString(ref) }

// checkURL checks a URL bound for docker.env under key: its scheme and host,
// and that Appsmith's strict docker.env reader (newer images) accepts it.
func checkURL(raw, key string, schemes ...string) error {
	if err := stacks.CheckValue(key, raw); err != nil {
		return err
	}
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return fmt.Errorf("not a URL: %s", encodeHint)
		}
		return fmt.Errorf("not a URL")
	}
	ok := false
	for _, s := range schemes {
		ok = ok || u.Scheme == s
	}
	if !ok {
		return fmt.Errorf("scheme %q not supported: want %s://", u.Scheme, strings.Join(schemes, "://, "))
	}
	host := u.Host
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	if host == "" || strings.HasPrefix(host, ":") {
		return fmt.Errorf("no host")
	}
	return checkAuthority(raw, u)
}

func isLocalURL(raw string) bool {
	return strings.Contains(raw, "localhost") || strings.Contains(raw, "127.0.0.1")
}

// redactURL hides the password of a URL so it can be shown.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil {
			return "<unparseable URL>"
		}
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
