package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// The bodies of the install steps; plan.go decides which of them run, and why.

func (r *run) stacks(context.Context, engine.Reporter) error { return r.layout.Ensure() }

func (r *run) writeEnv(_ context.Context, rep engine.Reporter) error {
	if _, err := os.Stat(r.layout.DockerEnv()); err == nil {
		return errors.New(r.layout.DockerEnv() + " appeared while installing: not overwriting it; re-run the install")
	}
	if err := r.layout.CheckNoEnv(""); err != nil {
		return refusedKeys(err) // Observe refused this already; the data appeared since
	}
	env, err := stacks.DefaultEnv(envOptions(r.o))
	if err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(r.layout.DockerEnv(), env.Bytes(), 0o600)
}

func (r *run) completeEnv(_ context.Context, rep engine.Reporter) error {
	data, err := os.ReadFile(r.layout.DockerEnv())
	if err != nil {
		return err
	}
	env, err := stacks.ParseEnv(data)
	if err != nil {
		return fmt.Errorf("%s: %w", r.layout.DockerEnv(), err)
	}
	added, err := r.layout.CompleteEnv(env, envOptions(r.o))
	if err != nil {
		return refusedKeys(err) // Observe refused a lost key already; the file changed since
	}
	if len(added) == 0 {
		return nil
	}
	// A copy of the file as it was, beside it: the never-lose-a-secret rule.
	backup := r.layout.DockerEnv() + ".bak-" + r.in.now().UTC().Format("20060102T150405Z")
	if err := fsutil.WriteFileAtomic(backup, data, 0o600); err != nil {
		return err
	}
	rep.Log("added to docker.env: " + strings.Join(added, ", ") + " (previous file kept as " + filepath.Base(backup) + ")")
	return fsutil.WriteFileAtomic(r.layout.DockerEnv(), env.Bytes(), 0o600)
}

func (r *run) pull(ctx context.Context, rep engine.Reporter) error {
	err := r.d.ImagePull(ctx, r.o.ImageRef(), func(e docker.PullEvent) {
		rep.Progress(e.Layer, e.Status, e.Current, e.Total)
	})
	if err != nil {
		if docker.IsManifestUnknown(err) {
			return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("no such version or image: %w", err),
				Hint: "check the version (tags look like v1.9.2) or --image; where Docker Hub is unreachable, point --image at a mirror"}
		}
		return &engine.Error{Code: engine.ExitFailure, Err: err,
			Hint: "check the network and registry credentials (docker login); where the registry is unreachable, pull from a mirror with --registry HOST or name the image with --image REF"}
	}
	img, err := r.d.ImageInspect(ctx, r.o.ImageRef())
	r.image = img
	return err
}

func (r *run) remove(ctx context.Context, _ engine.Reporter) error {
	// A stop first, with the time the databases need to flush: a forced
	// remove of a running container is a kill.
	if r.container.Running {
		if err := r.d.ContainerStop(ctx, r.container.ID, StopTimeout); err != nil {
			return err
		}
	}
	return r.d.ContainerRemove(ctx, r.container.ID)
}

func (r *run) create(ctx context.Context, _ engine.Reporter) error {
	spec := docker.ContainerSpec{
		Name:          r.o.ContainerName,
		Image:         r.o.ImageRef(),
		Labels:        instance.Labels(r.o.Dir, r.in.Version, r.o.LinkDir, instance.RoleCurrent),
		Mounts:        []docker.Mount{{Source: r.layout.Root, Destination: stacksMount}},
		Ports:         desiredPorts(r.o),
		RestartPolicy: "unless-stopped",
		StopTimeout:   StopTimeout,
		Log:           containerLog(),
	}
	id, err := r.d.ContainerCreate(ctx, spec)
	if err != nil {
		return err
	}
	r.created = true
	c, err := r.d.ContainerInspect(ctx, id)
	r.container = &c
	return err
}

func (r *run) start(ctx context.Context, _ engine.Reporter) error {
	if err := r.d.ContainerStart(ctx, r.container.ID); err != nil {
		if isBindError(err) {
			return r.bindFailed(ctx, err)
		}
		return err
	}
	c, err := r.d.ContainerInspect(ctx, r.container.ID)
	r.container = &c
	return err
}

func (r *run) waitReady(ctx context.Context, rep engine.Reporter) error {
	info, err := instance.WaitReady(ctx, r.d, r.in.Host.HTTP, r.container.ID, baseURL(r.o), r.o.ExpectedVersion(), r.o.Timeout, rep)
	if err != nil {
		return err
	}
	r.ready = info
	return nil
}

func (r *run) saveState(ctx context.Context, _ engine.Reporter) error {
	return r.writeState(ctx, "")
}

// writeState records the install with status (state.StatusInstalling
// before the instance was seen ready, "" after).
func (r *run) writeState(ctx context.Context, status string) error {
	now := r.in.now().UTC()
	s := &state.State{InstalledAt: now, Status: status}
	if r.state != nil {
		s.InstalledAt = r.state.InstalledAt
	}
	if r.image.ID == "" {
		img, err := r.d.ImageInspect(ctx, r.o.ImageRef())
		if err != nil {
			return err
		}
		r.image = img
	}
	s.InstallerVersion, s.UpdatedAt, s.Dir = r.in.Version, now, r.o.Dir
	s.Container, s.Edition = r.o.ContainerName, r.o.Edition
	if r.container != nil {
		s.ContainerID = r.container.ID
	}
	s.Image, s.ImageID, s.Version = r.o.ImageRef(), r.image.ID, r.ready.Version
	if r.o.Image == "" {
		s.Registry, s.Tag = r.o.Registry, r.o.Version
	}
	s.ImageDigest = instance.RepoDigest(r.o.ImageRef(), r.image.RepoDigests)
	s.HTTPPort, s.HTTPSPort, s.BindAddress = r.o.HTTPPort, r.o.HTTPSPort, r.o.BindAddress
	s.TLS, s.Domain = r.o.TLS, r.o.Domain
	if r.in.TLS != nil && r.in.TLS.KeyPair != nil {
		s.Domain = r.in.TLS.KeyPair.Domain
	}
	if s.TLS == TLSKeep && r.state != nil {
		s.TLS, s.Domain = r.state.TLS, r.state.Domain
	}
	s.Link = r.linked
	if s.Link == "" && r.state != nil {
		s.Link = r.state.Link
	}
	s.Database, s.Redis = database(r.o, r.layout), kind(r.o.RedisURL == "" || isLocalURL(r.o.RedisURL))
	if err := state.Save(r.o.Dir, s); err != nil {
		return err
	}
	r.state = s
	return nil
}

func (r *run) writeTLS(_ context.Context, rep engine.Reporter) error {
	for _, n := range r.in.TLS.Notes {
		rep.Log(n)
	}
	return writeTLS(r.layout, r.in.TLS, r.in.now().UTC().Format("20060102T150405Z"))
}

func kind(embedded bool) string {
	if embedded {
		return "embedded"
	}
	return "external"
}
