package instance

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// AdoptOp is the journal operation name of adopts.
const AdoptOp = "adopt"

// AdoptDocker is what adopting a container needs of the engine.
type AdoptDocker interface {
	Replacer
	Starter
	ReadyDocker
}

// Adoption is a container started without appsmith-install, to be
// replaced by one with its settings, on its image, with this tool's labels.
type Adoption struct {
	Dir     string
	Old     docker.Container
	Image   string // the old container's image (by digest when its tag moved)
	Version string // what it reports at /info: the new one must too
	Labels  map[string]string
	State   *state.State // written once the new container is ready
	HTTP    *http.Client
	BaseURL string
	Timeout time.Duration
}

// AdoptPlan stops the container, keeps it under another name, creates its
// twin with the labels, starts it, waits until it is ready, records the
// state file and removes the original. Until the original is removed, every
// step undoes itself: a failure or a kill leaves the original running.
func AdoptPlan(d AdoptDocker, a Adoption) (engine.Plan, *Swap) {
	sw := &Swap{Old: a.Old, Image: a.Image, KeptName: a.Old.Name + "-before-adopt", Labels: a.Labels}
	if sw.Old.Restart == "" {
		sw.Old.Restart = "no" // docker run's default: the undo must not invent one
	}
	tg := sw.Target()
	steps := []engine.Step{StopStep(d, Target{ID: a.Old.ID, Name: a.Old.Name}, "the engine cannot add labels to a container: it is made again with them")}
	steps = append(steps, sw.Steps(d)...)
	steps = append(steps,
		StartStep(d, tg, "Appsmith starts again on the same data"),
		ReadyStep(d, a.HTTP, tg, a.BaseURL, a.Version, a.Timeout),
		engine.Step{ID: "record", Title: "Write " + state.Path(a.Dir), Cause: "day-two commands start from it",
			Run: func(context.Context, engine.Reporter) error {
				s := *a.State
				s.ContainerID = sw.Current()
				return state.Save(a.Dir, &s)
			},
			// adopt refuses a dir with a state file: the one there is this step's.
			Undo: func(context.Context, engine.Reporter, engine.Outputs) error {
				if err := os.Remove(state.Path(a.Dir)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
				return nil
			}},
		sw.RemoveStep(d),
	)
	return engine.Plan{Name: "adopt " + a.Old.Name, Steps: steps}, sw
}
