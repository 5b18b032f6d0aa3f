package install

import (
	"context"
	"io"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// fakeDocker is a Docker whose answers a test scripts; nil funcs are calls
// the test does not expect (they panic).
type fakeDocker struct {
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

var _ Docker = (*fakeDocker)(nil)

func (f *fakeDocker) Info(context.Context) (docker.EngineInfo, error) { return f.info() }
func (f *fakeDocker) ImageInspect(_ context.Context, ref string) (docker.Image, error) {
	return f.imageInspect(ref)
}
func (f *fakeDocker) ImagePull(_ context.Context, ref string, on func(docker.PullEvent)) error {
	return f.imagePull(ref, on)
}
func (f *fakeDocker) ContainerInspect(_ context.Context, id string) (docker.Container, error) {
	return f.containerInspect(id)
}
func (f *fakeDocker) ContainerList(_ context.Context, l map[string]string) ([]docker.Container, error) {
	return f.containerList(l)
}
func (f *fakeDocker) ContainerCreate(_ context.Context, s docker.ContainerSpec) (string, error) {
	return f.containerCreate(s)
}
func (f *fakeDocker) ContainerStart(_ context.Context, id string) error { return f.containerStart(id) }
func (f *fakeDocker) ContainerStop(_ context.Context, id string, timeout time.Duration) error {
	return f.containerStop(id, timeout)
}
func (f *fakeDocker) ContainerRemove(_ context.Context, id string) error {
	return f.containerRemove(id)
}
func (f *fakeDocker) ContainerLogs(_ context.Context, id string, o docker.LogsOptions, stdout, stderr io.Writer) error {
	return f.containerLogs(id, o, stdout, stderr)
}
func (f *fakeDocker) Exec(_ context.Context, id string, cmd, env []string, stdin io.Reader) (docker.ExecResult, error) {
	return f.exec(id, cmd, env, stdin)
}
