package docker

import (
	"context"
	"fmt"
	"io"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// ContainerLogs copies the container's output to stdout and stderr (either
// may be nil) until the end of the log or, with Follow, until the container
// stops or ctx ends. The product's containers have no TTY, so the engine
// multiplexes both streams into one, which is split here.
func (c *Client) ContainerLogs(ctx context.Context, id string, opts LogsOptions, stdout, stderr io.Writer) error {
	op := "read logs of container " + id
	o := client.ContainerLogsOptions{
		ShowStdout: true,
		ShowStderr: true,
		Follow:     opts.Follow,
		Tail:       opts.Tail,
	}
	if !opts.Since.IsZero() {
		o.Since = fmt.Sprintf("%d.%09d", opts.Since.Unix(), opts.Since.Nanosecond())
	}
	rc, err := c.api.ContainerLogs(ctx, id, o)
	if err != nil {
		return wrap(op, err)
	}
	defer rc.Close()
	if _, err := stdcopy.StdCopy(orDiscard(stdout), orDiscard(stderr), rc); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // following ended because the caller stopped
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
