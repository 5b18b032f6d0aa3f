//go:build unix

package stacks

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestLayoutPaths(t *testing.T) {
	l := Layout{Root: "/opt/appsmith/stacks"}
	tests := []struct{ got, want string }{
		{l.DockerEnv(), "/opt/appsmith/stacks/configuration/docker.env"},
		{l.ConfigurationDir(), "/opt/appsmith/stacks/configuration"},
		{l.MongoDir(), "/opt/appsmith/stacks/data/mongodb"},
		{l.PostgresDir(), "/opt/appsmith/stacks/data/postgres/main"},
		{l.RedisDir(), "/opt/appsmith/stacks/data/redis"},
		{l.CaddyDir(), "/opt/appsmith/stacks/data/caddy"},
		{l.BackupDir(), "/opt/appsmith/stacks/data/backup"},
		{l.SSLDir(), "/opt/appsmith/stacks/ssl"},
		{l.FullchainPEM(), "/opt/appsmith/stacks/ssl/fullchain.pem"},
		{l.PrivkeyPEM(), "/opt/appsmith/stacks/ssl/privkey.pem"},
		{l.CACertsDir(), "/opt/appsmith/stacks/ca-certs"},
		{l.GitStorageDir(), "/opt/appsmith/stacks/git-storage"},
		{l.LogsDir("backend"), "/opt/appsmith/stacks/logs/backend"},
		{l.LogsDir("../../etc"), "/opt/appsmith/stacks/logs/.._.._etc"},
		{l.LogsDir(".."), "/opt/appsmith/stacks/logs/_"},
		{l.LogsDir(""), "/opt/appsmith/stacks/logs/_"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}

func TestEnsure(t *testing.T) {
	old := syscall.Umask(0o077) // created modes must not depend on the umask
	defer syscall.Umask(old)

	l := Layout{Root: filepath.Join(t.TempDir(), "install", "stacks")}
	if l.Complete() {
		t.Fatal("Complete before Ensure")
	}
	if err := l.Ensure(); err != nil {
		t.Fatal(err)
	}
	if !l.Complete() {
		t.Fatal("not Complete after Ensure")
	}
	modes := map[string]os.FileMode{
		l.Root: 0o755, l.ConfigurationDir(): 0o700, filepath.Join(l.Root, "data"): 0o755,
		l.BackupDir(): 0o755, l.SSLDir(): 0o755, l.CACertsDir(): 0o755, l.GitStorageDir(): 0o755,
		filepath.Join(l.Root, "logs"): 0o755,
	}
	for p, want := range modes {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want directory %v", p, fi, err, want)
		}
	}
	if l.HasData() {
		t.Error("a fresh skeleton must not count as data")
	}

	// Existing content and modes survive a second run.
	if err := l.WriteEnv(mustParse(t, "APPSMITH_X=1\n")); err != nil {
		t.Fatal(err)
	}
	cert := []byte("-----BEGIN CERTIFICATE-----\n")
	if err := os.WriteFile(l.FullchainPEM(), cert, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(l.SSLDir(), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := l.Ensure(); err != nil {
		t.Fatal(err)
	}
	if env, err := l.ReadEnv(); err != nil || string(env.Bytes()) != "APPSMITH_X=1\n" {
		t.Errorf("docker.env changed: %v", err)
	}
	if fi, _ := os.Stat(l.DockerEnv()); fi.Mode().Perm() != 0o600 {
		t.Errorf("docker.env mode %v, want 0600", fi.Mode().Perm())
	}
	if got, _ := os.ReadFile(l.FullchainPEM()); string(got) != string(cert) {
		t.Error("certificate changed")
	}
	if fi, _ := os.Stat(l.SSLDir()); fi.Mode().Perm() != 0o750 {
		t.Errorf("existing directory mode changed to %v", fi.Mode().Perm())
	}
}

func TestEnsureRefusesFileInTheWay(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	if err := os.WriteFile(l.ConfigurationDir(), []byte("not a dir"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l.Ensure(); err == nil {
		t.Fatal("Ensure accepted a file where a directory belongs")
	}
	if got, _ := os.ReadFile(l.ConfigurationDir()); string(got) != "not a dir" {
		t.Error("the file in the way was touched")
	}
	if (Layout{}).Ensure() == nil || (Layout{}).Complete() {
		t.Error("an empty root must be refused")
	}
}

func TestHasData(t *testing.T) {
	tests := []struct {
		name  string
		setup func(l Layout) error
		want  bool
	}{
		{"nothing", func(Layout) error { return nil }, false},
		{"empty database dirs", func(l Layout) error {
			if err := os.MkdirAll(l.MongoDir(), 0o755); err != nil {
				return err
			}
			return os.MkdirAll(l.PostgresDir(), 0o755)
		}, false},
		{"docker.env", func(l Layout) error {
			if err := os.MkdirAll(l.ConfigurationDir(), 0o700); err != nil {
				return err
			}
			return os.WriteFile(l.DockerEnv(), nil, 0o600)
		}, true},
		{"mongodb data", func(l Layout) error {
			if err := os.MkdirAll(l.MongoDir(), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(l.MongoDir(), "WiredTiger"), nil, 0o600)
		}, true},
		{"postgres data", func(l Layout) error {
			if err := os.MkdirAll(l.PostgresDir(), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(l.PostgresDir(), "PG_VERSION"), []byte("14\n"), 0o600)
		}, true},
		{"mongodb path is a file", func(l Layout) error {
			if err := os.MkdirAll(filepath.Dir(l.MongoDir()), 0o755); err != nil {
				return err
			}
			return os.WriteFile(l.MongoDir(), nil, 0o600)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Layout{Root: t.TempDir()}
			if err := tt.setup(l); err != nil {
				t.Fatal(err)
			}
			if got := l.HasData(); got != tt.want {
				t.Errorf("HasData = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadEnvNamesFileOnError(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	if err := l.Ensure(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.DockerEnv(), []byte("A=1\nB='x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := l.ReadEnv()
	if err == nil || !strings.Contains(err.Error(), l.DockerEnv()) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("got %v, want an error naming the file and line 2", err)
	}
}
