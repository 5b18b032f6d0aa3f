package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

func envText(t *testing.T, l layout) string {
	t.Helper()
	b, err := os.ReadFile(l.stacks("configuration", "docker.env"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A fresh start writes what the version's template writes: MongoDB before
// v1.47, PostgreSQL (run as the postgres program, cluster in
// data/postgres/main) from it; from spec.RedisPassword on, a 13-character
// Redis password in the key and in the local URL.
func TestTemplatePerVersion(t *testing.T) {
	for _, c := range []struct {
		version, db string
		redisPW     bool
	}{{"v1.46", "mongodb://", false}, {"v1.47", "postgresql://", false}, {"v2.0.1", "postgresql://", true}} {
		t.Run(c.version, func(t *testing.T) {
			l := newRoot(t)
			code, out := startVersion(t, l, c.version)
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			text := envText(t, l)
			if !strings.Contains(text, "\nAPPSMITH_DB_URL="+c.db) {
				t.Errorf("template lacks a %s URL:\n%s", c.db, text)
			}
			_, err := os.Stat(l.stacks("data", "postgres", "main", "PG_VERSION"))
			if (c.db == "postgresql://") != (err == nil) {
				t.Errorf("PG_VERSION: %v", err)
			}
			m := regexp.MustCompile(`\nAPPSMITH_REDIS_PASSWORD=([A-Za-z0-9]{13})\n`).FindStringSubmatch(text)
			if (m != nil) != c.redisPW {
				t.Fatalf("Redis password written: %v, want %v:\n%s", m != nil, c.redisPW, text)
			}
			if m != nil && !strings.Contains(text, "\nAPPSMITH_REDIS_URL=redis://:"+m[1]+"@127.0.0.1:6379\n") {
				t.Errorf("the local Redis URL does not carry the password:\n%s", text)
			}
		})
	}
}

// The newer entrypoint's backfill, trap included.
func TestRedisPasswordBackfill(t *testing.T) {
	base := "APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\nAPPSMITH_DB_URL=postgresql://appsmith:pw@localhost:5432/appsmith\n"
	t.Run("absent: added, local URL rewritten", func(t *testing.T) {
		l := newRoot(t)
		writeEnvFile(t, l, base+"APPSMITH_REDIS_URL=redis://127.0.0.1:6379\n")
		if code, out := startVersion(t, l, "v2.0.1"); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		text := envText(t, l)
		m := regexp.MustCompile(`\nAPPSMITH_REDIS_PASSWORD=([A-Za-z0-9]{13})\n`).FindStringSubmatch(text)
		if m == nil || !strings.Contains(text, "APPSMITH_REDIS_URL=redis://:"+m[1]+"@127.0.0.1:6379\n") {
			t.Errorf("no backfill:\n%s", text)
		}
	})
	t.Run("external URL kept", func(t *testing.T) {
		l := newRoot(t)
		writeEnvFile(t, l, base+"APPSMITH_REDIS_URL=redis://redis.example.com:6379\n")
		setImage(t, l, "v2.0.1", spec.Config{BootDelay: "0s"})
		a := &app{l: l, con: &console{w: &syncBuffer{}}}
		if err := a.prepare(nil); err != nil {
			t.Fatal(err)
		}
		text := envText(t, l)
		if !strings.Contains(text, "\nAPPSMITH_REDIS_PASSWORD=") || !strings.Contains(text, "APPSMITH_REDIS_URL=redis://redis.example.com:6379\n") {
			t.Errorf("external Redis URL changed, or no password:\n%s", text)
		}
	})
	t.Run("mentioned in a comment: no backfill, Redis refuses to start", func(t *testing.T) {
		l := newRoot(t)
		text := base + "APPSMITH_REDIS_URL=redis://127.0.0.1:6379\n# APPSMITH_REDIS_PASSWORD is set by the entrypoint\n"
		writeEnvFile(t, l, text)
		code, out := startVersion(t, l, "v2.0.1")
		if code == 0 || !strings.Contains(out, "requirepass") {
			t.Errorf("exit %d, want Redis's refusal:\n%s", code, out)
		}
		if envText(t, l) != text {
			t.Error("the file was changed although it mentions the key")
		}
	})
	t.Run("the installer's own password: file untouched, starts", func(t *testing.T) {
		l := newRoot(t)
		pw := strings.Repeat("Ab3", 10) + "xy"
		text := base + "APPSMITH_REDIS_URL=redis://:" + pw + "@127.0.0.1:6379\nAPPSMITH_REDIS_PASSWORD=" + pw + "\n"
		writeEnvFile(t, l, text)
		if code, out := startVersion(t, l, "v2.0.1"); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		if envText(t, l) != text {
			t.Errorf("the file was changed:\n%s", envText(t, l))
		}
	})
	t.Run("a password for a Redis without one is refused", func(t *testing.T) {
		l := newRoot(t)
		writeEnvFile(t, l, base+"APPSMITH_REDIS_URL=redis://:pw@127.0.0.1:6379\nAPPSMITH_REDIS_PASSWORD=pw\n")
		if code, out := startVersion(t, l, "v1.99"); code == 0 || !strings.Contains(out, "without any password configured") {
			t.Errorf("exit %d, want the backend's AUTH failure:\n%s", code, out)
		}
	})
}

// run-java.sh knows only postgresql:: postgres:// starts the MongoDB backend
// against PostgreSQL, which never becomes ready.
func TestPostgresSchemeNeverReady(t *testing.T) {
	l := newRoot(t)
	writeEnvFile(t, l, "APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\n"+
		"APPSMITH_DB_URL=postgres://appsmith:pw@localhost:5432/appsmith\nAPPSMITH_REDIS_URL=redis://redis.example.com:6379\n")
	setImage(t, l, "v1.99", spec.Config{BootDelay: "0s"})
	r := startApp(t, l)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(r.out.String(), "Waiting for MongoDB") {
		if time.Now().After(deadline) {
			t.Fatalf("no wait for MongoDB:\n%s", r.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r.status("/api/v1/health") == 200 {
		t.Error("healthy on a postgres:// URL")
	}
	if _, err := os.Stat(l.stacks("data", "postgres", "main", "PG_VERSION")); err == nil {
		t.Error("postgres:// started the embedded PostgreSQL")
	}
	r.shutdown()
}
