package main

import (
	"context"
	"net/url"
	"os"
	"strings"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// initPostgres is the entrypoint's init_postgres, reduced to what can be
// seen from outside: a cluster in data/postgres/main marked by PG_VERSION.
func (a *app) initPostgres() error {
	if a.realPG {
		return a.initRealPostgres()
	}
	dir := a.l.stacks("data", "postgres", "main")
	if _, err := os.Stat(dir + "/PG_VERSION"); err == nil {
		a.con.Printf("Found existing Postgres, Updating...")
		return nil
	}
	a.con.Printf("Initializing local Postgres data folder")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(dir+"/PG_VERSION", []byte("15\n"), 0o600)
}

// redisProgram is the embedded Redis. From spec.RedisPassword on it runs
// with requirepass APPSMITH_REDIS_PASSWORD, and Redis 7 refuses to start
// when that is empty.
func (a *app) redisProgram() program {
	p := idleProgram("redis", 5, "Server initialized", "Ready to accept connections tcp")
	if !spec.RedisPassword(a.version) {
		return p
	}
	start := p.start
	p.start = func(ctx context.Context, log *progLog) (<-chan error, error) {
		if a.env["APPSMITH_REDIS_PASSWORD"] == "" {
			log.Printf("*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***")
			log.Printf(">>> 'requirepass \"\"'")
			log.Printf("Bad directive or wrong number of arguments")
			return nil, exitf(1, "redis: requirepass is empty (APPSMITH_REDIS_PASSWORD)")
		}
		return start(ctx, log)
	}
	return p
}

// checkServices is what the backend meets before it can serve: the
// database its URL names, and the embedded Redis's authentication.
// "" = fine; otherwise why it never becomes ready or fails.
func (a *app) checkServices() (never string, fail error) {
	db := a.env["APPSMITH_DB_URL"]
	if strings.HasPrefix(db, "postgres://") {
		// run-java.sh knows only postgresql:, so it starts the MongoDB
		// backend against a PostgreSQL URL, which never connects.
		return "Waiting for MongoDB at " + redactedHost(db) + " ...", nil
	}
	redis := a.env["APPSMITH_REDIS_URL"]
	if !isLocalURL(redis) {
		return "", nil
	}
	given := ""
	if u, err := url.Parse(redis); err == nil && u.User != nil {
		given, _ = u.User.Password()
	}
	switch want := a.env["APPSMITH_REDIS_PASSWORD"]; {
	case !spec.RedisPassword(a.version) && given != "":
		return "", exitf(1, "backend: Redis: ERR AUTH <password> called without any password configured for the default user")
	case spec.RedisPassword(a.version) && given == "":
		return "", exitf(1, "backend: Redis: NOAUTH Authentication required")
	case spec.RedisPassword(a.version) && given != want:
		return "", exitf(1, "backend: Redis: WRONGPASS invalid username-password pair or user is disabled")
	}
	return "", nil
}

func redactedHost(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return "<unparseable>"
}
