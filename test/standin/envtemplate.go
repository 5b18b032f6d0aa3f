package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// generateSecret is `tr -dc A-Za-z0-9 </dev/urandom | head -c 13`.
func generateSecret() (string, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 13)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b), nil
}

// dockerEnvTemplate follows templates/docker.env.sh: the same keys in the
// same order. Arguments: DB user, DB password, encryption password, salt,
// supervisor password, then the database URL line and the Redis lines the
// image's version writes (templateDB, templateRedis).
const dockerEnvTemplate = `# Sentry
APPSMITH_SENTRY_DSN=

# Smart look
APPSMITH_SMART_LOOK_ID=

# Google OAuth
APPSMITH_OAUTH2_GOOGLE_CLIENT_ID=
APPSMITH_OAUTH2_GOOGLE_CLIENT_SECRET=

# Github OAuth
APPSMITH_OAUTH2_GITHUB_CLIENT_ID=
APPSMITH_OAUTH2_GITHUB_CLIENT_SECRET=

# Form Login/Signup
APPSMITH_FORM_LOGIN_DISABLED=
APPSMITH_SIGNUP_DISABLED=

# Segment
APPSMITH_SEGMENT_KEY=

#Client log level (debug | error)
APPSMITH_CLIENT_LOG_LEVEL=

# Email server
APPSMITH_MAIL_ENABLED=
APPSMITH_MAIL_HOST=
APPSMITH_MAIL_PORT=
APPSMITH_MAIL_USERNAME=
APPSMITH_MAIL_PASSWORD=
APPSMITH_MAIL_FROM=
APPSMITH_REPLY_TO=

# Email server feature toggles
# true | false values
APPSMITH_MAIL_SMTP_AUTH=
APPSMITH_MAIL_SMTP_TLS_ENABLED=

# Disable all telemetry
# Note: This only takes effect in self-hosted scenarios.
APPSMITH_DISABLE_TELEMETRY=false

# Google Recaptcha Config
APPSMITH_RECAPTCHA_SITE_KEY=
APPSMITH_RECAPTCHA_SECRET_KEY=
APPSMITH_RECAPTCHA_ENABLED=

%[6]s

%[7]s

APPSMITH_ENCRYPTION_PASSWORD=%[3]s
APPSMITH_ENCRYPTION_SALT=%[4]s

APPSMITH_CUSTOM_DOMAIN=

# Java command line arguments, as space-delimited string. Ex: "-Xms800M -Xmx800M"
APPSMITH_JAVA_ARGS=

APPSMITH_SUPERVISOR_USER=appsmith
APPSMITH_SUPERVISOR_PASSWORD=%[5]s

# Space separated list of addresses allowed to load Appsmith in a frame.
APPSMITH_ALLOWED_FRAME_ANCESTORS="'self' *"

APPSMITH_DISABLE_IFRAME_WIDGET_SANDBOX=false

`

// templateDB is the database URL line of image v's template: embedded
// PostgreSQL from v1.47, MongoDB before.
func templateDB(v spec.Version, user, password string) string {
	if spec.TemplateDB(v) == "postgresql" {
		return "APPSMITH_DB_URL=postgresql://" + user + ":" + password + "@localhost:5432/appsmith"
	}
	return "APPSMITH_DB_URL=mongodb://" + user + ":" + password + "@localhost/appsmith"
}

// templateRedis is the Redis part of image v's template: with a password
// in the URL and beside it when its Redis runs with requirepass.
func templateRedis(v spec.Version, password string) string {
	if !spec.RedisPassword(v) {
		return "APPSMITH_REDIS_URL=redis://127.0.0.1:6379"
	}
	return "APPSMITH_REDIS_URL=redis://:" + password + "@127.0.0.1:6379\nAPPSMITH_REDIS_PASSWORD=" + password
}

