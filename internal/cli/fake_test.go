package cli

import (
	"context"
	"io"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// fakeEngine is an Engine whose calls tests script; a nil func fails the test
// through the panic of a nil call, so every call a test makes is intended.
type fakeEngine struct {
	info             func() (docker.EngineInfo, error)
	imageInspect     func(ref string) (docker.Image, error)
	imagePull        func(ref string, on func(docker.PullEvent)) error
	containerInspect func(id string) (docker.Container, error)
	containerList    func(labels map[string]string) ([]docker.Container, error)
	containerCreate  func(spec docker.ContainerSpec) (string, error)
	containerStart   func(id string) error
	containerStop    func(id string, timeout time.Duration) error
	containerRemove  func(id string) error
	containerLogs    func(id string, o docker.LogsOptions, stdout, stderr io.Writer) error
	exec             func(id string, cmd, env []string, stdin io.Reader) (docker.ExecResult, error)
}

var _ Engine = (*fakeEngine)(nil)

func (f *fakeEngine) Info(context.Context) (docker.EngineInfo, error) { return f.info() }
func (f *fakeEngine) ImageInspect(_ context.Context, ref string) (docker.Image, error) {
	return f.imageInspect(ref)
}
func (f *fakeEngine) ImagePull(_ context.Context, ref string, on func(docker.PullEvent)) error {
	return f.imagePull(ref, on)
}
func (f *fakeEngine) ContainerInspect(_ context.Context, id string) (docker.Container, error) {
	return f.containerInspect(id)
}
func (f *fakeEngine) ContainerList(_ context.Context, labels map[string]string) ([]docker.Container, error) {
	return f.containerList(labels)
}
func (f *fakeEngine) ContainerCreate(_ context.Context, spec docker.ContainerSpec) (string, error) {
	return f.containerCreate(spec)
}
func (f *fakeEngine) ContainerStart(_ context.Context, id string) error { return f.containerStart(id) }
func (f *fakeEngine) ContainerStop(_ context.Context, id string, t time.Duration) error {
	return f.containerStop(id, t)
}
func (f *fakeEngine) ContainerRemove(_ context.Context, id string) error {
	return f.containerRemove(id)
}
func (f *fakeEngine) ContainerLogs(_ context.Context, id string, o docker.LogsOptions, stdout, stderr io.Writer) error {
	return f.containerLogs(id, o, stdout, stderr)
}
func (f *fakeEngine) Exec(_ context.Context, id string, cmd, env []string, stdin io.Reader) (docker.ExecResult, error) {
	return f.exec(id, cmd, env, stdin)
}
