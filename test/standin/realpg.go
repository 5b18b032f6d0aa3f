package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// An image built on scripts/pg-rootfs.sh (testenv Image{RealPostgres: true})
// carries Debian's postgresql-15; there the embedded database is the real
// one, driven the way the real image drives it. A FROM-scratch stand-in
// image has none of this and keeps the imitation in pgredis.go.
const (
	pgBin       = "/usr/lib/postgresql/15/bin"
	pgSocketDir = "/var/run/postgresql"
	pgReadyWait = 60 * time.Second
)

func (l layout) hasRealPostgres() bool {
	_, err := os.Stat(l.path(pgBin + "/postgres"))
	return err == nil
}

// pgParams are the parts of APPSMITH_DB_URL the entrypoint's
// extract_postgres_db_params takes apart.
type pgParams struct {
	user, password, host, port, db string
}

func parsePGURL(raw string) (pgParams, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return pgParams{}, fmt.Errorf("APPSMITH_DB_URL: %w", err)
	}
	p := pgParams{host: u.Hostname(), port: u.Port(), db: strings.TrimPrefix(u.Path, "/")}
	if u.User != nil {
		p.user = u.User.Username()
		p.password, _ = u.User.Password()
	}
	if p.port == "" {
		p.port = "5432"
	}
	if p.user == "" || p.db == "" {
		return p, errors.New("APPSMITH_DB_URL names no user or no database")
	}
	return p, nil
}

// env is libpq's environment for p: the password never goes on a command line.
func (p pgParams) env() []string {
	return []string{"PGHOST=" + p.host, "PGPORT=" + p.port, "PGUSER=" + p.user, "PGPASSWORD=" + p.password, "PGDATABASE=" + p.db}
}

// postgresUser is the uid and gid of the image's postgres account.
func (l layout) postgresUser() (uid, gid int, err error) {
	f, err := os.Open(l.path("/etc/passwd"))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) >= 4 && fields[0] == "postgres" {
			uid, err1 := strconv.Atoi(fields[2])
			gid, err2 := strconv.Atoi(fields[3])
			if err1 == nil && err2 == nil {
				return uid, gid, nil
			}
		}
	}
	return 0, 0, errors.New("/etc/passwd has no postgres user")
}

func chownTree(root string, uid, gid int) error {
	return filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// asPostgres runs a PostgreSQL program as the postgres user, as the real
// entrypoint's `su postgres -c`.
func asPostgres(cmd *exec.Cmd, uid, gid int) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	cmd.Env = append(cmd.Env, "HOME=/var/lib/postgresql", "LANG=C.UTF-8", "PATH="+pgBin+":/usr/bin:/bin")
	cmd.Dir = "/"
}

// initRealPostgres is init_postgres: the cluster in data/postgres/main,
// owned by postgres, created by initdb when there is none. Local
// connections (the unix socket, which only processes in the container
// reach) are trusted as in the real image; TCP ones need the password, so
// a docker.env whose URL carries a wrong one leaves the backend waiting.
func (a *app) initRealPostgres() error {
	dir := a.l.stacks("data", "postgres", "main")
	uid, gid, err := a.l.postgresUser()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// A restored or copied data dir may come back owned by root; postgres
	// refuses a data dir it does not own or that others can read.
	if err := chownTree(filepath.Dir(dir), uid, gid); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err == nil {
		a.con.Printf("Found existing Postgres, Updating...")
		return nil
	}
	a.con.Printf("Initializing local Postgres data folder")
	cmd := exec.Command(pgBin+"/initdb", "-D", dir, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8")
	asPostgres(cmd, uid, gid)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return exitf(1, "initdb: %v: %s", err, out)
	}
	return nil
}

