package upgrade

import (
	"context"
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// ImageSource puts an image of the path into the engine without a
// registry: an air-gapped bundle, verified whole before it loads anything.
// Ensure is called once per hop, before anything stops; a source loads
// everything on the first call and finds it present on the next ones.
type ImageSource interface {
	Ensure(ctx context.Context, ref, version string, r engine.Reporter) error
}

// sourceStep is the pull step of a hop whose image comes from sp.Source.
// It keeps the pull's ID: a journal of either kind resumes the same plan.
func sourceStep(in Instance, sp Spec, ref, version string) engine.Step {
	return engine.Step{ID: "pull", Title: "Load " + ref + " from " + sp.Source, ReadOnly: true,
		Cause: "every image of the path is in the engine before anything stops; no registry is contacted",
		Run: func(ctx context.Context, r engine.Reporter) error {
			if in.Images == nil {
				return engine.Errorf(engine.ExitUsage, "run `appsmith upgrade --resume --bundle FILE` with the same bundle",
					"this upgrade takes its images from %s, and none was given", sp.Source)
			}
			if err := in.Images.Ensure(ctx, ref, version, r); err != nil {
				return fmt.Errorf("%s from %s: %w", ref, sp.Source, err)
			}
			return nil
		}}
}
