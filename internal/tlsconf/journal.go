package tlsconf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
)

// inProgress marks a snapshot whose change has not finished: a run killed
// between the write and the end (power loss, kill -9) leaves it, and the
// next TLS command rolls that change back before anything else.
const inProgress = ".in-progress"

func markInProgress(snap string) error {
	return fsutil.WriteFileAtomic(filepath.Join(snap, inProgress), nil, 0o600)
}

func clearInProgress(snap string) error {
	err := os.Remove(filepath.Join(snap, inProgress))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// Unfinished lists the snapshots of TLS changes that did not finish, oldest first.
func Unfinished(dir string) []string {
	marks, _ := filepath.Glob(filepath.Join(dir, "backups", "tls-*", inProgress))
	sort.Strings(marks)
	snaps := make([]string, len(marks))
	for i, m := range marks {
		snaps[i] = filepath.Dir(m)
	}
	return snaps
}

// Recover rolls back every unfinished change, newest first, so the files
// end as they were before the oldest one began.
func Recover(ctx context.Context, in Instance, sink engine.Sink) error {
	snaps := Unfinished(in.Dir)
	if len(snaps) == 0 {
		return nil
	}
	for i := len(snaps) - 1; i >= 0; i-- {
		if i > 0 {
			// Older ones only need their files back; one restart at the end.
			if err := restore(in.layout(), snaps[i]); err != nil {
				return err
			}
			if err := clearInProgress(snaps[i]); err != nil {
				return err
			}
			continue
		}
		if err := rollBack(ctx, in, snaps[i], "an earlier TLS change was interrupted before it finished", sink); err != nil {
			return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("rolling back an interrupted TLS change: %w", err),
				Hint: "its files are in " + snaps[i] + "; `appsmith logs -f` shows why the container does not start"}
		}
	}
	return nil
}
