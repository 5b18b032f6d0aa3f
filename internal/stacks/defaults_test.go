package stacks

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// templateKeys are the keys of Appsmith's templates/docker.env.sh, in order.
var templateKeys = []string{
	"APPSMITH_SENTRY_DSN", "APPSMITH_SMART_LOOK_ID",
	"APPSMITH_OAUTH2_GOOGLE_CLIENT_ID", "APPSMITH_OAUTH2_GOOGLE_CLIENT_SECRET",
	"APPSMITH_OAUTH2_GITHUB_CLIENT_ID", "APPSMITH_OAUTH2_GITHUB_CLIENT_SECRET",
	"APPSMITH_FORM_LOGIN_DISABLED", "APPSMITH_SIGNUP_DISABLED", "APPSMITH_SEGMENT_KEY",
	"APPSMITH_ALGOLIA_API_ID", "APPSMITH_ALGOLIA_API_KEY", "APPSMITH_ALGOLIA_SEARCH_INDEX_NAME",
	"APPSMITH_CLIENT_LOG_LEVEL",
	"APPSMITH_MAIL_ENABLED", "APPSMITH_MAIL_HOST", "APPSMITH_MAIL_PORT", "APPSMITH_MAIL_USERNAME",
	"APPSMITH_MAIL_PASSWORD", "APPSMITH_MAIL_FROM", "APPSMITH_REPLY_TO",
	"APPSMITH_MAIL_SMTP_AUTH", "APPSMITH_MAIL_SMTP_TLS_ENABLED",
	"APPSMITH_DISABLE_TELEMETRY",
	"APPSMITH_RECAPTCHA_SITE_KEY", "APPSMITH_RECAPTCHA_SECRET_KEY", "APPSMITH_RECAPTCHA_ENABLED",
	"APPSMITH_DB_URL", "APPSMITH_MONGODB_URI", "APPSMITH_MONGODB_USER", "APPSMITH_MONGODB_PASSWORD", "APPSMITH_API_BASE_URL",
	"APPSMITH_REDIS_URL", "APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT",
	"APPSMITH_CUSTOM_DOMAIN", "APPSMITH_JAVA_ARGS", "APPSMITH_SUPERVISOR_USER", "APPSMITH_SUPERVISOR_PASSWORD",
	"APPSMITH_ALLOWED_FRAME_ANCESTORS", "APPSMITH_DISABLE_IFRAME_WIDGET_SANDBOX",
}

var secretForm = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)

func get(t *testing.T, env *EnvFile, key string) string {
	t.Helper()
	v, ok := env.Get(key)
	if !ok {
		t.Fatalf("%s missing", key)
	}
	return v
}

