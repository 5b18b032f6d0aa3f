package instance

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// SpecFromContainer is the spec that creates c again with the same
// settings, on its image or on another (see Retag).
//
// The engine merges the image's configuration into the container's and
// keeps no record of which value came from where, so inspect shows the
// image's PATH, Cmd, labels and healthcheck as if the container had asked
// for them. Carried as they are, an upgrade would run the new image with the
// old image's defaults: its old PATH, its old command, its old version
// label. So every value equal to oldImage's is left out, and the new image's
// applies. oldImage is the config of the image c was created from:
// ImageInspect of c.ImageID, not of c.Image, whose tag may have moved since;
// the engine keeps that image while c exists. The one thing this cannot tell apart is a value the user set to
// exactly the image's default: it follows the new image too, which is what an
// upgrade wants.
//
// Volumes nobody named (an image's VOLUME) are carried by the name the
// engine gave them, so the new container mounts the same data.
func SpecFromContainer(c docker.Container, oldImage docker.ImageConfig) docker.ContainerSpec {
	s := clone(c.Config)
	if s.Name == "" {
		s.Name = c.Name
	}
	if s.Image == "" {
		s.Image = c.Image
	}
	s.Env = slices.DeleteFunc(s.Env, func(e string) bool { return slices.Contains(oldImage.Env, e) })
	for k, v := range s.Labels {
		if iv, ok := oldImage.Labels[k]; ok && iv == v {
			delete(s.Labels, k)
		}
	}
	s.Cmd, s.Entrypoint = process(s.Cmd, s.Entrypoint, oldImage)
	if s.WorkingDir == oldImage.WorkingDir {
		s.WorkingDir = ""
	}
	if s.User == oldImage.User {
		s.User = ""
	}
	if s.StopSignal == oldImage.StopSignal {
		s.StopSignal = ""
	}
	s.Healthcheck = healthOverride(s.Healthcheck, oldImage.Healthcheck)
	s.ExposedPorts = slices.DeleteFunc(s.ExposedPorts, func(p string) bool { return slices.Contains(oldImage.ExposedPorts, p) })
	if len(s.Env) == 0 {
		s.Env = nil
	}
	if len(s.Labels) == 0 {
		s.Labels = nil
	}
	if len(s.ExposedPorts) == 0 {
		s.ExposedPorts = nil
	}
	return s
}

// WithTag is ref with its tag (or digest) replaced by tag: the same
// repository — a mirror or private registry keeps working — at another
// version.
func WithTag(ref, tag string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref + ":" + tag
}

// Retag is spec on another image, every other setting the same. The result
// shares nothing with spec: changing its labels leaves spec's alone.
func Retag(spec docker.ContainerSpec, imageRef string) docker.ContainerSpec {
	s := clone(spec)
	s.Image = imageRef
	return s
}

// process undoes the engine's merge of the image's Entrypoint and Cmd: when
// the container gives no entrypoint, it gets the image's, and the image's
// Cmd too unless it gives one; when it gives an entrypoint, it gets no Cmd
// from the image at all. An entrypoint reset with {""} is stored as none.
func process(cmd, entrypoint []string, img docker.ImageConfig) ([]string, []string) {
	if slices.Equal(entrypoint, img.Entrypoint) {
		switch {
		case slices.Equal(cmd, img.Cmd):
			return nil, nil // both the image's
		case len(cmd) == 0:
			// The image has a Cmd the container did not get: it gave the
			// entrypoint itself, which keeps the new image's Cmd away too.
			return nil, entrypoint
		default:
			return cmd, nil
		}
	}
	if len(entrypoint) == 0 {
		entrypoint = []string{""}
	}
	return cmd, entrypoint
}

// healthOverride keeps the fields of h that differ from the image's, as the
// engine fills a container's zero fields from the image.
func healthOverride(h, img *docker.Healthcheck) *docker.Healthcheck {
	if h == nil || img == nil {
		return h
	}
	o := *h
	if slices.Equal(o.Test, img.Test) {
		o.Test = nil
	}
	if o.Interval == img.Interval {
		o.Interval = 0
	}
	if o.Timeout == img.Timeout {
		o.Timeout = 0
	}
	if o.StartPeriod == img.StartPeriod {
		o.StartPeriod = 0
	}
	if o.Retries == img.Retries {
		o.Retries = 0
	}
	if o.Test == nil && o.Interval == 0 && o.Timeout == 0 && o.StartPeriod == 0 && o.Retries == 0 {
		return nil
	}
	return &o
}

// clone is a deep copy through JSON: every field of the spec, including ones
// added later, without a hand-written copy to keep in step.
func clone(s docker.ContainerSpec) docker.ContainerSpec {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("instance: copy container spec: %v", err)) // plain data: cannot fail
	}
	var out docker.ContainerSpec
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("instance: copy container spec: %v", err))
	}
	return out
}
