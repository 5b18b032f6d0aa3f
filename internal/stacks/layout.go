package stacks

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
)

// Layout names the paths of a stacks directory on the host; see APPSMITH.md
// for what each one holds.
type Layout struct {
	Root string // <install dir>/stacks
}

func (l Layout) path(elem ...string) string {
	return filepath.Join(append([]string{l.Root}, elem...)...)
}

func (l Layout) ConfigurationDir() string { return l.path("configuration") }
func (l Layout) DockerEnv() string        { return l.path("configuration", "docker.env") }
func (l Layout) MongoDir() string         { return l.path("data", "mongodb") }
func (l Layout) PostgresDir() string      { return l.path("data", "postgres", "main") }
func (l Layout) RedisDir() string         { return l.path("data", "redis") }
func (l Layout) CaddyDir() string         { return l.path("data", "caddy") }
func (l Layout) BackupDir() string        { return l.path("data", "backup") }
func (l Layout) SSLDir() string           { return l.path("ssl") }
func (l Layout) FullchainPEM() string     { return l.path("ssl", "fullchain.pem") }
func (l Layout) PrivkeyPEM() string       { return l.path("ssl", "privkey.pem") }
func (l Layout) CACertsDir() string       { return l.path("ca-certs") }
func (l Layout) GitStorageDir() string    { return l.path("git-storage") }

// LogsDir is where supervisord writes the logs of program (backend, rts,
// editor, mongodb, redis, postgres, supervisor, cron). The name may come from
// a user, so anything that could leave the logs directory is neutralised
// rather than trusted: separators become '_', and so do "." and "..".
func (l Layout) LogsDir(program string) string {
	if program == "." || program == ".." || program == "" {
		program = "_"
	}
	program = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 {
			return '_'
		}
		return r
	}, program)
	return l.path("logs", program)
}

type skeletonDir struct {
	path string
	perm os.FileMode
}

func (l Layout) skeleton() []skeletonDir {
	return []skeletonDir{
		{l.Root, 0o755},
		{l.ConfigurationDir(), 0o700},
		{l.path("data"), 0o755},
		{l.BackupDir(), 0o755},
		{l.SSLDir(), 0o755},
		{l.CACertsDir(), 0o755},
		{l.GitStorageDir(), 0o755},
		{l.path("logs"), 0o755},
	}
}

// Ensure creates what is missing of the skeleton: the configuration
// directory private (0700, docker.env holds secrets), the others 0755. It
// creates no database directory, since the container decides which
// database to initialise, and it leaves everything that exists as it is.
func (l Layout) Ensure() error {
	if l.Root == "" {
		return errors.New("stacks: empty root")
	}
	for _, d := range l.skeleton() {
		if err := fsutil.EnsureDir(d.path, d.perm); err != nil {
			return fmt.Errorf("stacks: %w", err)
		}
	}
	return nil
}

// Complete reports whether every directory Ensure creates exists, i.e.
// whether Ensure has nothing left to do.
func (l Layout) Complete() bool {
	if l.Root == "" {
		return false
	}
	for _, d := range l.skeleton() {
		if fi, err := os.Stat(d.path); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// HasData reports whether the directory already holds an Appsmith instance:
// a docker.env, or a non-empty embedded MongoDB or PostgreSQL directory. A
// path it cannot inspect counts as data, so a permission problem never
// makes an existing instance look fresh.
func (l Layout) HasData() bool {
	if _, err := os.Lstat(l.DockerEnv()); !errors.Is(err, os.ErrNotExist) {
		return true
	}
	return !emptyOrAbsent(l.MongoDir()) || !emptyOrAbsent(l.PostgresDir())
}

func emptyOrAbsent(dir string) bool {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	return errors.Is(err, io.EOF)
}

// ReadEnv reads and parses docker.env.
func (l Layout) ReadEnv() (*EnvFile, error) {
	data, err := os.ReadFile(l.DockerEnv())
	if err != nil {
		return nil, err
	}
	env, err := ParseEnv(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", l.DockerEnv(), err)
	}
	return env, nil
}

// WriteEnv writes docker.env atomically with mode 0600.
func (l Layout) WriteEnv(env *EnvFile) error {
	return fsutil.WriteFileAtomic(l.DockerEnv(), env.Bytes(), 0o600)
}
