package backup

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// Execer runs commands in the instance's container with streamed output:
// dumps go from the container's stdout straight into the archive, never
// staged inside it (Appsmith's own appsmithctl needs 2 GiB free in /tmp).
type Execer interface {
	ExecStream(ctx context.Context, id string, cmd, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error)
	CopyToContainer(ctx context.Context, id, dir string, content io.Reader) error
}

var _ Execer = (*docker.Client)(nil)

// Database is the database an instance uses, read from its docker.env.
type Database struct {
	Kind     string // DBMongo | DBPostgres
	URL      string // as docker.env has it (secret: never logged, never in argv)
	External bool
}

// DatabaseOf reads the database from docker.env the way the entrypoint does.
func DatabaseOf(env *stacks.EnvFile) (Database, error) {
	u := env.DBURL()
	if u == "" {
		return Database{}, fmt.Errorf("docker.env has no %s: no database to back up", stacks.KeyDBURL)
	}
	kind := DBMongo
	if strings.HasPrefix(u, "postgresql:") || strings.HasPrefix(u, "postgres:") {
		kind = DBPostgres
	}
	return Database{Kind: kind, URL: u, External: stacks.DatabaseKind(u) == stacks.DBExternal}, nil
}

// DumpEntry is the archive entry a kind's dump is stored as.
func (db Database) DumpEntry() string {
	if db.Kind == DBPostgres {
		return PostgresDump
	}
	return MongoDump
}

// Dump streams a consistent logical dump of the database to w with the
// image's own tools, and returns what the manifest records of it.
// MongoDB: mongodump --archive --gzip, with --oplog on the embedded server
// (a replica set: the dump is then one point in time). PostgreSQL: pg_dump
// -Fc (one snapshot by construction).
func Dump(ctx context.Context, d Execer, id string, db Database, w io.Writer) (DB, error) {
	return dump(ctx, d, id, db, w, false)
}

// DumpPlainSQL is Dump with PostgreSQL as plain SQL (pg_dump -Fp): what the
// newest appsmithctl restore reads (pg-data.sql). MongoDB is as Dump.
func DumpPlainSQL(ctx context.Context, d Execer, id string, db Database, w io.Writer) (DB, error) {
	return dump(ctx, d, id, db, w, true)
}

func dump(ctx context.Context, d Execer, id string, db Database, w io.Writer, plain bool) (DB, error) {
	out := DB{Kind: db.Kind, External: db.External, Dump: db.DumpEntry()}
	var stderr bytes.Buffer
	switch db.Kind {
	case DBPostgres:
		out.Tool = "pg_dump"
		out.ToolVersion = toolVersion(ctx, d, id, "pg_dump")
		conn, pass, err := pgConn(db.URL)
		if err != nil {
			return out, err
		}
		counts, err := pgCounts(ctx, d, id, db)
		if err != nil {
			return out, err
		}
		out.Counts = counts
		format := "-Fc"
		if plain {
			format, out.Dump = "-Fp", PostgresSQL
		}
		code, err := d.ExecStream(ctx, id, []string{"pg_dump", format, "--no-owner", "--dbname=" + conn}, pgEnv(pass), nil, w, &stderr)
		if err := toolErr("pg_dump", code, err, &stderr); err != nil {
			return out, err
		}
		return out, nil
	default:
		out.Tool = "mongodump"
		out.ToolVersion = toolVersion(ctx, d, id, "mongodump")
		uri, oplog := db.URL, false
		if !db.External {
			// --oplog dumps the whole server; the embedded user is created
			// in the appsmith database with the root role.
			var err error
			if uri, err = serverURI(db.URL); err != nil {
				return out, err
			}
			oplog = true
		}
		args := []string{"mongodump", "--archive", "--gzip"}
		if oplog {
			args = append(args, "--oplog")
		}
		code, err := d.ExecStream(ctx, id, append(args, "--config=/dev/stdin"), nil, mongoConfig(uri), w, &stderr)
		if err := toolErr("mongodump", code, err, &stderr); err != nil {
			return out, err
		}
		out.Counts, out.Oplog = mongoCounts(stderr.String(), dumpedRe), oplog
		return out, nil
	}
}

