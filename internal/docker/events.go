package docker

import (
	"context"
	"time"

	"github.com/moby/moby/client"
)

// ContainerExited returns a channel that is closed when the container's main
// process exits (the engine's "die" event): every process of the container is
// gone then, while the engine may still be releasing its ports and mounts
// for a while before a stop request returns. Subscribe before asking for the
// stop. The channel stays open if the stream ends first (ctx done, the
// engine gone): a caller also waits for its stop request.
func (c *Client) ContainerExited(ctx context.Context, id string) <-chan struct{} {
	// The engine may subscribe just after it answered: events since now are
	// replayed, so a die between the two is not missed; an older die of the
	// same container (an earlier stop) is before now and ignored.
	now := time.Now()
	res := c.api.Events(ctx, client.EventsListOptions{Since: now.Format(time.RFC3339Nano),
		Filters: make(client.Filters).Add("type", "container").Add("container", id).Add("event", "die")})
	exited := make(chan struct{})
	go func() {
		for {
			select {
			case m := <-res.Messages:
				if m.TimeNano >= now.UnixNano() || m.TimeNano == 0 {
					close(exited)
					return
				}
			case <-res.Err:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return exited
}
