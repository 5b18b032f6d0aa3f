package docker

import (
	"context"
	"sort"
	"time"
)

// ImageInspect describes a local image; a missing one gives ErrNotFound.
func (c *Client) ImageInspect(ctx context.Context, ref string) (Image, error) {
	res, err := c.api.ImageInspect(ctx, ref)
	if err != nil {
		return Image{}, wrap("inspect image "+ref, err)
	}
	img := Image{
		ID:          res.ID,
		RepoTags:    res.RepoTags,
		RepoDigests: res.RepoDigests,
		Arch:        res.Architecture,
		Size:        res.Size,
		Created:     parseTime(res.Created),
	}
	if c := res.Config; c != nil {
		img.Config = ImageConfig{
			Env:         c.Env,
			Cmd:         c.Cmd,
			Entrypoint:  c.Entrypoint,
			WorkingDir:  c.WorkingDir,
			User:        c.User,
			Labels:      c.Labels,
			StopSignal:  c.StopSignal,
			Healthcheck: healthFromAPI(c.Healthcheck),
		}
		for p := range c.ExposedPorts {
			img.Config.ExposedPorts = append(img.Config.ExposedPorts, p)
		}
		for v := range c.Volumes {
			img.Config.Volumes = append(img.Config.Volumes, v)
		}
		sort.Strings(img.Config.ExposedPorts)
		sort.Strings(img.Config.Volumes)
	}
	return img, nil
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
