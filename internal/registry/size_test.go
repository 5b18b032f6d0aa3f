package registry

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// The size is what a pull downloads: the bytes of the compressed layers and
// the config, counted here by reading them from the registry.
func TestCompressedSizeFromARegistry(t *testing.T) {
	reg := testenv.StartRegistry(t)
	reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	ref := reg.Host() + "/appsmith/appsmith-ce:v1.9.2"
	got, err := CompressedSize(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := name.ParseReference(ref, name.Insecure)
	img, err := remote.Image(r)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := img.RawConfigFile()
	want := int64(len(cfg))
	layers, _ := img.Layers()
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, rc)
		rc.Close()
		want += n
	}
	if got != want || got == 0 {
		t.Fatalf("size %d, want %d", got, want)
	}

	if _, err := CompressedSize(context.Background(), reg.Host()+"/appsmith/appsmith-ce:v9.9.9"); err == nil {
		t.Error("a missing tag has a size")
	}
	// A registry that does not answer fails within the caller's deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := CompressedSize(ctx, "127.0.0.1:1/appsmith/appsmith-ce:v1.9.2"); err == nil {
		t.Error("an unreachable registry has a size")
	}
}
