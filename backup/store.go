package backup

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Store is where archives live: a local directory or an S3 (or compatible)
// bucket and prefix. Names are archive base names (Name, or an appsmithctl
// archive's); a store never reads or deletes anything else.
type Store interface {
	// String names the store in messages: "/opt/appsmith/backups" or
	// "s3://bucket/prefix/".
	String() string
	// Location is what `restore` takes for name: a path, or s3://BUCKET/KEY.
	Location(name string) string
	// Create starts writing an archive. Nothing is visible under name until
	// Commit; Abort (or a failed write) leaves nothing behind.
	Create(ctx context.Context, name string) (Upload, error)
	// Open streams an archive. A missing one is an error that errors.Is
	// fs.ErrNotExist, whatever the store.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// List gives the archives (names ParseName accepts), oldest first.
	List(ctx context.Context) ([]Object, error)
	// Delete removes one archive; it refuses a name that is not an archive's.
	// An archive already gone is not an error (S3 cannot tell).
	Delete(ctx context.Context, name string) error
}

// Upload is an archive being written.
type Upload interface {
	io.Writer
	// Commit makes the archive visible and durable under its name.
	Commit() error
	// Abort drops it: no file, no object, no pending multipart upload. Safe
	// after Commit (it does nothing then), so `defer up.Abort()` is the usual
	// pattern.
	Abort() error
}

// Object is one archive in a store.
type Object struct {
	Name     string    // base name
	Location string    // Store.Location(Name)
	Size     int64     // bytes
	Modified time.Time // when the store last wrote it
	Info     NameInfo  // what the name says (Info.Time orders archives)
}

// S3Options override the standard AWS configuration chain (environment,
// ~/.aws/config and credentials, instance roles): the --s3-endpoint,
// --s3-region and --s3-path-style flags.
type S3Options struct {
	Endpoint  string // "https://minio.example:9000"; "" = AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS itself
	Region    string // "" = AWS_REGION / the profile's; "us-east-1" when none and the endpoint is custom
	PathStyle *bool  // nil = path-style for a custom endpoint, virtual-hosted for AWS
}

const s3Scheme = "s3://"

// OpenStore opens the store a --to/--from style spec names: a directory, or
// s3://BUCKET[/PREFIX]. Nothing is created: a missing directory is made by
// the first Create.
func OpenStore(ctx context.Context, spec string, s3 S3Options) (Store, error) {
	switch {
	case spec == "":
		return nil, engine.UsageError("no backup location given: a directory or s3://BUCKET[/PREFIX]")
	case strings.HasPrefix(strings.ToLower(spec), s3Scheme):
		bucket, prefix, err := splitS3(spec)
		if err != nil {
			return nil, err
		}
		if prefix != "" && !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		return openS3(ctx, bucket, prefix, s3)
	case strings.Contains(spec, "://"):
		return nil, engine.UsageError("backup location %q: only a directory or s3://BUCKET[/PREFIX] is supported", spec)
	}
	return openLocal(spec)
}

// OpenLocation opens the store holding one archive, given as `restore` takes
// it: a file path or s3://BUCKET/KEY. It returns the store and the archive's
// name in it. The archive need not exist yet (Open says so).
func OpenLocation(ctx context.Context, loc string, s3 S3Options) (Store, string, error) {
	switch {
	case loc == "":
		return nil, "", engine.UsageError("no archive given: a file path or s3://BUCKET/KEY")
	case strings.HasPrefix(strings.ToLower(loc), s3Scheme):
		bucket, key, err := splitS3(loc)
		if err != nil {
			return nil, "", err
		}
		if key == "" || strings.HasSuffix(key, "/") {
			return nil, "", engine.UsageError("archive %q names no object: give its key, s3://%s/KEY", loc, bucket)
		}
		dir, name := path.Split(key)
		st, err := openS3(ctx, bucket, dir, s3)
		if err != nil {
			return nil, "", err
		}
		return st, name, nil
	case strings.Contains(loc, "://"):
		return nil, "", engine.UsageError("archive %q: only a file path or s3://BUCKET/KEY is supported", loc)
	}
	if strings.HasSuffix(loc, string(filepath.Separator)) {
		return nil, "", engine.UsageError("archive %q is a directory: give the archive file's path", loc)
	}
	dir, name := filepath.Split(loc)
	if dir == "" {
		dir = "."
	}
	st, err := openLocal(dir)
	if err != nil {
		return nil, "", err
	}
	return st, name, nil
}

// splitS3 splits s3://BUCKET/REST. The scheme is matched case-insensitively
// (people type S3://); bucket and key are kept as given.
func splitS3(spec string) (bucket, rest string, err error) {
	s := spec[len(s3Scheme):]
	bucket, rest, _ = strings.Cut(s, "/")
	if bucket == "" {
		return "", "", engine.UsageError("%q names no bucket: s3://BUCKET[/PREFIX]", spec)
	}
	return bucket, rest, nil
}

// checkBaseName refuses what a store must not open under a name: paths and
// hidden files (temporary files are hidden). Any other name may be read: an
// archive's kind is judged by its first bytes, so a renamed one restores.
func checkBaseName(name string) error {
	if name == "" || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".") {
		return fmt.Errorf("%q is not an archive name", name)
	}
	return nil
}

// checkArchiveName is checkBaseName for writing and deleting: only names
// that are an archive's (a store lists and deletes only archives, so it
// writes only those too).
func checkArchiveName(name string) error {
	if err := checkBaseName(name); err != nil {
		return err
	}
	if _, ok := ParseName(name); !ok {
		return fmt.Errorf("%q is not an archive name (appsmith-<host>-<time>-<version>.tar.zst[.age] or appsmith-backup-<time>.tar.gz[.enc])", name)
	}
	return nil
}

// sortObjects orders archives oldest first by the time in their names; the
// name breaks ties so the order is the same on every listing.
func sortObjects(objs []Object) {
	sort.Slice(objs, func(i, j int) bool {
		a, b := objs[i].Info.Time, objs[j].Info.Time
		if !a.Equal(b) {
			return a.Before(b)
		}
		return objs[i].Name < objs[j].Name
	})
}
