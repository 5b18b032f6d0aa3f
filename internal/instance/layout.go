package instance

import (
	"path/filepath"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Layout is where an install keeps its files, under its install dir. Only
// these are the installer's own: a purge removes them and nothing else.
type Layout struct{ Dir string }

// Stacks is the data volume: docker.env, the databases, ssl/, ca-certs/.
func (l Layout) Stacks() stacks.Layout { return stacks.Layout{Root: filepath.Join(l.Dir, StacksDir)} }

// StateFile is appsmith.yaml.
func (l Layout) StateFile() string { return state.Path(l.Dir) }

// Journal holds one file per operation (internal/engine's journal).
func (l Layout) Journal() string { return filepath.Join(l.Dir, JournalDir) }

// Backups holds backups and the copies operations keep (TLS snapshots,
// pre-upgrade data).
func (l Layout) Backups() string { return filepath.Join(l.Dir, BackupsDir) }

// The names of the installer's own entries in an install dir.
const (
	StacksDir  = "stacks"
	JournalDir = "journal"
	BackupsDir = "backups"
)

// Owned are the entries of an install dir that appsmith-install creates.
var Owned = []string{StacksDir, BackupsDir, JournalDir, state.FileName}
