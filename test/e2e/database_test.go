package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

func statusDatabase(t *testing.T, e *env) string {
	t.Helper()
	r := e.run(nil, "status", "--json")
	var s struct {
		Database string `json:"database"`
	}
	if err := json.Unmarshal([]byte(r.out), &s); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.out)
	}
	return s.Database
}

// A default install of a v1.47+ version uses embedded PostgreSQL, as
// Appsmith's own template does, with the installer's 32-character password;
// for a version whose entrypoint runs Redis with a password, that password
// is the installer's (32 characters) and the first start leaves docker.env
// as written. A re-run after the first start is a no-op, also when it names
// the local Redis.
func TestDefaultInstallOfCurrentVersionUsesPostgreSQL(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v2.0.1"})

	r := e.run(nil, e.installArgs("v2.0.1", "--dry-run")...)
	e.mustSucceed(r, "dry run")
	contains(t, "dry run", r.out+r.errOut, "database embedded PostgreSQL")

	r = e.run(nil, e.installArgs("v2.0.1")...)
	e.mustSucceed(r, "install")
	env, written := readEnv(t, e.dir)
	dbURL, _ := env.Get(stacks.KeyDBURL)
	if !regexp.MustCompile(`^postgresql://appsmith:[A-Za-z0-9]{32}@localhost:5432/appsmith$`).MatchString(dbURL) {
		t.Errorf("APPSMITH_DB_URL is not the embedded PostgreSQL with a 32-character password")
	}
	if _, err := os.Stat(filepath.Join(e.dir, "stacks/data/postgres/main/PG_VERSION")); err != nil {
		t.Errorf("the embedded PostgreSQL did not start: %v", err)
	}
	pw, _ := env.Get(stacks.KeyRedisPassword)
	if !regexp.MustCompile(`^[A-Za-z0-9]{32}$`).MatchString(pw) {
		t.Errorf("APPSMITH_REDIS_PASSWORD is not the installer's 32-character secret (%d characters)", len(pw))
	}
	if u, _ := env.Get(stacks.KeyRedisURL); u != "redis://:"+pw+"@127.0.0.1:6379" {
		t.Error("the local Redis URL does not carry the installer's password")
	}
	if got := statusDatabase(t, e); got != "embedded-postgresql" {
		t.Errorf("status --json database %q", got)
	}
	st := e.run(nil, "status")
	contains(t, "status", st.out, "database:   embedded PostgreSQL")

	// The first start happened (the install waited for ready): the file is
	// as the installer wrote it, and a re-run changes nothing.
	for _, extra := range [][]string{nil, {"--redis-url", "redis://127.0.0.1:6379"}} {
		r = e.run(nil, e.installArgs("v2.0.1", extra...)...)
		e.mustSucceed(r, "re-run")
		contains(t, "re-run", r.errOut, "nothing to do")
	}
	if _, after := readEnv(t, e.dir); string(after) != string(written) {
		t.Errorf("docker.env changed after the first start or a re-run:\n%s", after)
	}
	for _, secret := range []string{pw, strings.TrimPrefix(strings.Split(dbURL, "@")[0], "postgresql://appsmith:")} {
		if strings.Contains(e.outputs.String(), secret) {
			t.Error("a generated password was printed")
		}
	}
}

// A floating tag may name an image before or after the Redis password
// gate: the installer leaves the key out, the entrypoint adds its own and
// rewrites the local URL on the first start, and a re-run takes that URL
// for the same local Redis: nothing to do, nothing refused.
func TestRerunAfterTheEntrypointAddedARedisPassword(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "latest", Version: "v2.0.1"})
	r := e.run(nil, e.installArgs("latest")...)
	e.mustSucceed(r, "install")
	env, before := readEnv(t, e.dir)
	pw, ok := env.Get(stacks.KeyRedisPassword)
	if !ok || len(pw) != 13 {
		t.Fatalf("the entrypoint did not backfill its Redis password (%v, %d characters): this test proves nothing", ok, len(pw))
	}
	if u, _ := env.Get(stacks.KeyRedisURL); u != "redis://:"+pw+"@127.0.0.1:6379" {
		t.Fatal("the entrypoint did not rewrite the local Redis URL: this test proves nothing")
	}
	for _, extra := range [][]string{nil, {"--redis-url", "redis://127.0.0.1:6379"}} {
		r = e.run(nil, e.installArgs("latest", extra...)...)
		e.mustSucceed(r, "re-run")
		contains(t, "re-run", r.errOut, "nothing to do")
	}
	if _, after := readEnv(t, e.dir); string(after) != string(before) {
		t.Error("a re-run changed docker.env")
	}
}