// initEnvFile writes configuration/docker.env only when it does not exist,
// exactly the real entrypoint's rule: an existing file is never regenerated,
// only given the Redis password (backfillRedisPassword). The real one
// redirects the template into the file under root's umask, so the file
// ends up 0644.
func initEnvFile(l layout, con *console, v spec.Version) error {
	path := l.stacks("configuration", "docker.env")
	con.Printf("Initialize .env file")
	// `[[ -e ]]`: follows symlinks, as os.Stat does.
	if _, err := os.Stat(path); err == nil {
		con.Printf("Configuration file already exists")
		if spec.RedisPassword(v) {
			return backfillRedisPassword(path)
		}
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	con.Printf("Generating default configuration file")
	var s [5]string
	for i := range s {
		v, err := generateSecret()
		if err != nil {
			return err
		}
		s[i] = v
	}
	if err := os.MkdirAll(l.stacks("configuration"), 0o755); err != nil {
		return err
	}
	text := fmt.Sprintf(dockerEnvTemplate, "appsmith", s[0], s[1], s[2], s[3], templateDB(v, "appsmith", s[0]), templateRedis(v, s[4]))
	return os.WriteFile(path, []byte(text), 0o644)
}

// backfillRedisPassword is the newer entrypoint's backfill, trap included:
// only when the text APPSMITH_REDIS_PASSWORD appears NOWHERE in the file
// (`grep -q`: a comment or an empty value disables it) does it append a
// 13-character password and, when the last APPSMITH_REDIS_URL line names
// localhost or 127.0.0.1, rewrite every such line (`sed -i`) to the local
// URL with that password.
func backfillRedisPassword(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(b)
	if strings.Contains(text, "APPSMITH_REDIS_PASSWORD") {
		return nil
	}
	pw, err := generateSecret()
	if err != nil {
		return err
	}
	text += "\nAPPSMITH_REDIS_PASSWORD=" + pw + "\n"
	lines := strings.Split(text, "\n")
	current := ""
	for _, line := range lines {
		if v, ok := strings.CutPrefix(line, "APPSMITH_REDIS_URL="); ok {
			current = v
		}
	}
	if isLocalURL(current) {
		for i, line := range lines {
			if strings.HasPrefix(line, "APPSMITH_REDIS_URL=") {
				lines[i] = "APPSMITH_REDIS_URL=redis://:" + pw + "@127.0.0.1:6379"
			}
		}
	}
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}

// loadEnv is `set -o allexport; . docker.env; . pre-define.env`: docker.env
// overrides the container environment, then the container's APPSMITH_* and
// MONGO_* variables override docker.env.
func loadEnv(l layout, con *console, environ []string) (map[string]string, error) {
	con.Printf("Load environment configuration")
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	src, err := os.ReadFile(l.stacks("configuration", "docker.env"))
	if err != nil {
		return nil, exitf(1, "%v", err)
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	assigned, err := parseEnvFile(string(src), lookup)
	if err != nil {
		var ee *envFileError
		if errors.As(err, &ee) {
			return nil, exitf(ee.Code, "%s/%s", l.stacks("configuration"), ee.Error())
		}
		return nil, err
	}
	for _, a := range assigned {
		env[a.Key] = a.Value
	}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && (strings.HasPrefix(k, "APPSMITH_") || strings.HasPrefix(k, "MONGO_")) {
			env[k] = v
		}
	}
	// Older installs name the database URL APPSMITH_MONGODB_URI.
	if env["APPSMITH_DB_URL"] == "" && env["APPSMITH_MONGODB_URI"] != "" {
		env["APPSMITH_DB_URL"] = env["APPSMITH_MONGODB_URI"]
	}
	return env, nil
}

func isLocalURL(u string) bool {
	return strings.Contains(u, "localhost") || strings.Contains(u, "127.0.0.1")
}

func usesLocalMongo(env map[string]string) bool {
	u := env["APPSMITH_DB_URL"]
	return (strings.HasPrefix(u, "mongodb://") || strings.HasPrefix(u, "mongodb+srv://")) && isLocalURL(u)
}
