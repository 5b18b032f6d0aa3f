package dockerfake

import (
	"context"
	"io"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// The methods of *docker.Client, each recorded and answered by its func.
// Streams and callbacks are not recorded: a call is known by what it names.

func (e *Engine) Info(ctx context.Context) (docker.EngineInfo, error) {
	if err := e.record("Info", e.InfoFunc != nil); err != nil {
		return docker.EngineInfo{}, err
	}
	return e.InfoFunc(ctx)
}

func (e *Engine) ImageInspect(ctx context.Context, ref string) (docker.Image, error) {
	if err := e.record("ImageInspect", e.ImageInspectFunc != nil, ref); err != nil {
		return docker.Image{}, err
	}
	return e.ImageInspectFunc(ctx, ref)
}

func (e *Engine) ImagePull(ctx context.Context, ref string, onEvent func(docker.PullEvent)) error {
	if err := e.record("ImagePull", e.ImagePullFunc != nil, ref); err != nil {
		return err
	}
	return e.ImagePullFunc(ctx, ref, onEvent)
}

func (e *Engine) ImageTag(ctx context.Context, src, target string) error {
	if err := e.record("ImageTag", e.ImageTagFunc != nil, src, target); err != nil {
		return err
	}
	return e.ImageTagFunc(ctx, src, target)
}

func (e *Engine) ImageRemove(ctx context.Context, ref string) error {
	if err := e.record("ImageRemove", e.ImageRemoveFunc != nil, ref); err != nil {
		return err
	}
	return e.ImageRemoveFunc(ctx, ref)
}

func (e *Engine) ImageSave(ctx context.Context, refs []string) (io.ReadCloser, error) {
	if err := e.record("ImageSave", e.ImageSaveFunc != nil, refs); err != nil {
		return nil, err
	}
	return e.ImageSaveFunc(ctx, refs)
}

func (e *Engine) ImageLoad(ctx context.Context, archive io.Reader) ([]string, error) {
	if err := e.record("ImageLoad", e.ImageLoadFunc != nil); err != nil {
		return nil, err
	}
	return e.ImageLoadFunc(ctx, archive)
}

func (e *Engine) ImagePush(ctx context.Context, ref string, onEvent func(docker.PullEvent)) error {
	if err := e.record("ImagePush", e.ImagePushFunc != nil, ref); err != nil {
		return err
	}
	return e.ImagePushFunc(ctx, ref, onEvent)
}

func (e *Engine) ContainerInspect(ctx context.Context, nameOrID string) (docker.Container, error) {
	if err := e.record("ContainerInspect", e.ContainerInspectFunc != nil, nameOrID); err != nil {
		return docker.Container{}, err
	}
	return e.ContainerInspectFunc(ctx, nameOrID)
}

func (e *Engine) ContainerList(ctx context.Context, labels map[string]string) ([]docker.Container, error) {
	if err := e.record("ContainerList", e.ContainerListFunc != nil, labels); err != nil {
		return nil, err
	}
	return e.ContainerListFunc(ctx, labels)
}

func (e *Engine) ContainerCreate(ctx context.Context, spec docker.ContainerSpec) (string, error) {
	if err := e.record("ContainerCreate", e.ContainerCreateFunc != nil, spec); err != nil {
		return "", err
	}
	return e.ContainerCreateFunc(ctx, spec)
}

func (e *Engine) ContainerStart(ctx context.Context, id string) error {
	if err := e.record("ContainerStart", e.ContainerStartFunc != nil, id); err != nil {
		return err
	}
	return e.ContainerStartFunc(ctx, id)
}

func (e *Engine) ContainerStop(ctx context.Context, id string, timeout time.Duration) error {
	if err := e.record("ContainerStop", e.ContainerStopFunc != nil, id, timeout); err != nil {
		return err
	}
	return e.ContainerStopFunc(ctx, id, timeout)
}

func (e *Engine) ContainerRemove(ctx context.Context, id string) error {
	if err := e.record("ContainerRemove", e.ContainerRemoveFunc != nil, id); err != nil {
		return err
	}
	return e.ContainerRemoveFunc(ctx, id)
}

func (e *Engine) ContainerLogs(ctx context.Context, id string, opts docker.LogsOptions, stdout, stderr io.Writer) error {
	if err := e.record("ContainerLogs", e.ContainerLogsFunc != nil, id, opts); err != nil {
		return err
	}
	return e.ContainerLogsFunc(ctx, id, opts, stdout, stderr)
}

func (e *Engine) ContainerRename(ctx context.Context, id, newName string) error {
	if err := e.record("ContainerRename", e.ContainerRenameFunc != nil, id, newName); err != nil {
		return err
	}
	return e.ContainerRenameFunc(ctx, id, newName)
}

func (e *Engine) ContainerSetRestart(ctx context.Context, id, policy string) error {
	if err := e.record("ContainerSetRestart", e.ContainerSetRestartFunc != nil, id, policy); err != nil {
		return err
	}
	return e.ContainerSetRestartFunc(ctx, id, policy)
}

func (e *Engine) ContainerWait(ctx context.Context, id string) (int, error) {
	if err := e.record("ContainerWait", e.ContainerWaitFunc != nil, id); err != nil {
		return 0, err
	}
	return e.ContainerWaitFunc(ctx, id)
}

func (e *Engine) ContainerExited(ctx context.Context, id string) <-chan struct{} {
	_ = e.record("ContainerExited", true, id)
	if e.ContainerExitedFunc == nil {
		return nil
	}
	return e.ContainerExitedFunc(ctx, id)
}

func (e *Engine) ContainerKill(ctx context.Context, id, signal string) error {
	if err := e.record("ContainerKill", e.ContainerKillFunc != nil, id, signal); err != nil {
		return err
	}
	return e.ContainerKillFunc(ctx, id, signal)
}

func (e *Engine) CopyFromContainer(ctx context.Context, id, path string) (io.ReadCloser, error) {
	if err := e.record("CopyFromContainer", e.CopyFromContainerFunc != nil, id, path); err != nil {
		return nil, err
	}
	return e.CopyFromContainerFunc(ctx, id, path)
}

func (e *Engine) CopyToContainer(ctx context.Context, id, dir string, content io.Reader) error {
	if err := e.record("CopyToContainer", e.CopyToContainerFunc != nil, id, dir); err != nil {
		return err
	}
	return e.CopyToContainerFunc(ctx, id, dir, content)
}

// Exec and ExecStream record the command but not env: it may carry secrets,
// and a failure message is printed.
func (e *Engine) Exec(ctx context.Context, id string, cmd, env []string, stdin io.Reader) (docker.ExecResult, error) {
	if err := e.record("Exec", e.ExecFunc != nil, id, cmd); err != nil {
		return docker.ExecResult{}, err
	}
	return e.ExecFunc(ctx, id, cmd, env, stdin)
}

func (e *Engine) ExecStream(ctx context.Context, id string, cmd, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if err := e.record("ExecStream", e.ExecStreamFunc != nil, id, cmd); err != nil {
		return 0, err
	}
	return e.ExecStreamFunc(ctx, id, cmd, env, stdin, stdout, stderr)
}

// Close is a no-op: closing the client is never a step a test checks.
func (e *Engine) Close() error { return nil }
