package install

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// The database a fresh install gets follows the version: Appsmith's own
// template writes embedded PostgreSQL from v1.47, MongoDB before.
func TestDefaultDatabasePerVersion(t *testing.T) {
	for version, want := range map[string]string{
		"v1.8.15": stacks.DBEmbeddedMongoDB, "v1.9.2": stacks.DBEmbeddedMongoDB, "v1.46.3": stacks.DBEmbeddedMongoDB,
		"v1.47": stacks.DBEmbeddedPostgreSQL, "v1.99": stacks.DBEmbeddedPostgreSQL, "v2.0.1": stacks.DBEmbeddedPostgreSQL,
		"latest": stacks.DBEmbeddedPostgreSQL,
	} {
		o := Defaults()
		o.Version = version
		if got := o.Database(); got != want {
			t.Errorf("%s: %s, want %s", version, got, want)
		}
	}
}

func TestNormalizeDB(t *testing.T) {
	norm := func(db, dbURL string) (Options, error) {
		o := Defaults()
		o.Dir, o.Version, o.DB, o.DBURL = t.TempDir(), "v1.9.2", db, dbURL
		return o.Normalize()
	}
	for _, c := range []struct{ db, dbURL, wantDB, wantURL, kind string }{
		{"embedded-postgresql", "", "embedded-postgresql", "", stacks.DBEmbeddedPostgreSQL},
		{"Embedded-MongoDB", "", "embedded-mongodb", "", stacks.DBEmbeddedMongoDB},
		{"", "", "", "", stacks.DBEmbeddedMongoDB}, // v1.9.2's own default
		{"postgres://u:p@db.example.com:5432/appsmith", "", "", "postgresql://u:p@db.example.com:5432/appsmith", stacks.DBExternal},
		{"mongodb://u:p@localhost:27017/appsmith", "mongodb://u:p@localhost:27017/appsmith", "", "mongodb://u:p@localhost:27017/appsmith", stacks.DBEmbeddedMongoDB},
	} {
		o, err := norm(c.db, c.dbURL)
		if err != nil || o.DB != c.wantDB || o.DBURL != c.wantURL || o.Database() != c.kind {
			t.Errorf("--db %q --db-url %q: DB %q URL %q kind %s, %v; want %q %q %s", c.db, c.dbURL, o.DB, o.DBURL, o.Database(), err, c.wantDB, c.wantURL, c.kind)
		}
	}
	for _, c := range []struct{ db, dbURL string }{
		{"postgres", ""},
		{"embedded", ""},
		{"embedded-postgresql", "postgresql://u:p@db.example.com/a"},
		{"mongodb://u:p@a.example.com/a", "mongodb://u:p@b.example.com/a"},
		{"redis://localhost:6379", ""},
	} {
		_, err := norm(c.db, c.dbURL)
		var fe *FieldError
		if !asFieldError(err, &fe) || fe.Field != "db" {
			t.Errorf("--db %q --db-url %q: %v, want a --db error", c.db, c.dbURL, err)
		}
	}
}

func asFieldError(err error, fe **FieldError) bool {
	e, ok := err.(*FieldError)
	*fe = e
	return ok
}

var secretRe = regexp.MustCompile(`[A-Za-z0-9]{32}`)

// The docker.env a fresh install writes, per version (secrets masked):
// MongoDB before v1.47, PostgreSQL from it; the Redis password (with the
// local URL that carries it) only from releases.WritesRedisPassword on, and
// before that the key appears nowhere, so a later entrypoint can backfill it.
func TestDefaultEnvPerVersionGolden(t *testing.T) {
	for _, version := range []string{"v1.46", "v1.47", "v2.0.1", "latest"} {
		t.Run(version, func(t *testing.T) {
			o := Defaults()
			o.Version = version
			env, err := stacks.DefaultEnv(envOptions(o))
			if err != nil {
				t.Fatal(err)
			}
			text := string(env.Bytes())
			redisPW, has := env.Get(stacks.KeyRedisPassword)
			if strings.Contains(text, stacks.KeyRedisPassword) != has || (has && !secretRe.MatchString(redisPW)) {
				t.Errorf("APPSMITH_REDIS_PASSWORD mentioned without a 32-character value")
			}
			if url, _ := env.Get(stacks.KeyRedisURL); has && url != stacks.EmbeddedRedisURL(redisPW) {
				t.Errorf("the local Redis URL does not carry the password")
			}
			got := secretRe.ReplaceAllString(text, "<secret>")
			golden := filepath.Join("testdata", "docker-env-"+version+".golden")
			if *updateGolden {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if got != string(want) {
				t.Errorf("docker.env for %s differs from %s:\n%s", version, golden, got)
			}
		})
	}
}

func TestSameRedis(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"redis://127.0.0.1:6379", "redis://:abcdefghijklm@127.0.0.1:6379", true},
		{"redis://localhost:6379", "redis://:pw@127.0.0.1:6379", true},
		{"redis://redis.example.com:6379", "redis://:pw@127.0.0.1:6379", false},
		{"redis://a.example.com:6379", "redis://b.example.com:6379", false},
	} {
		if sameRedis(c.a, c.b) != c.same {
			t.Errorf("sameRedis(%q, %q) = %v", c.a, c.b, !c.same)
		}
	}
}