func TestDefaultEnv(t *testing.T) {
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(templateKeys), func(k string) bool { return slices.Contains(drop, k) })
	}
	tests := []struct {
		name      string
		opts      EnvOptions
		keys      []string
		dbURL     *regexp.Regexp
		redisURL  string
		telemetry string
	}{
		{"embedded", EnvOptions{}, templateKeys,
			regexp.MustCompile(`^mongodb://appsmith:([A-Za-z0-9]{32})@localhost:27017/appsmith$`), "redis://127.0.0.1:6379", "false"},
		{"external and options", EnvOptions{
			DBURL:            "mongodb+srv://u:p'w d@cluster.example.net/appsmith?retryWrites=true",
			RedisURL:         "rediss://:pw@redis.example.net:6380",
			CustomDomain:     "appsmith.example.com",
			DisableTelemetry: true,
		}, without(KeyMongoDBUser, KeyMongoDBPassword),
			regexp.MustCompile(`^mongodb\+srv://u:p'w d@cluster\.example\.net/appsmith\?retryWrites=true$`), "rediss://:pw@redis.example.net:6380", "true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, err := DefaultEnv(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := env.Keys(); !reflect.DeepEqual(got, tt.keys) {
				t.Errorf("keys:\n got %q\nwant %q", got, tt.keys)
			}
			m := tt.dbURL.FindStringSubmatch(get(t, env, KeyDBURL))
			if m == nil {
				t.Errorf("DB URL %q does not match %v", Redact(KeyDBURL, get(t, env, KeyDBURL)), tt.dbURL)
			} else if len(m) > 1 && get(t, env, KeyMongoDBPassword) != m[1] {
				t.Error("APPSMITH_MONGODB_PASSWORD differs from the password in APPSMITH_DB_URL")
			}
			if got := get(t, env, KeyRedisURL); got != tt.redisURL {
				t.Errorf("redis URL = %q", got)
			}
			if got := get(t, env, KeyCustomDomain); got != tt.opts.CustomDomain {
				t.Errorf("custom domain = %q", got)
			}
			if got := get(t, env, KeyDisableTelemetry); got != tt.telemetry {
				t.Errorf("telemetry = %q", got)
			}
			if got := get(t, env, "APPSMITH_ALLOWED_FRAME_ANCESTORS"); got != "'self' *" {
				t.Errorf("frame ancestors = %q", got)
			}
			secrets := map[string]bool{}
			for _, k := range []string{KeyEncryptionPassword, KeyEncryptionSalt, KeySupervisorPassword} {
				s := get(t, env, k)
				if !secretForm.MatchString(s) || secrets[s] {
					t.Errorf("%s is not a fresh 32-character secret", k)
				}
				secrets[s] = true
			}
			// What bash reads is what we think we wrote.
			bash := bashEnv(t, env.Bytes(), env.Keys()...)
			for _, k := range env.Keys() {
				if got := get(t, env, k); bash[k] != got {
					t.Errorf("%s: bash reads %q, we read %q", k, bash[k], got)
				}
			}
			if err := env.CheckStrict(); err != nil {
				t.Errorf("newer Appsmith images would refuse it: %v", err)
			}
			head := string(env.Bytes()[:300])
			if !strings.HasPrefix(head, "# ") || !strings.Contains(head, "appsmith-install") || !strings.Contains(head, "secrets") {
				t.Errorf("header does not say who wrote it and that it holds secrets:\n%s", head)
			}
		})
	}
}