// Import loads a dump into the running container's database, replacing
// what is there (mongorestore --drop; pg_restore --clean --if-exists), and
// checks the counts the manifest recorded, when it has them.
func Import(ctx context.Context, d Execer, id string, db Database, m DB, open func() (io.ReadCloser, error)) error {
	var stderr bytes.Buffer
	r, err := open()
	if err != nil {
		return err
	}
	defer r.Close()
	switch db.Kind {
	case DBPostgres:
		conn, pass, err := pgConn(db.URL)
		if err != nil {
			return err
		}
		cmd := []string{"pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname=" + conn}
		if m.Dump != PostgresSQL {
			// The schemas belong to the image's init (init_pg_db creates
			// them as the superuser): the instance's user can neither drop
			// nor create them, so the restore leaves them out.
			list, err := pgRestoreList(ctx, d, id, r)
			if err != nil {
				return err
			}
			if err := r.Close(); err != nil {
				return err
			}
			if r, err = open(); err != nil {
				return err
			}
			name, done, err := copyTemp(ctx, d, id, ".list", list)
			if err != nil {
				return err
			}
			defer done()
			cmd = append(cmd, "--use-list="+name)
		}
		if m.Dump == PostgresSQL {
			// appsmithctl's plain SQL: psql, on a clean slate (what the
			// instance's user owns is dropped first), all or nothing.
			drop := []string{"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--dbname=" + conn, "-c", "DROP OWNED BY CURRENT_USER CASCADE"}
			code, err := d.ExecStream(ctx, id, drop, pgEnv(pass), nil, io.Discard, &stderr)
			if err := toolErr("psql", code, err, &stderr); err != nil {
				return err
			}
			cmd = []string{"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "--dbname=" + conn, "-f", "-"}
		}
		code, err := d.ExecStream(ctx, id, cmd, pgEnv(pass), r, io.Discard, &stderr)
		if err := toolErr(cmd[0], code, err, &stderr); err != nil {
			return err
		}
		if m.Counts == nil {
			return nil
		}
		got, err := pgCounts(ctx, d, id, db)
		if err != nil {
			return err
		}
		return compareCounts(m.Counts, got, "rows")
	default:
		uri := db.URL
		args := []string{"mongorestore", "--archive", "--gzip", "--drop"}
		if m.Oplog {
			// A whole-server dump goes back whole, to its point in time.
			var err error
			if uri, err = serverURI(db.URL); err != nil {
				return err
			}
			args = append(args, "--oplogReplay")
		} else if to := mongoDBName(db.URL); m.Name != "" && to != "" && m.Name != to {
			args = append(args, "--nsFrom="+m.Name+".*", "--nsTo="+to+".*")
		}
		code, err := withMongoConfig(ctx, d, id, uri, func(cfg string) (int, error) {
			return d.ExecStream(ctx, id, append(args, "--config="+cfg), nil, r, io.Discard, &stderr)
		})
		if err := toolErr("mongorestore", code, err, &stderr); err != nil {
			return err
		}
		return checkMongoRestore(m.Counts, stderr.String())
	}
}

// Counts are the documents per collection or rows per table the database
// holds now: what a drill compares with the manifest.
func Counts(ctx context.Context, d Execer, id string, db Database) (map[string]int64, error) {
	if db.Kind == DBPostgres {
		return pgCounts(ctx, d, id, db)
	}
	// mongodump to nowhere lists every collection with its count: the one
	// reading of counts the image's tools give without a shell script.
	var stderr bytes.Buffer
	uri := db.URL
	if !db.External {
		var err error
		if uri, err = serverURI(db.URL); err != nil {
			return nil, err
		}
	}
	code, err := d.ExecStream(ctx, id, []string{"mongodump", "--archive", "--config=/dev/stdin"}, nil, mongoConfig(uri), io.Discard, &stderr)
	if err := toolErr("mongodump", code, err, &stderr); err != nil {
		return nil, err
	}
	return mongoCounts(stderr.String(), dumpedRe), nil
}

// pgRestoreList is the dump's table of contents without its schema
// entries (pg_restore -l, filtered for -L).
func pgRestoreList(ctx context.Context, d Execer, id string, r io.Reader) ([]byte, error) {
	var out, stderr bytes.Buffer
	code, err := d.ExecStream(ctx, id, []string{"pg_restore", "--list"}, nil, r, &out, &stderr)
	if err := toolErr("pg_restore --list", code, err, &stderr); err != nil {
		return nil, err
	}
	var keep bytes.Buffer
	for _, l := range strings.SplitAfter(out.String(), "\n") {
		if schemaEntry.MatchString(l) {
			keep.WriteString(";" + l) // commented out
			continue
		}
		keep.WriteString(l)
	}
	return keep.Bytes(), nil
}

// schemaEntry: "5; 2615 16385 SCHEMA - appsmith postgres", and the comments
// and privileges on a schema.
var schemaEntry = regexp.MustCompile(`^\d+; \d+ \d+ (SCHEMA|COMMENT - SCHEMA|ACL - SCHEMA) `)

// copyTemp puts body into the container's /tmp under a new name (0600) and
// returns the path and a function that removes it.
func copyTemp(ctx context.Context, d Execer, id, ext string, body []byte) (string, func(), error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "appsmith-install-" + hex.EncodeToString(b[:]) + ext
	if err := d.CopyToContainer(ctx, id, "/tmp", FileTar(name, body)); err != nil {
		return "", nil, fmt.Errorf("writing %s into the container: %w", name, err)
	}
	return "/tmp/" + name, func() {
		bg := context.WithoutCancel(ctx)
		_ = d.CopyToContainer(bg, id, "/tmp", FileTar(name, nil))
		_, _ = d.ExecStream(bg, id, []string{"rm", "-f", "/tmp/" + name}, nil, nil, io.Discard, io.Discard)
	}, nil
}

// mongoDBName is the database a MongoDB URL names.
func mongoDBName(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}

func toolErr(tool string, code int, err error, stderr *bytes.Buffer) error {
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	if code != 0 {
		return fmt.Errorf("%s failed (exit %d): %s", tool, code, lastLines(stderr.String(), 5))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// toolVersion is the first line of `TOOL --version`, for the manifest.
func toolVersion(ctx context.Context, d Execer, id, tool string) string {
	var out bytes.Buffer
	if code, err := d.ExecStream(ctx, id, []string{tool, "--version"}, nil, nil, &out, io.Discard); err != nil || code != 0 {
		return ""
	}
	first, _, _ := strings.Cut(strings.TrimSpace(out.String()), "\n")
	return first
}

// serverURI is the embedded MongoDB URL without its database: --oplog dumps
// (and replays) the whole server. The user authenticates where it was
// created, the URL's database.
func serverURI(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("docker.env: the database URL does not parse")
	}
	q := u.Query()
	if db := strings.TrimPrefix(u.Path, "/"); db != "" && q.Get("authSource") == "" {
		q.Set("authSource", db)
	}
	u.Path, u.RawQuery = "/", q.Encode()
	return u.String(), nil
}

// mongoConfig is the tools' --config YAML, given on stdin where the tool
// reads nothing else from it (mongodump): nothing lands on the container's
// disk, and a cancelled run leaves nothing behind.
func mongoConfig(uri string) io.Reader {
	q, _ := json.Marshal(uri) // a JSON string is a YAML string
	return strings.NewReader("uri: " + string(q) + "\n")
}

// withMongoConfig hands the MongoDB tools their connection string in a
// --config file (mode 0600, emptied and removed afterwards) copied in
// through the Engine API: a --uri argument, as appsmithctl passes it, shows
// the password to every user of the host in `ps`.
func withMongoConfig(ctx context.Context, d Execer, id, uri string, run func(cfg string) (int, error)) (int, error) {
	q, _ := json.Marshal(uri) // a JSON string is a YAML string
	cfg, done, err := copyTemp(ctx, d, id, ".yaml", []byte("uri: "+string(q)+"\n"))
	if err != nil {
		return 0, err
	}
	// Even when ctx was cancelled: no secret is left behind. The emptying
	// needs no shell; rm is the tidy-up where there is one.
	defer done()
	return run(cfg)
}

// FileTar is a tar of one root-owned 0600 file, for CopyToContainer.
func FileTar(name string, body []byte) io.Reader {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Now()})
	_, _ = tw.Write(body)
	_ = tw.Close()
	return &buf
}

