package install

import (
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/releases"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// database is the kind of database the install uses (stacks.DB*): the one
// its docker.env names when there is one (an existing file is never
// switched), else the one a new docker.env gets from the options.
func database(o Options, layout stacks.Layout) string {
	if env := readEnvOrEmpty(layout); env.DBURL() != "" {
		return stacks.DatabaseKind(env.DBURL())
	}
	return o.Database()
}

// redisPassword: the version's entrypoint runs its Redis with requirepass,
// so a new docker.env carries the password (ours, not the entrypoint's).
func redisPassword(o Options) bool {
	v, _ := releases.Parse(o.ExpectedVersionOrTag())
	return releases.WritesRedisPassword(v)
}

// checkDatabase refuses a --db that names another embedded database than
// the one an existing docker.env uses: an install never switches it.
func checkDatabase(obs *Observation, o Options, layout stacks.Layout, env *stacks.EnvFile) {
	if o.DB == "" || env.DBURL() == "" {
		return
	}
	if have := stacks.DatabaseKind(env.DBURL()); have != o.DB {
		obs.add("docker.env", Fail, "drop --db (the install keeps the database it has)",
			"%s already uses the %s database; appsmith-install never switches the database of an install (--db %s)",
			layout.DockerEnv(), stacks.DatabaseLabel(have), o.DB)
	}
}

// sameRedis: two Redis URLs name the same Redis. Every local URL is the
// embedded Redis, with or without the password a newer entrypoint wrote
// into it.
func sameRedis(a, b string) bool {
	return a == b || (stacks.IsLocalRedis(a) && stacks.IsLocalRedis(b))
}

// dbSummary says which database a new docker.env will name.
func dbSummary(o Options) string { return dbSummaryOf(o.Database(), o.DBURL) }

func dbSummaryOf(kind, dbURL string) string {
	if kind == stacks.DBExternal {
		if strings.HasPrefix(dbURL, "postgres") {
			return "database external PostgreSQL"
		}
		return "database external MongoDB"
	}
	return "database " + stacks.DatabaseLabel(kind)
}

// reportDatabase says which database the install uses, so the preflight
// (and --dry-run) names it: the one docker.env names, or the one it gets.
func reportDatabase(obs *Observation, o Options, layout stacks.Layout) {
	if env := readEnvOrEmpty(layout); env.DBURL() != "" {
		obs.add("database", OK, "", "%s (as %s names it; an install never switches it)",
			strings.TrimPrefix(dbSummaryOf(stacks.DatabaseKind(env.DBURL()), env.DBURL()), "database "), layout.DockerEnv())
		return
	}
	if obs.HasEnv {
		return
	}
	if v, ok := releases.Parse(o.ExpectedVersionOrTag()); ok && o.DB == stacks.DBEmbeddedPostgreSQL && releases.DefaultDB(v) != "postgresql" {
		obs.add("database", Warn, "drop --db to get the embedded MongoDB Appsmith uses for this version, or install v1.47 or later",
			"embedded PostgreSQL with %s: Appsmith's own install uses it only from v1.47; older images may not run it", o.ExpectedVersionOrTag())
		return
	}
	obs.add("database", OK, "", "%s", strings.TrimPrefix(dbSummary(o), "database "))
}
