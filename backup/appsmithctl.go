package backup

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// Appsmith's own `appsmithctl backup` writes appsmith-backup-<time>.tar.gz,
// encrypted to .tar.gz.enc with openssl when a passphrase was given: a gzip
// tar of one folder made with `tar -cah -C <folder> .` (older versions put
// the files one folder deeper, in appsmith-backup-<time>/), holding
//
//	manifest.json     {"appsmithVersion": …, "dbName": …} (none before v1.8)
//	mongodb-data.gz   mongodump --archive --gzip
//	pg-data.gz        pg_dump --format=custom --schema=appsmith (v1.4x–v1.5x)
//	pg-data.sql       pg_dump plain SQL of the appsmith, public and temporal schemas (later)
//	git-storage/      the Git-connected apps' repositories
//	docker.env        docker.env without APPSMITH_ENCRYPTION_*, APPSMITH_MONGODB_*,
//	                  APPSMITH_DB_URL, APPSMITH_REDIS_URL, APPSMITH_REDIS_PASSWORD;
//	                  encrypted archives get the encryption salt and password appended
//
// This file maps that layout onto the native one, both ways.
const (
	ctlManifest = "manifest.json"
	ctlMongo    = "mongodb-data.gz"
	ctlPGCustom = "pg-data.gz"
	ctlPGSQL    = "pg-data.sql"
	ctlEnv      = "docker.env"
	ctlGit      = "git-storage"
)

// PostgresSQL is the entry of a plain-SQL pg_dump (appsmithctl's pg-data.sql):
// psql restores it, not pg_restore.
const PostgresSQL = DBDir + "postgres.sql"

// SourceAppsmithctl is Manifest.Source for an archive appsmithctl wrote.
const SourceAppsmithctl = "appsmithctl"

// VersionUnknown is Manifest.AppsmithVersion for an appsmithctl archive
// without manifest.json (v1.7 and older): nothing in it says which version
// wrote it, so restore must not pick an image by it; it asks for --yes.
const VersionUnknown = "unknown"

// Where the native layout keeps what appsmithctl's files hold.
const (
	envEntry = StacksDir + "configuration/docker.env"
	gitEntry = StacksDir + ctlGit
)

// ctlTop names the files and folder an appsmithctl archive's content folder
// holds: what finds that folder (the root or one sub-folder).
var ctlTop = map[string]bool{ctlManifest: true, ctlMongo: true, ctlPGCustom: true, ctlPGSQL: true, ctlEnv: true, ctlGit: true}

const (
	maxManifestBytes = 1 << 20
	maxEnvBytes      = 16 << 20
)

