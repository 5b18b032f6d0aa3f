package upgrade

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/progress"
)

// The assumptions of a plan's time estimate, stated in the plan: a plan
// changes nothing, so it measures neither the network nor the disk.
const (
	AssumedPullRate = 12_500_000  // bytes/s: 100 Mbit/s to the registry
	AssumedCopyRate = 100_000_000 // bytes/s: the copy of the stacks, read and written on one disk
	// BootAllowance is each hop's container start with its migrations: a
	// real first boot on a new release takes one to five minutes.
	BootAllowance = 3 * time.Minute
)

// ImageSize is what pulling one image of the path costs.
type ImageSize struct {
	Image   string `json:"image"`
	Present bool   `json:"present"` // already in the local engine: nothing to pull
	// Bytes is the image's size on disk when Present, else its compressed
	// download for this platform as the registry's manifest states it; 0
	// with Known false when the registry did not answer.
	Bytes int64 `json:"bytes"`
	Known bool  `json:"size_known"`
}

// Sizer reads an image's download size from its registry.
type Sizer func(ctx context.Context, ref string) (int64, error)

// ImageSizes looks up each image: the local engine first (present: its
// size), else the registry. A registry that does not answer within ctx
// leaves the size unknown; it never fails a plan.
func ImageSizes(ctx context.Context, d interface {
	ImageInspect(context.Context, string) (docker.Image, error)
}, remote Sizer, images []string) []ImageSize {
	out := make([]ImageSize, len(images))
	for i, ref := range images {
		out[i].Image = ref
		if img, err := d.ImageInspect(ctx, ref); err == nil {
			out[i].Present, out[i].Bytes, out[i].Known = true, img.Size, true
			continue
		} else if !errors.Is(err, docker.ErrNotFound) {
			continue
		}
		if remote == nil || ctx.Err() != nil {
			continue
		}
		if n, err := remote(ctx, ref); err == nil && n > 0 {
			out[i].Bytes, out[i].Known = n, true
		}
	}
	return out
}

// Estimate is how long an upgrade should take, and on what assumptions
// (times in whole seconds).
type Estimate struct {
	PullBytes       int64    `json:"pull_bytes"`   // what is missing locally, known sizes only
	PullUnknown     int      `json:"pull_unknown"` // images to pull whose size is unknown
	PullRate        int64    `json:"pull_rate_bytes_per_second"`
	PullSeconds     int64    `json:"pull_seconds"`
	SnapshotBytes   int64    `json:"snapshot_bytes"`
	CopyRate        int64    `json:"copy_rate_bytes_per_second"`
	SnapshotSeconds int64    `json:"snapshot_seconds"` // while Appsmith runs
	Hops            int      `json:"hops"`
	BootSeconds     int64    `json:"boot_seconds_per_hop"`
	DowntimeSeconds int64    `json:"downtime_seconds"` // the boots: the copy's delta is small
	TotalSeconds    int64    `json:"total_seconds"`
	Assumptions     []string `json:"assumptions"`
}

// EstimateTime is the estimate of an upgrade of hops hops pulling images
// and copying snapshotBytes of stacks.
func EstimateTime(images []ImageSize, snapshotBytes int64, hops int) Estimate {
	e := Estimate{PullRate: AssumedPullRate, SnapshotBytes: snapshotBytes, CopyRate: AssumedCopyRate, Hops: hops,
		BootSeconds: int64(BootAllowance / time.Second)}
	for _, im := range images {
		switch {
		case im.Present:
		case im.Known:
			e.PullBytes += im.Bytes
		default:
			e.PullUnknown++
		}
	}
	e.PullSeconds = rateSeconds(e.PullBytes, e.PullRate)
	e.SnapshotSeconds = rateSeconds(snapshotBytes, e.CopyRate)
	e.DowntimeSeconds = int64(hops) * e.BootSeconds
	e.TotalSeconds = e.PullSeconds + e.SnapshotSeconds + e.DowntimeSeconds
	e.Assumptions = []string{
		fmt.Sprintf("pull at %s/s (100 Mbit/s), only what is not present locally", progress.FormatBytes(e.PullRate)),
		fmt.Sprintf("copy of the stacks at %s/s, while Appsmith runs", progress.FormatBytes(e.CopyRate)),
		fmt.Sprintf("%s per hop for the new container to start and run its migrations (a real first boot takes 1–5 min)", fmtSec(e.BootSeconds)),
	}
	if e.PullUnknown > 0 {
		e.Assumptions = append(e.Assumptions, fmt.Sprintf("%d image(s) of unknown size not counted", e.PullUnknown))
	}
	return e
}

func rateSeconds(n, rate int64) int64 {
	if n <= 0 || rate <= 0 {
		return 0
	}
	return (n + rate/2) / rate
}

// Lines are the estimate and the images for people: what --plan prints.
func (e Estimate) Lines(images []ImageSize) []string {
	var out []string
	for _, im := range images {
		switch {
		case im.Present:
			out = append(out, fmt.Sprintf("image %s: present locally (%s), nothing to pull", im.Image, progress.FormatBytes(im.Bytes)))
		case im.Known:
			out = append(out, fmt.Sprintf("image %s: to pull, %s", im.Image, progress.FormatBytes(im.Bytes)))
		default:
			out = append(out, fmt.Sprintf("image %s: to pull, size unknown (the registry did not say)", im.Image))
		}
	}
	out = append(out, fmt.Sprintf("time: about %s — pull %s, copy of the stacks %s (Appsmith runs), then %d hop(s) × %s with Appsmith down",
		fmtSec(e.TotalSeconds), fmtSec(e.PullSeconds), fmtSec(e.SnapshotSeconds), e.Hops, fmtSec(e.BootSeconds)))
	for _, a := range e.Assumptions {
		out = append(out, "  assumed: "+a)
	}
	return out
}

// fmtSec rounds to what an estimate means: seconds under a minute, else
// minutes.
func fmtSec(s int64) string {
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%d min", (s+30)/60)
	default:
		m := (s + 30) / 60
		return fmt.Sprintf("%dh%02dm", m/60, m%60)
	}
}
