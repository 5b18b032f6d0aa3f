package cli

import (
	"context"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/registry"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// sizeLookup bounds the registry questions of a plan: offline, a plan
// says "size unknown" after this, it never hangs.
const sizeLookup = 5 * time.Second

func (d Deps) imageSize(ctx context.Context, ref string) (int64, error) {
	if d.ImageSize != nil {
		return d.ImageSize(ctx, ref)
	}
	return registry.CompressedSize(ctx, ref)
}

// estimateUpgrade fills the plan's image sizes (the local engine's for an
// image already there, else the registry's manifest) and its time estimate.
func estimateUpgrade(ctx context.Context, in *located, deps Deps, v *UpgradePlan) {
	ctx, cancel := context.WithTimeout(ctx, sizeLookup)
	defer cancel()
	v.ImageSizes = upgrade.ImageSizes(ctx, in.d, deps.imageSize, v.Images)
	e := upgrade.EstimateTime(v.ImageSizes, v.Bytes, len(v.Hops))
	v.Estimate = &e
}