// ExtractAppsmithctl reads an appsmithctl archive (KindAppsmithctl, or
// KindAppsmithctlEnc opened with dec.Passphrase) and writes its content into
// dst in the native staging layout: docker.env → stacks/configuration/docker.env,
// git-storage/… → stacks/git-storage/…, mongodb-data.gz → db/mongodb.archive.gz
// (the same mongodump --archive --gzip bytes), pg-data.gz → db/postgres.dump
// (pg_dump custom format), pg-data.sql → db/postgres.sql (plain SQL, for psql).
// dst must exist and be empty; dst == "" only verifies. The rules of
// fsutil.ExtractTar apply (no name or link leaves dst); other files in the
// archive are ignored, as appsmithctl restore ignores them.
//
// The Manifest it returns is synthesized: Source "appsmithctl", Mode online,
// AppsmithVersion from manifest.json (VersionUnknown without one), DB from the
// dump present (MongoDB first when both are: a MongoDB instance's archive may
// carry an embedded PostgreSQL's too), KeysIncluded when docker.env assigns
// both APPSMITH_ENCRYPTION_PASSWORD and APPSMITH_ENCRYPTION_SALT, Created from
// manifest.json's (else the dump's) time in the tar, and Entries with each
// written file's size and sha256. DB.Name is manifest.json's dbName, ""
// without one (appsmithctl restore then assumes "appsmith"). The archive's
// docker.env lacks what appsmithctl strips (DB and Redis URLs, MongoDB user,
// and the encryption keys unless KeysIncluded): restore takes those from the
// target instance. Only a nil error means the whole archive was read and
// checked (gzip CRC, openssl padding); after an error dst holds a part:
// remove it.
func ExtractAppsmithctl(ctx context.Context, r io.Reader, dec Decrypt, dst string) (Manifest, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var plain io.Reader = br
	encrypted := false
	switch k := Sniff(br); k {
	case KindAppsmithctl:
	case KindAppsmithctlEnc:
		or, err := NewOpenSSLReader(br, dec.Passphrase)
		if err != nil {
			return Manifest{}, err
		}
		plain, encrypted = or, true
	default:
		return Manifest{}, fmt.Errorf("%w: %s, not an appsmithctl archive (appsmith-backup-*.tar.gz[.enc])", ErrNotArchive, k)
	}
	x := &ctlExtract{ctx: ctx, encrypted: encrypted, seen: map[string]ctlFile{}}
	gz, err := gzip.NewReader(plain)
	if err != nil {
		return Manifest{}, withPassFile(x.classify(err), dec)
	}
	x.keyProven = true // a gzip header decrypted: the passphrase is right
	out := io.Writer(io.Discard)
	done := make(chan error, 1)
	var pw *io.PipeWriter
	if dst != "" {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		go func() {
			_, err := fsutil.ExtractTar(ctx, pr, dst, fsutil.ExtractOptions{})
			pr.CloseWithError(err)
			done <- err
		}()
		out = pw
	} else {
		done <- nil
	}
	m, err := x.run(gz, plain, tar.NewWriter(out))
	if pw != nil {
		pw.CloseWithError(err) // nil: EOF, ExtractTar finishes
	}
	if xerr := <-done; err == nil && xerr != nil {
		err = xerr
	}
	if err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// withPassFile names the passphrase's file in a wrong-key error.
func withPassFile(err error, dec Decrypt) error {
	if dec.PassFile != "" && errors.Is(err, ErrWrongKey) && !errors.Is(err, ErrTruncated) {
		return fmt.Errorf("%w (the passphrase in %s)", err, dec.PassFile)
	}
	return err
}

// ctlFile is a written file's digest, for hard links to it.
type ctlFile struct {
	size int64
	sum  string
}

type ctlExtract struct {
	ctx       context.Context
	encrypted bool
	keyProven bool
	folder    string // "" (root) or the one sub-folder holding the content, with "/"
	found     bool
	seen      map[string]ctlFile

	m           Manifest
	ctlVersion  string
	hasManifest bool
	hasMongo    bool
	hasPG       string // entry of the PostgreSQL dump
	created     time.Time
	dumpTime    time.Time
	entries     []Entry
}

// classify turns what the decryption, gzip and tar layers report into the
// package's errors.
func (x *ctlExtract) classify(err error) error {
	switch {
	case errors.Is(err, errBadPadding) && x.keyProven:
		return fmt.Errorf("%w: the encrypted stream ends early (bad padding after valid content)", ErrTruncated)
	case errors.Is(err, ErrWrongKey), errors.Is(err, ErrTruncated), errors.Is(err, ErrCorrupt), errors.Is(err, ErrNotArchive), errors.Is(err, ErrNeedKey):
		return err
	case errors.Is(err, gzip.ErrHeader) && x.encrypted && !x.keyProven:
		return fmt.Errorf("%w: the decrypted content is not gzip", ErrWrongKey)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %v", ErrTruncated, err)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.Is(err, tar.ErrHeader), errors.Is(err, tar.ErrFieldTooLong), errors.As(err, new(flate.CorruptInputError)):
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	return err
}

func (x *ctlExtract) run(gz *gzip.Reader, plain io.Reader, tw *tar.Writer) (Manifest, error) {
	tr := tar.NewReader(gz)
	for {
		if err := x.ctx.Err(); err != nil {
			return Manifest{}, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return Manifest{}, x.classify(err)
		}
		if err := x.entry(hdr, tr, tw); err != nil {
			return Manifest{}, err
		}
	}
	// Read on to the end: the gzip CRC, and the openssl padding, are checked
	// only there; a tar end marker proves neither.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return Manifest{}, x.classify(err)
	}
	if _, err := io.Copy(io.Discard, plain); err != nil {
		return Manifest{}, x.classify(err)
	}
	if err := tw.Close(); err != nil {
		return Manifest{}, err
	}
	return x.manifest()
}

// place finds where an entry belongs: its name relative to the content
// folder, or "" for an entry outside it (skipped).
func (x *ctlExtract) place(hdr *tar.Header) (string, error) {
	name := hdr.Name
	for strings.HasPrefix(name, "./") {
		name = name[2:]
	}
	if name == "" || name == "." {
		return "", nil
	}
	if strings.HasPrefix(name, "/") || strings.ContainsRune(name, 0) || slices.Contains(strings.Split(name, "/"), "..") {
		return "", fmt.Errorf("%w: entry %q leaves the archive", ErrCorrupt, hdr.Name)
	}
	name = path.Clean(name)
	first, rest, nested := strings.Cut(name, "/")
	var folder, rel string
	switch {
	case ctlTop[first]:
		folder, rel = "", name
	case nested && ctlTop[strings.SplitN(rest, "/", 2)[0]]:
		folder, rel = first+"/", rest
	default:
		return "", nil // the sub-folder's own entry, or a file appsmithctl does not read
	}
	if x.found && folder != x.folder {
		return "", fmt.Errorf("%w: content in two places (%q and %q): an appsmithctl archive has one", ErrCorrupt, x.where(), x.whereOf(folder))
	}
	x.found, x.folder = true, folder
	return rel, nil
}

func (x *ctlExtract) where() string { return x.whereOf(x.folder) }

func (x *ctlExtract) whereOf(folder string) string {
	if folder == "" {
		return "the root"
	}
	return folder
}

// target maps a content-relative name to its native entry name.
func target(rel string) string {
	switch rel {
	case ctlEnv:
		return envEntry
	case ctlMongo:
		return MongoDump
	case ctlPGCustom:
		return PostgresDump
	case ctlPGSQL:
		return PostgresSQL
	}
	if rel == ctlGit || strings.HasPrefix(rel, ctlGit+"/") {
		return StacksDir + rel
	}
	return ""
}

func (x *ctlExtract) entry(hdr *tar.Header, tr io.Reader, tw *tar.Writer) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	rel, err := x.place(hdr)
	if err != nil || rel == "" {
		return err
	}
	if rel == ctlManifest {
		return x.readManifest(hdr, tr)
	}
	name := target(rel)
	if name == "" {
		return nil
	}
	isGit := strings.HasPrefix(name, gitEntry)
	mode := uint32(hdr.Mode) & 0o7777
	out := &tar.Header{Name: name, Mode: int64(mode), ModTime: hdr.ModTime, Format: tar.FormatPAX}
	e := Entry{Name: name, Mode: mode}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if !isGit {
			return fmt.Errorf("%w: %q is a directory, appsmithctl writes a file", ErrCorrupt, hdr.Name)
		}
		out.Typeflag, out.Name, e.Type = tar.TypeDir, name+"/", TypeDir
		if x.seenDir(name) {
			return nil // a directory again: tar may list one twice
		}
		if err := tw.WriteHeader(out); err != nil {
			return err
		}
	case tar.TypeReg, '\x00':
		if name == gitEntry {
			return fmt.Errorf("%w: %q is a file, appsmithctl writes a directory", ErrCorrupt, hdr.Name)
		}
		if err := x.claim(hdr.Name, name); err != nil {
			return err
		}
		out.Typeflag, out.Size, e.Type, e.Size = tar.TypeReg, hdr.Size, TypeFile, hdr.Size
		if err := tw.WriteHeader(out); err != nil {
			return err
		}
		sum, err := x.copyFile(name, hdr, tr, tw)
		if err != nil {
			return err
		}
		e.SHA256 = sum
		x.seen[name] = ctlFile{size: hdr.Size, sum: sum}
		x.noteDump(name, hdr.ModTime)
	case tar.TypeSymlink:
		// tar -h stores none, but a hand-made archive may: kept only when
		// it points inside git-storage.
		t := hdr.Linkname
		if !isGit || t == "" || path.IsAbs(t) || !within(path.Join(path.Dir(name), t), gitEntry) {
			return fmt.Errorf("%w: symlink %q to %q leads out of git-storage", ErrCorrupt, hdr.Name, t)
		}
		if err := x.claim(hdr.Name, name); err != nil {
			return err
		}
		out.Typeflag, out.Linkname, e.Type, e.Link = tar.TypeSymlink, t, TypeSymlink, t
		x.seen[name] = ctlFile{}
		if err := tw.WriteHeader(out); err != nil {
			return err
		}
	case tar.TypeLink:
		// tar keeps a file reached twice (a hard link) once, and links
		// the second name to the first.
		lrel, err := x.place(&tar.Header{Name: hdr.Linkname})
		if err != nil {
			return err
		}
		old := target(lrel)
		f, ok := x.seen[old]
		if old == "" || !ok || f.sum == "" {
			return fmt.Errorf("%w: hard link %q to %q, not a file before it", ErrCorrupt, hdr.Name, hdr.Linkname)
		}
		if err := x.claim(hdr.Name, name); err != nil {
			return err
		}
		out.Typeflag, out.Linkname = tar.TypeLink, old
		e.Type, e.Size, e.SHA256 = TypeFile, f.size, f.sum
		x.seen[name] = f
		x.noteDump(name, hdr.ModTime)
		if err := tw.WriteHeader(out); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: %q is a device, fifo or other special file", ErrCorrupt, hdr.Name)
	}
	x.entries = append(x.entries, e)
	return nil
}