// pgConn splits a PostgreSQL URL into one without its password (safe in
// argv) and the password (passed as PGPASSWORD in the exec's environment).
func pgConn(raw string) (conn, pass string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", errors.New("docker.env: the database URL does not parse")
	}
	if u.User != nil {
		pass, _ = u.User.Password()
		u.User = url.User(u.User.Username())
	}
	return u.String(), pass, nil
}

func pgEnv(pass string) []string {
	if pass == "" {
		return nil
	}
	return []string{"PGPASSWORD=" + pass}
}

// pgCountSQL counts the rows of every user table in one statement.
const pgCountSQL = `SELECT table_schema || '.' || table_name, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`

func pgCounts(ctx context.Context, d Execer, id string, db Database) (map[string]int64, error) {
	conn, pass, err := pgConn(db.URL)
	if err != nil {
		return nil, err
	}
	var out, stderr bytes.Buffer
	code, err := d.ExecStream(ctx, id, []string{"psql", "-X", "-At", "-F", "\t", "--dbname=" + conn, "-c", pgCountSQL}, pgEnv(pass), nil, &out, &stderr)
	if err := toolErr("psql", code, err, &stderr); err != nil {
		return nil, err
	}
	counts := map[string]int64{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		name, n, ok := strings.Cut(l, "\t")
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("psql: unexpected count %q for %s", n, name)
		}
		counts[name] = v
	}
	return counts, nil
}