func findings(obs *Observation, check string, level Level) []string {
	var out []string
	for _, f := range obs.Findings {
		if f.Check == check && f.Level == level {
			out = append(out, f.Message)
		}
	}
	return out
}

// After the first start a newer entrypoint may have rewritten the local
// Redis URL to carry a password: a re-run that names the local Redis is
// the same Redis, not a different one.
func TestRerunTakesTheRewrittenRedisURLAsTheLocalOne(t *testing.T) {
	f := newFixture(t)
	f.installed(t, "c1")
	layout := stacks.Layout{Root: filepath.Join(f.o.Dir, "stacks")}
	env, err := layout.ReadEnv()
	if err != nil {
		t.Fatal(err)
	}
	env.Set(stacks.KeyRedisURL, "redis://:abcdefghijklm@127.0.0.1:6379")
	env.Set(stacks.KeyRedisPassword, "abcdefghijklm")
	if err := os.WriteFile(layout.DockerEnv(), env.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	f.o.RedisURL = "redis://127.0.0.1:6379"
	_, obs, _ := f.plan(t)
	if got := findings(obs, "docker.env", Fail); len(got) > 0 {
		t.Errorf("the rewritten local Redis URL was taken for another Redis: %v", got)
	}
	f.o.RedisURL = "redis://redis.example.com:6379"
	if _, obs, _ = f.plan(t); len(findings(obs, "docker.env", Fail)) == 0 {
		t.Error("an external --redis-url against the local one was not refused")
	}
}

// An existing docker.env is never switched to another database: --db
// naming another one is refused; without --db the install keeps its own,
// whatever the version's default, and the preflight names it.
func TestExistingDatabaseIsNeverSwitched(t *testing.T) {
	f := newFixture(t) // v1.9.2: embedded MongoDB
	f.installed(t, "c1")
	f.o.Version = "latest" // whose default is PostgreSQL
	_, obs, _ := f.plan(t)
	if got := findings(obs, "database", OK); len(got) != 1 || !strings.Contains(got[0], "embedded MongoDB") {
		t.Errorf("database findings %v, want the docker.env's embedded MongoDB", got)
	}
	if len(obs.EnvMissing) > 0 || len(findings(obs, "docker.env", Fail)) > 0 {
		t.Errorf("a re-run with another default database changes docker.env: missing %v, fails %v", obs.EnvMissing, findings(obs, "docker.env", Fail))
	}
	f.o.DB = stacks.DBEmbeddedPostgreSQL
	_, obs, err := f.plan(t)
	if got := findings(obs, "docker.env", Fail); len(got) != 1 || !strings.Contains(got[0], "never switches") || err == nil {
		t.Errorf("--db embedded-postgresql on a MongoDB install: %v, %v", got, err)
	}
}

func TestEmbeddedPostgreSQLBeforeV147IsWarned(t *testing.T) {
	f := newFixture(t) // v1.9.2
	f.o.DB = stacks.DBEmbeddedPostgreSQL
	_, obs, _ := f.plan(t)
	if got := findings(obs, "database", Warn); len(got) != 1 || !strings.Contains(got[0], "v1.47") {
		t.Errorf("database warnings %v", got)
	}
	f.o.Version = "v1.47"
	if _, obs, _ = f.plan(t); len(findings(obs, "database", Warn)) > 0 {
		t.Error("warned for v1.47")
	}
}
