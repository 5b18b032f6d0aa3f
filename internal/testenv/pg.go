package testenv

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// The helpers below drive the real PostgreSQL of an Image{RealPostgres: true}
// container as its superuser over the unix socket, which the embedded
// cluster trusts from inside the container, on the database the instance's
// APPSMITH_DB_URL names (PGDatabase).

// PGDatabase is the database of the instance's default
// APPSMITH_DB_URL (postgresql://appsmith:PASS@localhost:5432/appsmith).
const PGDatabase = "appsmith"

// pgConn is psql's, pg_dump's and pg_restore's connection: superuser,
// socket, the instance's database.
var pgConn = []string{"-h", "/var/run/postgresql", "-U", "postgres"}

// PGExec runs sql (fed on stdin, any number of statements; it stops at the
// first error) with psql in the container on PGDatabase and returns what it
// printed, unaligned and without headers: one row a line, columns split by
// "|".
func PGExec(ctx context.Context, cli *client.Client, containerID, sql string) (string, error) {
	out, errs, code, err := Exec(ctx, cli, containerID, strings.NewReader(sql), PSQL()...)
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("psql %.80q: exit %d: %s", sql, code, strings.TrimSpace(string(errs)))
	}
	return strings.TrimSpace(string(out)), nil
}

// PSQL is PGExec's command line, to run where a container is reached some
// other way (a pod's exec): it reads the statements on stdin.
func PSQL() []string {
	return append(append([]string{"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-tA"}, pgConn...), "-d", PGDatabase)
}

// MustPGExec is PGExec that ends the test on an error.
func MustPGExec(tb testing.TB, cli *client.Client, containerID, sql string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := PGExec(ctx, cli, containerID, sql)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	return out
}

// CountRows counts the rows of table (schema-qualified as needed, e.g.
// "appsmith.seed") through psql.
func CountRows(tb testing.TB, cli *client.Client, containerID, table string) int {
	tb.Helper()
	s := MustPGExec(tb, cli, containerID, "SELECT count(*) FROM "+table)
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatalf("testenv: count(*) on %s printed %q", table, s)
	}
	return n
}

// SeedRows creates table (if missing) with an id and a ~100-byte body and
// inserts n rows into it.
func SeedRows(tb testing.TB, cli *client.Client, containerID, table string, n int) {
	tb.Helper()
	MustPGExec(tb, cli, containerID, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (id bigserial PRIMARY KEY, name text NOT NULL, body text NOT NULL);
INSERT INTO %s (name, body) SELECT 'row ' || g, repeat('x', 96) FROM generate_series(1, %d) AS g;`, table, table, n))
}

// PGDump runs pg_dump in the container with args (e.g. "-Fc") on
// PGDatabase and returns what it streamed to stdout.
func PGDump(tb testing.TB, cli *client.Client, containerID string, args ...string) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := append(append([]string{"pg_dump"}, pgConn...), args...)
	out, errs, code, err := Exec(ctx, cli, containerID, nil, append(cmd, PGDatabase)...)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	if code != 0 {
		tb.Fatalf("testenv: pg_dump %v: exit %d: %s", args, code, errs)
	}
	return out
}

// PGRestore feeds dump to pg_restore in the container (args e.g. "--clean",
// "--if-exists") into PGDatabase and returns its exit code and stderr.
func PGRestore(tb testing.TB, cli *client.Client, containerID string, dump []byte, args ...string) (int, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := append(append([]string{"pg_restore"}, pgConn...), "-d", PGDatabase)
	_, errs, code, err := Exec(ctx, cli, containerID, bytes.NewReader(dump), append(cmd, args...)...)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	return code, string(errs)
}
