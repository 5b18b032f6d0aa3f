package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// layout roots every path the stand-in touches, so unit tests can run the
// entrypoint against a temporary directory instead of the image's "/".
type layout struct {
	root string
}

var imageLayout = layout{root: "/"}

func (l layout) path(abs string) string { return filepath.Join(l.root, abs) }

func (l layout) stacks(rel ...string) string {
	return filepath.Join(append([]string{l.path(spec.StacksPath)}, rel...)...)
}

func (l layout) socket() string { return l.path("/tmp/supervisor.sock") }

// stacksDirs mirrors what the real entrypoint creates on every start.
var stacksDirs = []string{
	"configuration",
	"data/mongodb", "data/postgres/main", "data/redis", "data/caddy", "data/backup", "data/restore",
	"ssl", "ca-certs", "git-storage",
	"logs/supervisor", "logs/backend", "logs/cron", "logs/editor", "logs/rts",
	"logs/mongodb", "logs/redis", "logs/postgres", "logs/appsmithctl",
}

func (l layout) makeStacks() error {
	for _, d := range stacksDirs {
		if err := os.MkdirAll(l.stacks(d), 0o755); err != nil {
			return err
		}
	}
	return nil
}

func (l layout) readInfo() (spec.Info, []byte, error) {
	var info spec.Info
	b, err := os.ReadFile(l.path(spec.InfoPath))
	if err != nil {
		return info, nil, err
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, nil, fmt.Errorf("%s: %w", spec.InfoPath, err)
	}
	return info, b, nil
}

func (l layout) readConfig() (spec.Config, error) {
	var c spec.Config
	b, err := os.ReadFile(l.path(spec.ConfigPath))
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("%s: %w", spec.ConfigPath, err)
	}
	return c, c.Validate()
}

// writeJSON replaces a state file atomically: a killed container must not
// leave half a "database" behind.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
