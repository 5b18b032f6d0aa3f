package stacks

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const lostSalt = "APPSMITH_DB_URL=mongodb://appsmith:pw@localhost:27017/appsmith\nAPPSMITH_ENCRYPTION_PASSWORD=oldpassword\n"

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// A salt missing from the docker.env of an instance with data is refused,
// never regenerated; the copies that still hold it are named.
func TestCompleteEnvRefusesNewKeysForData(t *testing.T) {
	dir := t.TempDir()
	l := Layout{Root: filepath.Join(dir, "stacks")}
	if err := l.Ensure(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(l.MongoDir(), "WiredTiger"), "data")
	writeFile(t, l.DockerEnv()+".bak-20260101T000000Z", lostSalt+"APPSMITH_ENCRYPTION_SALT=oldsalt\n")
	writeFile(t, filepath.Join(dir, "backups", "tls-20260102T000000Z", "configuration", "docker.env"), lostSalt+"APPSMITH_ENCRYPTION_SALT=oldsalt\n")
	writeFile(t, filepath.Join(dir, "backups", "tls-20260103T000000Z", "configuration", "docker.env"), lostSalt) // lacks it too
	writeFile(t, filepath.Join(l.BackupDir(), "appsmith-backup-2026-01-01T00-00-00.000Z.tar.gz.enc"), "x")

	env := mustParse(t, lostSalt)
	before := string(env.Bytes())
	added, err := l.CompleteEnv(env, EnvOptions{})
	var lost *LostKeysError
	if !errors.As(err, &lost) {
		t.Fatalf("added %q, err %v: want a *LostKeysError", added, err)
	}
	if !slices.Equal(lost.Keys, []string{KeyEncryptionSalt}) || len(lost.Copies) != 2 || len(lost.Maybe) != 1 {
		t.Fatalf("keys %q copies %q maybe %q", lost.Keys, lost.Copies, lost.Maybe)
	}
	for _, c := range lost.Copies {
		if strings.Contains(c, "tls-20260103") {
			t.Errorf("%s lacks the salt but is named as a copy", c)
		}
	}
	msg := err.Error() + " " + lost.Hint()
	for _, want := range []string{KeyEncryptionSalt, l.MongoDir(), "docker.env.bak-20260101T000000Z", "tls-20260102T000000Z"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "oldsalt") || strings.Contains(msg, "oldpassword") {
		t.Errorf("message shows a secret: %s", msg)
	}
	if string(env.Bytes()) != before {
		t.Error("the refused completion changed the file")
	}
}

func TestCompleteEnvExternalDatabaseCountsAsData(t *testing.T) {
	l := Layout{Root: filepath.Join(t.TempDir(), "stacks")}
	for _, c := range []struct {
		file string
		opts EnvOptions
	}{
		{"APPSMITH_DB_URL=postgresql://u:p@db.example.net/appsmith\n", EnvOptions{}},
		{"", EnvOptions{DBURL: "mongodb://u:p@db.example.net/appsmith"}},
	} {
		var lost *LostKeysError
		if _, err := l.CompleteEnv(mustParse(t, c.file), c.opts); !errors.As(err, &lost) || len(lost.Keys) != 2 {
			t.Errorf("%q %+v: got %v, want both keys refused", c.file, c.opts, err)
		} else if !strings.Contains(lost.Hint(), "no copy found") {
			t.Errorf("hint %q", lost.Hint())
		}
	}
}

// A fresh instance (no database yet) still gets new keys.
func TestCompleteEnvFreshInstanceGetsKeys(t *testing.T) {
	l := Layout{Root: filepath.Join(t.TempDir(), "stacks")}
	if err := l.Ensure(); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(l.MongoDir(), 0o755); err != nil { // empty: the database was never started
		t.Fatal(err)
	}
	env := mustParse(t, "APPSMITH_DB_URL=mongodb://appsmith:pw@localhost:27017/appsmith\n")
	added, err := l.CompleteEnv(env, EnvOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range EncryptionKeys {
		if !slices.Contains(added, k) || !secretForm.MatchString(get(t, env, k)) {
			t.Errorf("%s not generated (added %q)", k, added)
		}
	}
}

// A docker.env gone from an instance with data is not replaced by one with
// new keys; a fresh dir, or one the caller knows nothing of, may get one.
func TestCheckNoEnv(t *testing.T) {
	dir := t.TempDir()
	l := Layout{Root: filepath.Join(dir, "stacks")}
	if err := l.CheckNoEnv(""); err != nil {
		t.Fatalf("fresh dir: %v", err)
	}
	var lost *LostKeysError
	if err := l.CheckNoEnv("appsmith.yaml records an installed instance"); !errors.As(err, &lost) || !lost.Absent {
		t.Fatalf("recorded instance: %v", err)
	}
	writeFile(t, filepath.Join(l.PostgresDir(), "PG_VERSION"), "14")
	copyPath := filepath.Join(dir, "backups", "tls-20260102T000000Z", "configuration", "docker.env")
	writeFile(t, copyPath, lostSalt+"APPSMITH_ENCRYPTION_SALT=oldsalt\n")
	err := l.CheckNoEnv("")
	if !errors.As(err, &lost) || len(lost.Copies) != 1 {
		t.Fatalf("postgres data: %v", err)
	}
	for _, want := range []string{"is missing", KeyEncryptionPassword, KeyEncryptionSalt, "data/postgres holds a database"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q: %v", want, err)
		}
	}
	if h := lost.Hint(); !strings.Contains(h, "cp -p "+copyPath+" "+l.DockerEnv()) {
		t.Errorf("hint %q", h)
	}
}
