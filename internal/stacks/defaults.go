package stacks

import (
	"fmt"
	"net/url"
	"strings"
)

// docker.env keys this project reads or writes.
const (
	KeyDBURL              = "APPSMITH_DB_URL"
	KeyMongoDBURI         = "APPSMITH_MONGODB_URI" // legacy name of APPSMITH_DB_URL
	KeyMongoDBUser        = "APPSMITH_MONGODB_USER"
	KeyMongoDBPassword    = "APPSMITH_MONGODB_PASSWORD"
	KeyRedisURL           = "APPSMITH_REDIS_URL"
	KeyEncryptionPassword = "APPSMITH_ENCRYPTION_PASSWORD"
	KeyEncryptionSalt     = "APPSMITH_ENCRYPTION_SALT"
	KeyCustomDomain       = "APPSMITH_CUSTOM_DOMAIN"
	KeySupervisorUser     = "APPSMITH_SUPERVISOR_USER"
	KeySupervisorPassword = "APPSMITH_SUPERVISOR_PASSWORD"
	KeyDisableTelemetry   = "APPSMITH_DISABLE_TELEMETRY"
	KeyRedisPassword      = "APPSMITH_REDIS_PASSWORD"
)

// The embedded databases an install can ask for (EnvOptions.EmbeddedDB).
const (
	EmbeddedPostgreSQL = "postgresql"
	EmbeddedMongoDB    = "mongodb"
)

const (
	embeddedMongoUser = "appsmith"
	embeddedRedisURL  = "redis://127.0.0.1:6379"
)

// EnvOptions are the choices of an install that land in docker.env.
type EnvOptions struct {
	DBURL    string // external database; empty = the embedded one EmbeddedDB names
	RedisURL string // external Redis; empty = the embedded one
	// EmbeddedDB is the embedded database when DBURL is empty:
	// EmbeddedPostgreSQL, or EmbeddedMongoDB (also for "").
	EmbeddedDB string
	// RedisPassword writes APPSMITH_REDIS_PASSWORD and, for the embedded
	// Redis, the URL that carries it: only for images whose entrypoint runs
	// Redis with requirepass (releases.WritesRedisPassword).
	RedisPassword    bool
	CustomDomain     string // bare host name; empty = none (e.g. behind a proxy)
	DisableTelemetry bool
}

