package registry

import (
	"context"
	"runtime"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// CompressedSize is what pulling ref downloads on this machine: the config
// and layers of the image for linux on this CPU, as the registry's manifest
// states them (no layer is fetched).
func CompressedSize(ctx context.Context, ref string) (int64, error) {
	return compressedSize(ctx, ref, v1.Platform{OS: "linux", Architecture: runtime.GOARCH})
}

func compressedSize(ctx context.Context, ref string, p v1.Platform) (int64, error) {
	var opts []name.Option
	if insecure(ref) {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return 0, err
	}
	desc, err := remote.Get(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithPlatform(p))
	if err != nil {
		return 0, err
	}
	img, err := desc.Image() // an index resolves to the platform's image
	if err != nil {
		return 0, err
	}
	m, err := img.Manifest()
	if err != nil {
		return 0, err
	}
	n := m.Config.Size
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, nil
}
