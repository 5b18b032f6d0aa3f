package instance

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// RecordStep changes appsmith.yaml with change (a new container, version,
// history). The file as it was is kept at before (once: a step run again
// keeps the first copy), and the undo puts it back, also in a later process.
func RecordStep(dir, before, title, cause string, change func(ctx context.Context, s *state.State) error) engine.Step {
	return engine.Step{ID: "record", Title: title, Cause: cause,
		Run: func(ctx context.Context, _ engine.Reporter) error {
			if _, err := os.Stat(before); errors.Is(err, os.ErrNotExist) {
				data, err := os.ReadFile(state.Path(dir))
				if err != nil {
					return err
				}
				if err := fsutil.WriteFileAtomic(before, data, 0o644); err != nil {
					return err
				}
			}
			s, err := state.Load(dir)
			if err != nil {
				return err
			}
			if err := change(ctx, s); err != nil {
				return err
			}
			s.UpdatedAt = time.Now().UTC()
			return state.Save(dir, s)
		},
		Undo: func(context.Context, engine.Reporter, engine.Outputs) error {
			data, err := os.ReadFile(before)
			if errors.Is(err, os.ErrNotExist) {
				return nil // not written yet
			}
			if err != nil {
				return err
			}
			return fsutil.WriteFileAtomic(state.Path(dir), data, 0o644)
		}}
}

// Switched records in s that the instance now runs container id on image
// ref (inspected as img) at version.
func Switched(s *state.State, version, ref, id string, img docker.Image) {
	s.Version, s.Image, s.ImageID, s.ContainerID = version, ref, img.ID, id
	s.ImageDigest = RepoDigest(ref, img.RepoDigests)
	if s.Tag != "" {
		s.Tag = version
	}
}