var (
	// mongodump: "... done dumping appsmith.user (12 documents)"
	dumpedRe = regexp.MustCompile(`done dumping (\S+) \((\d+) documents?\)`)
	// mongorestore: "... finished restoring appsmith.user (12 documents, 0 failures)"
	restoredRe = regexp.MustCompile(`finished restoring (\S+) \((\d+) documents?, (\d+) failures?\)`)
	// mongorestore: "12 document(s) restored successfully. 0 document(s) failed to restore."
	totalRe = regexp.MustCompile(`(\d+) document\(s\) restored successfully\. (\d+) document\(s\) failed to restore`)
)

// mongoCounts reads per-collection counts from a tool's log, leaving out
// the server's own databases (admin, config, local) and the oplog.
func mongoCounts(log string, re *regexp.Regexp) map[string]int64 {
	counts := map[string]int64{}
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		ns := m[1]
		db, _, _ := strings.Cut(ns, ".")
		if db == "admin" || db == "config" || db == "local" {
			continue
		}
		n, _ := strconv.ParseInt(m[2], 10, 64)
		counts[ns] = n
	}
	return counts
}

// checkMongoRestore compares what mongorestore says it restored with the
// manifest's counts: per collection where the tool says so, else in total.
func checkMongoRestore(want map[string]int64, log string) error {
	if m := totalRe.FindStringSubmatch(log); m != nil && m[2] != "0" {
		return fmt.Errorf("mongorestore: %s document(s) failed to restore", m[2])
	}
	if want == nil {
		return nil
	}
	if got := mongoCounts(log, restoredRe); len(got) > 0 {
		for _, m := range restoredRe.FindAllStringSubmatch(log, -1) {
			if m[3] != "0" {
				return fmt.Errorf("mongorestore: %s failure(s) restoring %s", m[3], m[1])
			}
		}
		return compareCounts(want, got, "documents")
	}
	m := totalRe.FindStringSubmatch(log)
	if m == nil {
		return errors.New("mongorestore did not say how many documents it restored")
	}
	var total int64
	for _, n := range want {
		total += n
	}
	if got, _ := strconv.ParseInt(m[1], 10, 64); got != total {
		return fmt.Errorf("mongorestore restored %d documents, the archive's manifest recorded %d", got, total)
	}
	return nil
}

// compareCounts names every collection or table whose count differs.
func compareCounts(want, got map[string]int64, unit string) error {
	var bad []string
	for k, n := range want {
		if got[k] != n {
			bad = append(bad, fmt.Sprintf("%s: %d %s, expected %d", k, got[k], unit, n))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	return fmt.Errorf("the restored database does not match the archive's manifest: %s", strings.Join(bad, "; "))
}
