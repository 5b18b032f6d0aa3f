package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// realPGImage is a version whose default database is embedded PostgreSQL,
// on the variant whose PostgreSQL is the real postgresql-15.
var realPGImage = testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v2.0.1", RealPostgres: true}

// An install on the real-PostgreSQL image comes up ready (its backend
// connected with docker.env's URL and password), the entrypoint made the
// role, database and schema, and the real tools round-trip data: rows
// created with psql, dumped with pg_dump -Fc through exec's stdout, deleted,
// and brought back with pg_restore --clean --if-exists from stdin.
func TestRealPostgresDumpRestoreRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, realPGImage)
	e.mustSucceed(e.run(nil, e.installArgs(realPGImage.Tag)...), "install")

	if got := testenv.MustPGExec(t, e.cli, e.name, "SELECT rolname FROM pg_roles WHERE rolname = 'appsmith' AND rolcanlogin"); got != "appsmith" {
		t.Fatalf("no login role appsmith: %q", got)
	}
	if got := testenv.MustPGExec(t, e.cli, e.name, "SELECT has_schema_privilege('appsmith', 'appsmith', 'CREATE')"); got != "t" {
		t.Fatalf("role appsmith cannot create in schema appsmith: %q", got)
	}

	// The backend records the release that started on the data in the
	// database, as the real one does, so a dump carries it.
	const record = "SELECT appsmith_version FROM appsmith.standin_backend"
	if got := testenv.MustPGExec(t, e.cli, e.name, record); got != realPGImage.Tag {
		t.Errorf("the database records release %q, want %s", got, realPGImage.Tag)
	}

	const table = "appsmith.seed"
	testenv.SeedRows(t, e.cli, e.name, table, 1000)
	if n := testenv.CountRows(t, e.cli, e.name, table); n != 1000 {
		t.Fatalf("%d rows after seeding, want 1000", n)
	}
	dump := testenv.PGDump(t, e.cli, e.name, "-Fc")
	if !bytes.HasPrefix(dump, []byte("PGDMP")) {
		t.Fatalf("pg_dump -Fc did not write a custom-format archive (%d bytes, starts %q)", len(dump), dump[:min(len(dump), 16)])
	}
	testenv.MustPGExec(t, e.cli, e.name, "DELETE FROM "+table+" WHERE id > 10; DROP TABLE appsmith.standin_backend")
	if n := testenv.CountRows(t, e.cli, e.name, table); n != 10 {
		t.Fatalf("%d rows after deleting, want 10", n)
	}
	if code, errs := testenv.PGRestore(t, e.cli, e.name, dump, "--clean", "--if-exists"); code != 0 {
		t.Fatalf("pg_restore: exit %d: %s", code, errs)
	}
	if n := testenv.CountRows(t, e.cli, e.name, table); n != 1000 {
		t.Fatalf("%d rows after pg_restore, want 1000", n)
	}
	if got := testenv.MustPGExec(t, e.cli, e.name, record); got != realPGImage.Tag {
		t.Errorf("after pg_restore the database records release %q, want %s", got, realPGImage.Tag)
	}
	if s, _ := e.status(); !s.Healthy {
		t.Errorf("not healthy after the restore: %+v", s)
	}

	// The data outlives a restart: postgres shuts down cleanly on the
	// container's stop and opens the existing cluster on the next start.
	e.mustSucceed(e.run(nil, "restart"), "restart")
	if n := testenv.CountRows(t, e.cli, e.name, table); n != 1000 {
		t.Fatalf("%d rows after a restart, want 1000", n)
	}
	if logs := postgresLogs(t, e); !strings.Contains(logs, "database system is shut down") {
		t.Errorf("postgres did not shut down cleanly on restart:\n%s", logs)
	}
}

// The entrypoint never resets an existing role's password: a docker.env
// whose URL carries another password than the data's leaves the backend
// unable to connect, logging PostgreSQL's refusal, and the instance
// un-ready, as with the real image.
func TestRealPostgresWrongPasswordStaysUnready(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, realPGImage)
	e.mustSucceed(e.run(nil, e.installArgs(realPGImage.Tag)...), "install")

	path := filepath.Join(e.dir, "stacks/configuration/docker.env")
	env, _ := readEnv(t, e.dir)
	dbURL, _ := env.Get(stacks.KeyDBURL)
	user, rest, ok := strings.Cut(dbURL, "@")
	if !ok {
		t.Fatal("APPSMITH_DB_URL carries no credentials")
	}
	env.Set(stacks.KeyDBURL, user+"x@"+rest)
	if err := os.WriteFile(path, env.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := e.cli.ContainerRestart(ctx, e.name, client.ContainerRestartOptions{}); err != nil {
		t.Fatal(err)
	}
	const refusal = `password authentication failed for user "appsmith"`
	for !strings.Contains(backendLogs(t, e), refusal) {
		select {
		case <-ctx.Done():
			t.Fatalf("the backend never logged %q:\n%s", refusal, backendLogs(t, e))
		case <-time.After(time.Second):
		}
	}
	if s, _ := e.status(); s.Healthy {
		t.Errorf("healthy with a wrong database password: %+v", s)
	}
}

func backendLogs(t *testing.T, e *env) string { return programLogs(t, e, "backend") }

func postgresLogs(t *testing.T, e *env) string { return programLogs(t, e, "postgres") }

func programLogs(t *testing.T, e *env, program string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(e.dir, "stacks/logs", program, "*.log"))
	var all strings.Builder
	for _, f := range files {
		b, _ := os.ReadFile(f)
		all.Write(b)
	}
	return all.String()
}
