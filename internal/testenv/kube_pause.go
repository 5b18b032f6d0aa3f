package testenv

import (
	"archive/tar"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// The kubelet node's sandbox image, imported into its containerd by the
// plane (it is never pulled). A test may run it as a workload that only
// runs (a subchart's stand-in, say): every kubelet node has it.
const (
	PauseRegistry   = "testenv.invalid"
	PauseRepository = "pause"
	PauseTag        = "3.10"
	pauseRef        = PauseRegistry + "/" + PauseRepository + ":" + PauseTag
)

// importPause builds kubepause into an image and imports it.
func (nd *kubeletNode) importPause(ctx context.Context) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	bin := filepath.Join(nd.dir, "kubepause")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./internal/testenv/kubepause")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./internal/testenv/kubepause: %v\n%s", err, out)
	}
	body, err := os.ReadFile(bin)
	if err != nil {
		return err
	}
	layer, err := layerOf([]tarEntry{{name: "pause", mode: 0o755, typ: tar.TypeReg, body: body}})
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = runtime.GOARCH, "linux"
	cf.Config.Entrypoint = []string{"/pause"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}
	ref, err := name.NewTag(pauseRef)
	if err != nil {
		return err
	}
	archive := filepath.Join(nd.dir, "pause.tar")
	if err := tarball.WriteToFile(archive, ref, img); err != nil {
		return err
	}
	return nd.ctr(ctx, "images", "import", archive)
}

func unmountDetach(path string) error { return syscall.Unmount(path, syscall.MNT_DETACH) }
