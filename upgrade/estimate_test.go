package upgrade

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// goldenSizes are the image sizes the golden plans show: the first hop's
// image present locally, the others known from the registry, and with
// unknownLast the last one's size unknown (a registry that did not answer).
func goldenSizes(in Instance, hops []Hop, unknownLast bool) []ImageSize {
	var out []ImageSize
	for i, h := range hops {
		s := ImageSize{Image: instance.WithTag(in.Container.Image, h.To), Bytes: 480_000_000, Known: true}
		if i == 0 {
			s.Present, s.Bytes = true, 1_100_000_000
		}
		if unknownLast && i == len(hops)-1 && i > 0 {
			s.Bytes, s.Known = 0, false
		}
		out = append(out, s)
	}
	return out
}

type inspectFunc func(context.Context, string) (docker.Image, error)

func (f inspectFunc) ImageInspect(ctx context.Context, ref string) (docker.Image, error) {
	return f(ctx, ref)
}

// A present image is sized by the engine and not asked of the registry; a
// missing one by the registry; a registry that hangs leaves the size
// unknown once the plan's deadline passes, and the plan goes on.
func TestImageSizes(t *testing.T) {
	local := inspectFunc(func(_ context.Context, ref string) (docker.Image, error) {
		if strings.HasSuffix(ref, ":v1.9.2") {
			return docker.Image{Size: 1_100_000_000}, nil
		}
		return docker.Image{}, docker.ErrNotFound
	})
	var asked []string
	remote := func(ctx context.Context, ref string) (int64, error) {
		asked = append(asked, ref)
		if strings.HasSuffix(ref, ":v1.99") {
			<-ctx.Done() // offline: no answer
			return 0, ctx.Err()
		}
		return 480_000_000, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	got := ImageSizes(ctx, local, remote, []string{"r/appsmith-ce:v1.9.2", "r/appsmith-ce:v1.9.38", "r/appsmith-ce:v1.99"})
	want := []ImageSize{
		{Image: "r/appsmith-ce:v1.9.2", Present: true, Bytes: 1_100_000_000, Known: true},
		{Image: "r/appsmith-ce:v1.9.38", Bytes: 480_000_000, Known: true},
		{Image: "r/appsmith-ce:v1.99"},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("image %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if len(asked) != 2 {
		t.Errorf("asked the registry for %v: a present image needs no question", asked)
	}
	// An engine error other than not-found leaves the size unknown too.
	broken := inspectFunc(func(context.Context, string) (docker.Image, error) { return docker.Image{}, errors.New("engine down") })
	if got := ImageSizes(context.Background(), broken, remote, []string{"r/x:v1"}); got[0].Known {
		t.Errorf("%+v", got[0])
	}

	e := EstimateTime(got, 2_000_000_000, 2)
	if e.PullBytes != 480_000_000 || e.PullUnknown != 1 || e.PullSeconds != 38 || e.SnapshotSeconds != 20 || e.DowntimeSeconds != 360 || e.TotalSeconds != 418 {
		t.Errorf("%+v", e)
	}
	lines := strings.Join(e.Lines(got), "\n")
	for _, w := range []string{"present locally (1.1 GB)", "to pull, 480.0 MB", "size unknown", "time: about 7 min", "assumed: pull at 12.5 MB/s", "1 image(s) of unknown size not counted"} {
		if !strings.Contains(lines, w) {
			t.Errorf("lines lack %q:\n%s", w, lines)
		}
	}
}