// realPostgresProgram is [program:postgres]: the real postgres on
// 127.0.0.1:5432 and the unix socket. It counts as started once it accepts
// connections and init_pg_db has made the URL's role, database and schema.
func (a *app) realPostgresProgram() program {
	return program{name: "postgres", priority: 5, start: func(ctx context.Context, log *progLog) (<-chan error, error) {
		uid, gid, err := a.l.postgresUser()
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(pgSocketDir, 0o2775); err != nil {
			return nil, err
		}
		if err := os.Chown(pgSocketDir, uid, gid); err != nil {
			return nil, err
		}
		cmd := exec.Command(pgBin+"/postgres", "-D", a.l.stacks("data", "postgres", "main"),
			"-c", "listen_addresses=127.0.0.1", "-c", "port=5432", "-c", "unix_socket_directories="+pgSocketDir)
		asPostgres(cmd, uid, gid)
		out, err := cmd.StderrPipe()
		if err != nil {
			return nil, err
		}
		cmd.Stdout = cmd.Stderr
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		copied := make(chan struct{})
		go func() { copyLines(log, out); close(copied) }()
		exited := make(chan error, 1)
		go func() { <-copied; exited <- cmd.Wait() }()

		if err := a.pgWaitAndInit(ctx, exited); err != nil {
			_ = cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
				_ = cmd.Process.Kill()
			}
			log.Errorf("%v", err)
			return nil, err
		}
		done := make(chan error, 1)
		go func() {
			select {
			case <-ctx.Done():
				// SIGINT is PostgreSQL's fast shutdown: clean, and quick
				// enough for the supervisor's stop timeout.
				_ = cmd.Process.Signal(syscall.SIGINT)
				<-exited
				done <- nil
			case err := <-exited:
				done <- exitf(1, "postgres exited: %v", err)
			}
		}()
		return done, nil
	}}
}

func copyLines(log *progLog, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		log.raw(log.err, sc.Text())
	}
}

