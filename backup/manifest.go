package backup

import (
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// FormatVersion is the archive format this build writes. A reader refuses a
// newer one (it cannot know what it would miss) and reads every older one.
const FormatVersion = 1

// Names of the archive's fixed entries.
const (
	ManifestName = "manifest.json"
	DBDir        = "db/"
	StacksDir    = "stacks/"
	MongoDump    = DBDir + "mongodb.archive.gz" // mongodump --archive --gzip
	PostgresDump = DBDir + "postgres.dump"      // pg_dump -Fc
)

// Backup modes.
const (
	ModeOnline = "online" // logical dump + stacks files, taken while the instance runs
	ModeCold   = "cold"   // the whole stacks directory, taken while the instance is stopped
)

// Database kinds, as stacks.DatabaseKind names them.
const (
	DBMongo    = "mongodb"
	DBPostgres = "postgres"
)

// Manifest says what an archive holds. It is the archive's first entry and
// the only thing `backup list` and `restore`'s checks read before the data.
type Manifest struct {
	Format          int       `json:"format"`
	Mode            string    `json:"mode"`             // ModeOnline | ModeCold
	Source          string    `json:"source,omitempty"` // "" native; "appsmithctl" for an imported appsmithctl archive
	AppsmithVersion string    `json:"appsmith_version"` // from /info; restore never goes to an older image
	Edition         string    `json:"edition,omitempty"`
	Image           string    `json:"image,omitempty"`        // repository:tag the instance ran
	ImageDigest     string    `json:"image_digest,omitempty"` // repository@sha256:…
	Installer       string    `json:"installer,omitempty"`    // appsmith-install version that wrote it
	Host            string    `json:"host,omitempty"`
	Created         time.Time `json:"created"`
	// KeysIncluded: the archive's docker.env carries APPSMITH_ENCRYPTION_PASSWORD
	// and APPSMITH_ENCRYPTION_SALT. False for --no-encrypt archives (and
	// appsmithctl ones without them): restore then keeps the target's keys.
	KeysIncluded bool    `json:"keys_included"`
	DB           DB      `json:"db"`
	Entries      []Entry `json:"entries"`
}

// DB describes the database part of an archive.
type DB struct {
	Kind        string `json:"kind,omitempty"`     // DBMongo | DBPostgres
	External    bool   `json:"external,omitempty"` // the instance used a database outside the container
	Tool        string `json:"tool,omitempty"`     // "mongodump" | "pg_dump"
	ToolVersion string `json:"tool_version,omitempty"`
	Dump        string `json:"dump,omitempty"` // entry name of the dump; "" when none (cold mode)
	Name        string `json:"name,omitempty"` // the database's name in the dump (appsmithctl's dbName; mongorestore --nsFrom)
	// Oplog: a whole-server mongodump --oplog (one point in time), replayed
	// with --oplogReplay; false for a dump of the URL's database only.
	Oplog bool `json:"oplog,omitempty"`
	// Counts are documents per collection (MongoDB) or rows per table
	// (PostgreSQL) at dump time; restore checks them after the import.
	// Nil when unknown (appsmithctl archives).
	Counts map[string]int64 `json:"counts,omitempty"`
}

// Entry types.
const (
	TypeFile    = "file"
	TypeDir     = "dir"
	TypeSymlink = "symlink"
)

// Entry is one tar member after manifest.json.
type Entry struct {
	Name   string `json:"name"` // slash path: "db/…" or "stacks/…"
	Type   string `json:"type"` // TypeFile | TypeDir | TypeSymlink
	Mode   uint32 `json:"mode"` // permission bits
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"` // hex, regular files only
	Link   string `json:"link,omitempty"`   // symlink target (relative, inside stacks/)
}

// ParseManifest decodes and checks a manifest: a newer format, a missing
// version or an entry name that leaves the archive is an error naming it.
func ParseManifest(r io.Reader) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(io.LimitReader(r, 64<<20))
	if err := dec.Decode(&m); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", ManifestName, err)
	}
	return m, m.Check()
}

// Check is the manifest's sanity: what every reader relies on.
func (m Manifest) Check() error {
	switch {
	case m.Format < 1:
		return fmt.Errorf("%s: no format version", ManifestName)
	case m.Format > FormatVersion:
		return fmt.Errorf("%s: format %d is newer than this build reads (%d): use a newer appsmith-install", ManifestName, m.Format, FormatVersion)
	case m.AppsmithVersion == "":
		return fmt.Errorf("%s: no Appsmith version", ManifestName)
	case m.Mode != ModeOnline && m.Mode != ModeCold:
		return fmt.Errorf("%s: unknown mode %q", ManifestName, m.Mode)
	}
	seen := make(map[string]bool, len(m.Entries))
	for _, e := range m.Entries {
		if err := checkEntryName(e.Name); err != nil {
			return fmt.Errorf("%s: %w", ManifestName, err)
		}
		if seen[e.Name] {
			return fmt.Errorf("%s: entry %q listed twice", ManifestName, e.Name)
		}
		seen[e.Name] = true
	}
	if m.DB.Dump != "" && !seen[m.DB.Dump] {
		return fmt.Errorf("%s: the dump %q is not among the entries", ManifestName, m.DB.Dump)
	}
	return nil
}

// checkEntryName accepts only clean relative names under db/ or stacks/.
func checkEntryName(name string) error {
	clean := path.Clean(name)
	if name == "" || clean != strings.TrimSuffix(name, "/") || path.IsAbs(name) || clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("entry %q is not a clean relative name", name)
	}
	if !strings.HasPrefix(clean, DBDir) && !strings.HasPrefix(clean+"/", StacksDir) {
		return fmt.Errorf("entry %q is outside db/ and stacks/", name)
	}
	return nil
}