func (o EnvOptions) check() error {
	for _, kv := range [][2]string{{KeyDBURL, o.DBURL}, {KeyRedisURL, o.RedisURL}, {KeyCustomDomain, o.CustomDomain}} {
		if err := CheckValue(kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// embeddedPostgresURL is the URL Appsmith's template writes for the embedded
// PostgreSQL; the entrypoint creates that user with that password on first boot.
func embeddedPostgresURL(password string) string {
	return "postgresql://" + url.UserPassword(embeddedMongoUser, password).String() + "@localhost:5432/appsmith"
}

// EmbeddedRedisURL is the URL of the embedded Redis, with its password when
// it has one: what newer entrypoints write (redis://:<password>@127.0.0.1:6379).
func EmbeddedRedisURL(password string) string {
	if password == "" {
		return embeddedRedisURL
	}
	return "redis://" + url.UserPassword("", password).String() + "@127.0.0.1:6379"
}

// embeddedMongoURL is the URL Appsmith's template writes for the embedded
// MongoDB. The entrypoint creates that user from APPSMITH_MONGODB_USER and
// APPSMITH_MONGODB_PASSWORD on first boot, so the three must agree.
func embeddedMongoURL(user, password string) string {
	return "mongodb://" + url.UserPassword(user, password).String() + "@localhost:27017/appsmith"
}

// DefaultEnv builds the docker.env of a fresh install: the keys, order and
// comments of Appsmith's own template (deploy/docker/fs/opt/appsmith/
// templates/docker.env.sh), with new, longer secrets and the options applied.
//
// APPSMITH_REDIS_PASSWORD is written only with opts.RedisPassword, and then
// always with a value. Otherwise the key appears nowhere in the file, not
// even in a comment: newer entrypoints add it (and put it into the embedded
// Redis URL) only when the text is absent, and Redis 7 refuses to start with
// an empty requirepass; older images, whose Redis has no password, would
// refuse a URL that carries one. The template's commented-out PostgreSQL URL
// is left out too: in Appsmith's file it repeats the database password.
func DefaultEnv(opts EnvOptions) (*EnvFile, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	var secrets [5]string
	for i := range secrets {
		s, err := NewSecret()
		if err != nil {
			return nil, err
		}
		secrets[i] = s
	}
	dbPassword, encPassword, encSalt, supervisorPassword, redisPassword := secrets[0], secrets[1], secrets[2], secrets[3], secrets[4]

	dbURL, mongoCredentials := opts.DBURL, ""
	if dbURL == "" && opts.EmbeddedDB == EmbeddedPostgreSQL {
		dbURL = embeddedPostgresURL(dbPassword)
	}
	if dbURL == "" {
		dbURL = embeddedMongoURL(embeddedMongoUser, dbPassword)
		mongoCredentials = KeyMongoDBUser + "=" + embeddedMongoUser + "\n" +
			KeyMongoDBPassword + "=" + Quote(dbPassword) + "\n"
	}
	if strings.HasPrefix(dbURL, "mongodb") {
		// Images of the v1.9 era read only the legacy name; newer ones take
		// it as an alias of APPSMITH_DB_URL. The same value under both names
		// works with every image an install may start, or be upgraded from.
		mongoCredentials = KeyMongoDBURI + "=" + Quote(dbURL) + "\n" + mongoCredentials
	}
	redisURL, redisLine := opts.RedisURL, ""
	if !opts.RedisPassword {
		redisPassword = ""
	} else {
		redisLine = KeyRedisPassword + "=" + Quote(redisPassword) + "\n"
	}
	// A local URL is the embedded Redis to the entrypoint, which runs it
	// with requirepass APPSMITH_REDIS_PASSWORD: the URL must carry that
	// password (one given in the URL is kept as the password).
	if opts.RedisPassword && IsLocalRedis(redisURL) {
		if u, err := url.Parse(redisURL); err == nil && u.User != nil {
			if p, ok := u.User.Password(); ok && p != "" {
				redisPassword = p
				redisLine = KeyRedisPassword + "=" + Quote(p) + "\n"
			}
		}
		redisURL = ""
	}
	if redisURL == "" {
		redisURL = EmbeddedRedisURL(redisPassword)
	}
	text := strings.NewReplacer(
		"@DB_URL@", Quote(dbURL),
		"@MONGO_CREDENTIALS@\n", mongoCredentials,
		"@REDIS_URL@", Quote(redisURL),
		"@REDIS_PASSWORD@\n", redisLine,
		"@ENCRYPTION_PASSWORD@", Quote(encPassword),
		"@ENCRYPTION_SALT@", Quote(encSalt),
		"@CUSTOM_DOMAIN@", Quote(opts.CustomDomain),
		"@SUPERVISOR_PASSWORD@", Quote(supervisorPassword),
		"@DISABLE_TELEMETRY@", fmt.Sprint(opts.DisableTelemetry),
	).Replace(defaultTemplate)
	env, err := ParseEnv([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("default docker.env: %w", err) // a bug: the template is ours
	}
	return env, nil
}

// complete adds to an existing docker.env the keys a working instance needs
// and the file lacks, and returns their names (never their values). It
// never changes a value that is present, even an empty one, and never
// regenerates a secret. Optional placeholders of the template are not
// added: they change nothing, except APPSMITH_ALLOWED_FRAME_ANCESTORS, whose
// template value would loosen a policy the user may rely on.
//
// It is reached only through Layout.CompleteEnv, which refuses first when
// an encryption key is missing from an instance that holds data.
func complete(env *EnvFile, opts EnvOptions) (added []string, err error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	type kv struct{ key, value string }
	var add []kv
	missing := func(key string) bool { return !env.Has(key) }
	secret := func(key string) error {
		if !missing(key) {
			return nil
		}
		s, err := NewSecret()
		add = append(add, kv{key, s})
		return err
	}

	switch {
	case missing(KeyDBURL) && missing(KeyMongoDBURI) && opts.DBURL != "":
		add = append(add, kv{KeyDBURL, opts.DBURL})
	case missing(KeyDBURL) && missing(KeyMongoDBURI) && opts.EmbeddedDB == EmbeddedPostgreSQL:
		password, err := NewSecret()
		if err != nil {
			return nil, err
		}
		add = append(add, kv{KeyDBURL, embeddedPostgresURL(password)})
	case missing(KeyDBURL) && missing(KeyMongoDBURI):
		// Reuse credentials the file already names, so the URL matches the
		// user the entrypoint creates (or created) from them.
		user, _ := env.Get(KeyMongoDBUser)
		if missing(KeyMongoDBUser) {
			user = embeddedMongoUser
			add = append(add, kv{KeyMongoDBUser, user})
		}
		password, _ := env.Get(KeyMongoDBPassword)
		if missing(KeyMongoDBPassword) {
			if password, err = NewSecret(); err != nil {
				return nil, err
			}
			add = append(add, kv{KeyMongoDBPassword, password})
		}
		add = append([]kv{{KeyDBURL, embeddedMongoURL(user, password)}}, add...)
	default:
		// The entrypoint creates the embedded MongoDB user from these two
		// keys; if only the URL names it, take them from there.
		if u, err := url.Parse(env.DBURL()); err == nil && isLocalMongo(u) && u.User != nil {
			if missing(KeyMongoDBUser) {
				add = append(add, kv{KeyMongoDBUser, u.User.Username()})
			}
			if p, ok := u.User.Password(); ok && missing(KeyMongoDBPassword) {
				add = append(add, kv{KeyMongoDBPassword, p})
			}
		}
	}
	if missing(KeyRedisURL) {
		redisURL := opts.RedisURL
		if redisURL == "" {
			redisURL = embeddedRedisURL
		}
		add = append(add, kv{KeyRedisURL, redisURL})
	}
	for _, key := range []string{KeyEncryptionPassword, KeyEncryptionSalt} {
		if err := secret(key); err != nil {
			return nil, err
		}
	}
	if opts.CustomDomain != "" && missing(KeyCustomDomain) {
		add = append(add, kv{KeyCustomDomain, opts.CustomDomain})
	}
	if missing(KeySupervisorUser) {
		add = append(add, kv{KeySupervisorUser, "appsmith"})
	}
	if err := secret(KeySupervisorPassword); err != nil {
		return nil, err
	}
	if opts.DisableTelemetry && missing(KeyDisableTelemetry) {
		add = append(add, kv{KeyDisableTelemetry, "true"})
	}

	if len(add) == 0 {
		return nil, nil
	}
	env.appendComment("Added by appsmith-install: keys this file was missing.")
	for _, a := range add {
		env.Set(a.key, a.value)
		added = append(added, a.key)
	}
	return added, nil
}

// isLocalMongo mirrors the entrypoint: a mongodb URL naming localhost or
// 127.0.0.1 means the embedded MongoDB.
func isLocalMongo(u *url.URL) bool {
	return strings.HasPrefix(u.Scheme, "mongodb") &&
		(strings.Contains(u.Host, "localhost") || strings.Contains(u.Host, "127.0.0.1"))
}
