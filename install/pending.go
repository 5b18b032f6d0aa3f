package install

import (
	"context"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// pendingStep records the options of a first install in the state file,
// marked installing, before the container exists. The options loader takes
// a re-run's defaults from it, so `appsmith-install --yes --dir D` after a
// failed first start waits again on the same name, image, ports and bind
// address rather than moving the instance to the defaults.
func pendingStep(r *run) engine.Step {
	return engine.Step{ID: "record", Title: "Record the options in " + state.FileName,
		Cause: "marked installing until Appsmith is ready: a re-run keeps the name, image and ports",
		Run: func(ctx context.Context, _ engine.Reporter) error {
			if err := fsutil.EnsureDir(r.o.Dir, 0o755); err != nil {
				return err
			}
			return r.writeState(ctx, state.StatusInstalling)
		}}
}