func (x *ctlExtract) seenDir(name string) bool {
	_, ok := x.seen[name+"/"]
	x.seen[name+"/"] = ctlFile{}
	return ok
}

func (x *ctlExtract) claim(orig, name string) error {
	if _, dup := x.seen[name]; dup {
		return fmt.Errorf("%w: %q is in the archive twice", ErrCorrupt, orig)
	}
	return nil
}

func (x *ctlExtract) noteDump(name string, t time.Time) {
	switch name {
	case MongoDump:
		x.hasMongo = true
	case PostgresDump, PostgresSQL:
		if x.hasPG != "" {
			return
		}
		x.hasPG = name
	default:
		return
	}
	if x.dumpTime.IsZero() {
		x.dumpTime = t
	}
}

// copyFile streams one file to tw, hashing it; docker.env, small, is read
// whole to see whether it carries the encryption keys.
func (x *ctlExtract) copyFile(name string, hdr *tar.Header, tr io.Reader, tw *tar.Writer) (string, error) {
	h := sha256.New()
	if name == envEntry {
		if hdr.Size > maxEnvBytes {
			return "", fmt.Errorf("%w: %q is %d bytes, not a docker.env", ErrCorrupt, hdr.Name, hdr.Size)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return "", x.classify(err)
		}
		x.m.KeysIncluded = envHasKeys(b)
		h.Write(b)
		if _, err := tw.Write(b); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	if err := copyExactly(x.ctx, io.MultiWriter(tw, h), tr, hdr.Size); err != nil {
		if re := (readErr{}); errors.As(err, &re) {
			return "", x.classify(re.error)
		}
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (x *ctlExtract) readManifest(hdr *tar.Header, tr io.Reader) error {
	if hdr.Typeflag != tar.TypeReg && hdr.Typeflag != '\x00' {
		return fmt.Errorf("%w: %q is not a file", ErrCorrupt, hdr.Name)
	}
	if x.hasManifest {
		return fmt.Errorf("%w: %q is in the archive twice", ErrCorrupt, hdr.Name)
	}
	b, err := io.ReadAll(io.LimitReader(tr, maxManifestBytes+1))
	if err != nil {
		return x.classify(err)
	}
	var cm struct {
		AppsmithVersion string `json:"appsmithVersion"`
		DBName          string `json:"dbName"`
	}
	if len(b) > maxManifestBytes {
		return fmt.Errorf("%w: %q is over %d bytes", ErrCorrupt, hdr.Name, maxManifestBytes)
	}
	if err := json.Unmarshal(b, &cm); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, hdr.Name, err)
	}
	x.ctlVersion = strings.TrimSpace(cm.AppsmithVersion)
	x.m.DB.Name = cm.DBName
	x.created, x.hasManifest = hdr.ModTime, true
	return nil
}

func (x *ctlExtract) manifest() (Manifest, error) {
	if !x.found {
		return Manifest{}, fmt.Errorf("%w: none of %s, %s, %s, %s, %s found: not an appsmithctl backup", ErrNotArchive, ctlManifest, ctlMongo, ctlPGSQL, ctlEnv, ctlGit)
	}
	m := x.m
	m.Format, m.Mode, m.Source = FormatVersion, ModeOnline, SourceAppsmithctl
	m.AppsmithVersion = x.ctlVersion
	if m.AppsmithVersion == "" {
		m.AppsmithVersion = VersionUnknown
	}
	switch {
	case x.hasMongo:
		m.DB.Kind, m.DB.Tool, m.DB.Dump = DBMongo, "mongodump", MongoDump
	case x.hasPG != "":
		m.DB.Kind, m.DB.Tool, m.DB.Dump = DBPostgres, "pg_dump", x.hasPG
	default:
		return Manifest{}, fmt.Errorf("%w: no database dump (%s, %s or %s) in %s", ErrCorrupt, ctlMongo, ctlPGCustom, ctlPGSQL, x.where())
	}
	m.Created = x.created
	if m.Created.IsZero() {
		m.Created = x.dumpTime
	}
	m.Created = m.Created.UTC()
	m.Entries = x.entries
	return m, m.Check()
}

// envHasKeys: both encryption values assigned, non-empty. A docker.env bash
// cannot parse counts as without keys: restore then keeps the target's.
func envHasKeys(b []byte) bool {
	env, err := stacks.ParseEnv(b)
	if err != nil {
		return false
	}
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT"} {
		if v, ok := env.Lookup(k); !ok || v.Raw == "" {
			return false
		}
	}
	return true
}

func within(name, dir string) bool { return name == dir || strings.HasPrefix(name, dir+"/") }

// readErr marks copyExactly's read errors (the archive's fault) apart from its
// write errors (the destination's).
type readErr struct{ error }

func (e readErr) Unwrap() error { return e.error }

// copyExactly copies n bytes, checking ctx between chunks.
func copyExactly(ctx context.Context, w io.Writer, r io.Reader, n int64) error {
	buf := make([]byte, 256<<10)
	for n > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		k, err := io.ReadFull(r, buf[:min(int64(len(buf)), n)])
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return werr
			}
			n -= int64(k)
		}
		if err != nil {
			return readErr{err}
		}
	}
	return nil
}
