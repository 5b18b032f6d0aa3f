package docker

import (
	"context"
	"fmt"
	"io"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// What an upgrade and a rollback need beyond create/start/stop: keep the old
// container under another name, stopped and unable to restart itself, beside
// the new one; wait for exits; retag and remove images; move files in and
// out of a container without a shell.

// ContainerRename gives the container a new name.
func (c *Client) ContainerRename(ctx context.Context, id, newName string) error {
	_, err := c.api.ContainerRename(ctx, id, client.ContainerRenameOptions{NewName: newName})
	return wrap("rename container "+id+" to "+newName, err)
}

// ContainerSetRestart changes the restart policy of an existing container
// ("no", "unless-stopped", ...): an old container kept for a rollback must
// not come back by itself after a reboot and take the ports.
func (c *Client) ContainerSetRestart(ctx context.Context, id, policy string) error {
	_, err := c.api.ContainerUpdate(ctx, id, client.ContainerUpdateOptions{
		RestartPolicy: &container.RestartPolicy{Name: container.RestartPolicyMode(policy)},
	})
	return wrap("update restart policy of container "+id, err)
}

// ContainerWait blocks until the container is not running and returns its
// exit code; a container that is already stopped returns at once.
func (c *Client) ContainerWait(ctx context.Context, id string) (int, error) {
	res := c.api.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-res.Result:
		if r.Error != nil && r.Error.Message != "" {
			return int(r.StatusCode), fmt.Errorf("wait for container %s: %s", id, r.Error.Message)
		}
		return int(r.StatusCode), nil
	case err := <-res.Error:
		return 0, wrap("wait for container "+id, err)
	}
}

// ContainerKill sends a signal ("" = SIGKILL) to the container's main process.
func (c *Client) ContainerKill(ctx context.Context, id, signal string) error {
	_, err := c.api.ContainerKill(ctx, id, client.ContainerKillOptions{Signal: signal})
	return wrap("kill container "+id, err)
}

// ImageTag gives the image src (a reference or an ID) the reference target.
func (c *Client) ImageTag(ctx context.Context, src, target string) error {
	_, err := c.api.ImageTag(ctx, client.ImageTagOptions{Source: src, Target: target})
	return wrap("tag image "+src+" as "+target, err)
}

// ImageRemove removes a reference, and the image when it was its last one.
// It never forces: an image a container still uses stays.
func (c *Client) ImageRemove(ctx context.Context, ref string) error {
	_, err := c.api.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true})
	return wrap("remove image "+ref, err)
}

// CopyFromContainer streams path of the container as a tar archive. The
// caller closes the reader.
func (c *Client) CopyFromContainer(ctx context.Context, id, path string) (io.ReadCloser, error) {
	res, err := c.api.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		return nil, wrap("copy "+path+" from container "+id, err)
	}
	return res.Content, nil
}

// CopyToContainer unpacks the tar archive content into dir of the container.
func (c *Client) CopyToContainer(ctx context.Context, id, dir string, content io.Reader) error {
	_, err := c.api.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: dir, Content: content})
	return wrap("copy into "+dir+" of container "+id, err)
}
