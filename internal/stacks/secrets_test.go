package stacks

import (
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	counts := map[rune]int{}
	seen := map[string]bool{}
	const n = 2000
	for i := 0; i < n; i++ {
		s, err := NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		if !secretForm.MatchString(s) {
			t.Fatalf("secret %q is not 32 alphanumerics", s)
		}
		if seen[s] {
			t.Fatal("a secret repeated")
		}
		seen[s] = true
		for _, r := range s {
			counts[r]++
		}
	}
	// 64000 characters over 62 symbols: about 1032 each, σ ≈ 32. A modulo
	// bias would put the first eight near 1290 and the rest near 1000; a
	// broken generator would leave symbols out. ±20% is > 6σ either way.
	for _, r := range secretAlphabet {
		if c := counts[r]; c < 825 || c > 1240 {
			t.Errorf("%q appeared %d times, want about 1032", r, c)
		}
	}
}

func TestIsSecret(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{KeyEncryptionPassword, true}, {KeyEncryptionSalt, true}, {KeySupervisorPassword, true},
		{KeyDBURL, true}, {KeyMongoDBURI, true}, {KeyRedisURL, true}, {KeyMongoDBPassword, true},
		{"APPSMITH_MAIL_PASSWORD", true}, {"APPSMITH_OAUTH2_GOOGLE_CLIENT_SECRET", true},
		{"APPSMITH_OAUTH2_OIDC_CLIENT_SECRET", true}, {"APPSMITH_RECAPTCHA_SECRET_KEY", true},
		{"APPSMITH_BACKUP_ARCHIVE_PASSWORD", true}, {"APPSMITH_REDIS_PASSWORD", true},
		{"APPSMITH_MCP_INTERNAL_SECRET", true}, {"KEYCLOAK_ADMIN_PASSWORD", true},
		{"APPSMITH_SOMETHING_API_KEY", true}, {"APPSMITH_GIT_TOKEN", true},
		{KeyCustomDomain, false}, {KeySupervisorUser, false}, {KeyMongoDBUser, false},
		{"APPSMITH_MAIL_HOST", false}, {"APPSMITH_DISABLE_TELEMETRY", false},
		{"APPSMITH_OAUTH2_GOOGLE_CLIENT_ID", false},
	}
	for _, tt := range tests {
		if got := IsSecret(tt.key); got != tt.want {
			t.Errorf("IsSecret(%s) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ key, value, want string }{
		{KeyEncryptionPassword, "abc", Redacted},
		{KeyEncryptionPassword, "", ""},
		{KeyEncryptionPassword, "a://b:c@d", Redacted}, // not a URL key: all hidden
		{"APPSMITH_MAIL_HOST", "smtp.example.com", "smtp.example.com"},
		{KeyDBURL, "mongodb://appsmith:s3cret@localhost:27017/appsmith", "mongodb://appsmith:" + Redacted + "@localhost:27017/appsmith"},
		{KeyDBURL, "mongodb://u:p@h1:27017,h2:27017/db?replicaSet=rs0", "mongodb://u:" + Redacted + "@h1:27017,h2:27017/db?replicaSet=rs0"},
		{KeyDBURL, "mongodb://u:p@w@h/db", "mongodb://u:" + Redacted + "@h/db"},
		{KeyDBURL, "postgresql://db/x?user=u&password=p", "postgresql://db/x?" + Redacted},
		{KeyRedisURL, "redis://127.0.0.1:6379", "redis://127.0.0.1:6379"},
		{KeyRedisURL, "redis://:pw@127.0.0.1:6379", "redis://:" + Redacted + "@127.0.0.1:6379"},
		{KeyRedisURL, "redis://token@r:6379", "redis://" + Redacted + "@r:6379"},
		{KeyDBURL, "not a url", Redacted},
		{"APPSMITH_SENTRY_DSN", "https://pub@sentry.io/1", "https://pub@sentry.io/1"},
		{"APPSMITH_SOME_URL", "https://u:p@example.com/", "https://u:" + Redacted + "@example.com/"},
	}
	for _, tt := range tests {
		got := Redact(tt.key, tt.value)
		if got != tt.want {
			t.Errorf("Redact(%s, %q) = %q, want %q", tt.key, tt.value, got, tt.want)
		}
		if tt.want != tt.value && strings.Contains(got, "s3cret") {
			t.Errorf("Redact leaked a secret: %q", got)
		}
	}
}
