package docker

import (
	"context"
	"time"
)

// ImageInspect describes a local image; a missing one gives ErrNotFound.
func (c *Client) ImageInspect(ctx context.Context, ref string) (Image, error) {
	res, err := c.api.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, wrap("inspect image "+ref, err)
	}
	return Image{
		ID:          res.ID,
		RepoTags:    res.RepoTags,
		RepoDigests: res.RepoDigests,
		Arch:        res.Architecture,
		Size:        res.Size,
		Created:     parseTime(res.Created),
	}, nil
}

// parseTime reads the engine's RFC 3339 timestamps; the engine writes
// "0001-01-01T00:00:00Z" for "never", which becomes the zero time.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.IsZero() {
		return time.Time{}
	}
	return t
}