func TestDefaultEnvFreshSecrets(t *testing.T) {
	a, err := DefaultEnv(EnvOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := DefaultEnv(EnvOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{KeyEncryptionPassword, KeyEncryptionSalt, KeySupervisorPassword, KeyMongoDBPassword} {
		if get(t, a, k) == get(t, b, k) {
			t.Errorf("%s repeats between installs", k)
		}
	}
	if get(t, a, KeyMongoDBPassword) == get(t, a, KeyEncryptionPassword) {
		t.Error("one secret reused for two purposes")
	}
}

func TestDefaultEnvRejectsControlCharacters(t *testing.T) {
	_, err := DefaultEnv(EnvOptions{CustomDomain: "a.example.com\nAPPSMITH_X=1"})
	if err == nil || !strings.Contains(err.Error(), KeyCustomDomain) || strings.Contains(err.Error(), "a.example.com") {
		t.Fatalf("got %v, want an error naming the key and not the value", err)
	}
	if _, err := complete(mustParse(t, ""), EnvOptions{DBURL: "x\ny"}); err == nil {
		t.Fatal("Complete accepted a value with a newline")
	}
}

func TestCompleteLeavesACompleteFileAlone(t *testing.T) {
	data, err := os.ReadFile("testdata/docker.env")
	if err != nil {
		t.Fatal(err)
	}
	env := mustParse(t, string(data))
	added, err := complete(env, EnvOptions{DBURL: "postgresql://other/x", CustomDomain: "other.example.com", DisableTelemetry: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(added) != 0 || string(env.Bytes()) != string(data) {
		t.Errorf("added %q to a complete file", added)
	}
}

// A MongoDB URL goes under both names: v1.9-era entrypoints read only
// APPSMITH_MONGODB_URI and would otherwise take the embedded database for
// an external one that does not exist.
func TestDefaultEnvWritesTheLegacyMongoName(t *testing.T) {
	for _, c := range []struct {
		db     string
		legacy bool
	}{{"", true}, {"mongodb://u:p@db.example.com:27017/appsmith", true}, {"postgresql://u:p@db.example.com/appsmith", false}} {
		env, err := DefaultEnv(EnvOptions{DBURL: c.db})
		if err != nil {
			t.Fatal(err)
		}
		url, _ := env.Get(KeyDBURL)
		legacy, has := env.Get(KeyMongoDBURI)
		if has != c.legacy || (has && legacy != url) {
			t.Errorf("db %q: APPSMITH_MONGODB_URI present=%v value matches=%v", c.db, has, legacy == url)
		}
		if env.DBURL() != url {
			t.Errorf("db %q: DBURL() %q != APPSMITH_DB_URL %q", c.db, env.DBURL(), url)
		}
		if err := env.CheckStrict(); err != nil {
			t.Errorf("db %q: newer images would refuse the file: %v", c.db, err)
		}
	}
}

// A docker.env that lost its database URL is completed with the database
// that holds the data: MongoDB data stays on MongoDB even when the version's
// default is PostgreSQL; without data, the one asked for.
func TestCompleteEnvKeepsTheDatabaseOfTheData(t *testing.T) {
	for _, c := range []struct {
		mongoData bool
		scheme    string
	}{{true, "mongodb://"}, {false, "postgresql://"}} {
		l := Layout{Root: t.TempDir()}
		if c.mongoData {
			if err := os.MkdirAll(l.MongoDir(), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(l.MongoDir()+"/WiredTiger", []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		env, err := ParseEnv([]byte("APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.CompleteEnv(env, EnvOptions{EmbeddedDB: EmbeddedPostgreSQL}); err != nil {
			t.Fatal(err)
		}
		if u := env.DBURL(); !strings.HasPrefix(u, c.scheme) {
			t.Errorf("mongo data %v: completed with %q, want %s", c.mongoData, Redact(KeyDBURL, u), c.scheme)
		}
	}
}

// With the Redis password, a local --redis-url is the embedded Redis: the
// URL written carries the password, or the entrypoint's requirepass would
// lock the backend out (it never rewrites a file that names the key).
func TestDefaultEnvLocalRedisURLCarriesThePassword(t *testing.T) {
	for given, want := range map[string]string{
		"":                                 "",
		"redis://localhost:6379":           "",
		"redis://:MyOwnPassword@127.0.0.1": "MyOwnPassword",
	} {
		env, err := DefaultEnv(EnvOptions{RedisURL: given, RedisPassword: true})
		if err != nil {
			t.Fatal(err)
		}
		pw := get(t, env, KeyRedisPassword)
		if (want == "" && !secretForm.MatchString(pw)) || (want != "" && pw != want) {
			t.Errorf("%q: APPSMITH_REDIS_PASSWORD not the expected one", given)
		}
		if got := get(t, env, KeyRedisURL); got != EmbeddedRedisURL(pw) {
			t.Errorf("%q: URL %q does not carry the password", given, Redact(KeyRedisURL, got))
		}
	}
	env, err := DefaultEnv(EnvOptions{RedisURL: "rediss://:pw@redis.example.net:6380", RedisPassword: true})
	if err != nil {
		t.Fatal(err)
	}
	if get(t, env, KeyRedisURL) != "rediss://:pw@redis.example.net:6380" {
		t.Error("an external Redis URL was changed")
	}
	env, err = DefaultEnv(EnvOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(env.Bytes()), KeyRedisPassword) {
		t.Error("without the gate the key must appear nowhere: it would disable the entrypoint's backfill")
	}
}