// pgWaitAndInit waits until the server answers on its socket, then runs
// init_pg_db.
func (a *app) pgWaitAndInit(ctx context.Context, exited <-chan error) error {
	deadline := time.Now().Add(pgReadyWait)
	for {
		if _, err := superPSQL(ctx, "postgres", "SELECT 1"); err == nil {
			break
		} else if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within %s: %v", pgReadyWait, err)
		}
		select {
		case err := <-exited:
			return exitf(1, "postgres exited while starting: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	p, err := parsePGURL(a.env["APPSMITH_DB_URL"])
	if err != nil {
		return err
	}
	return initPGDB(ctx, p, a.con)
}

// superPSQL runs SQL (on stdin, so no value in it is on a command line) as
// the superuser over the unix socket and returns what psql printed.
func superPSQL(ctx context.Context, db, sql string) (string, error) {
	cmd := exec.CommandContext(ctx, pgBin+"/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA", "-h", pgSocketDir, "-U", "postgres", "-d", db)
	cmd.Env = []string{"PATH=" + pgBin + ":/usr/bin:/bin", "LANG=C.UTF-8"}
	cmd.Stdin = strings.NewReader(sql)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("psql: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// userPSQL runs SQL as the backend does: the role and password of
// APPSMITH_DB_URL, over TCP, so what it creates belongs to that role.
func userPSQL(ctx context.Context, p pgParams, sql string) (string, error) {
	cmd := exec.CommandContext(ctx, pgBin+"/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA")
	cmd.Env = append([]string{"PATH=" + pgBin + ":/usr/bin:/bin", "LANG=C.UTF-8"}, p.env()...)
	cmd.Stdin = strings.NewReader(sql)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("psql: %v: %s", err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

func pgLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
func pgIdent(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// initPGDB is pg-utils.sh's init_pg_db for a local URL: the database when
// missing; then, while the appsmith schema is missing, the role with the
// URL's password, the schema and the grants. A role that exists keeps its
// password: the entrypoint never resets it, so a docker.env whose password
// differs from the data's leaves the backend unable to connect.
func initPGDB(ctx context.Context, p pgParams, con *console) error {
	con.Printf("Initializing PostgreSQL with schema...")
	has, err := superPSQL(ctx, "postgres", "SELECT 1 FROM pg_database WHERE datname = "+pgLiteral(p.db))
	if err != nil {
		return err
	}
	if has != "1" {
		con.Printf("Database %s does not exist. Creating database...", p.db)
		if _, err := superPSQL(ctx, "postgres", "CREATE DATABASE "+pgIdent(p.db)); err != nil {
			return err
		}
	}
	has, err = superPSQL(ctx, p.db, "SELECT 1 FROM information_schema.schemata WHERE schema_name = 'appsmith'")
	if err != nil {
		return err
	}
	if has != "1" {
		con.Printf("Schema 'appsmith' does not exist. Creating schema...")
		role := pgIdent(p.user)
		sql := fmt.Sprintf(`SELECT format('CREATE ROLE %%I LOGIN PASSWORD %%L', %s, %s) WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s) \gexec
CREATE SCHEMA appsmith;
GRANT ALL PRIVILEGES ON SCHEMA appsmith TO %s;
GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA appsmith TO %s;
ALTER DEFAULT PRIVILEGES IN SCHEMA appsmith GRANT ALL PRIVILEGES ON TABLES TO %s;
GRANT CONNECT ON DATABASE %s TO %s;
`, pgLiteral(p.user), pgLiteral(p.password), pgLiteral(p.user), role, role, role, pgIdent(p.db), role)
		if _, err := superPSQL(ctx, p.db, sql); err != nil {
			return err
		}
	}
	con.Printf("PostgreSQL initialization completed.")
	return nil
}

// pgConnect is what the backend does first: connect with APPSMITH_DB_URL
// over TCP, password and all.
func (a *app) pgConnect(ctx context.Context) error {
	p, err := parsePGURL(a.env["APPSMITH_DB_URL"])
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.l.path(pgBin+"/psql"), "-X", "-q", "-tA", "-c", "SELECT 1")
	cmd.Env = append([]string{"PATH=" + pgBin + ":/usr/bin:/bin", "LANG=C.UTF-8"}, p.env()...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	return nil
}

// waitForPG holds the backend until it can connect, logging the first
// failure and every change of it; false if ctx ended first.
func (a *app) waitForPG(ctx context.Context, log *progLog) bool {
	last := ""
	for {
		err := a.pgConnect(ctx)
		if err == nil {
			return true
		}
		if msg := err.Error(); msg != last {
			log.Printf("WARN Waiting for PostgreSQL at %s: %s", redactedHost(a.env["APPSMITH_DB_URL"]), msg)
			last = msg
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(2 * time.Second):
		}
	}
}

// The real backend keeps what it knows in its database, so a restored
// database brings back the release that last started on it; on the real
// PostgreSQL the stand-in does the same, in appsmith.standin_backend.

func (a *app) pgLastStarted(ctx context.Context) (string, error) {
	p, err := parsePGURL(a.env["APPSMITH_DB_URL"])
	if err != nil {
		return "", err
	}
	// A table that is missing would fail the query at parse time, however
	// it is guarded: ask first.
	has, err := userPSQL(ctx, p, "SELECT to_regclass('appsmith.standin_backend') IS NOT NULL")
	if err != nil || has != "t" {
		return "", err
	}
	return userPSQL(ctx, p, "SELECT coalesce(max(appsmith_version), '') FROM appsmith.standin_backend")
}

func (a *app) pgRecordStart(ctx context.Context, version string) error {
	p, err := parsePGURL(a.env["APPSMITH_DB_URL"])
	if err != nil {
		return err
	}
	_, err = userPSQL(ctx, p, `BEGIN;
CREATE TABLE IF NOT EXISTS appsmith.standin_backend (appsmith_version text NOT NULL);
DELETE FROM appsmith.standin_backend;
INSERT INTO appsmith.standin_backend VALUES (`+pgLiteral(version)+`);
COMMIT;`)
	return err
}
