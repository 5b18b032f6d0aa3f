package instance

import (
	"context"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// ExitWatcher tells when a container's processes are gone (docker.Client).
type ExitWatcher interface {
	ContainerExited(ctx context.Context, id string) <-chan struct{}
}

// Handover is a stop whose next step needs only the container's processes
// gone — a copy of its data — and not the engine's cleanup after them
// (ports, mounts, network), which takes the engine as long again on a busy
// host: that cleanup runs while the data is copied, not before. A step that
// needs the cleanup done (the start of a container on the same ports) calls
// Settled first.
type Handover struct {
	pending <-chan error // the stop request, still running in the engine
}

// HandoverStep is StopStep for a Handover: the same grace period (the
// databases flush on SIGTERM exactly as before), but it returns when the
// container's main process has exited. An engine that cannot say so gets a
// plain stop.
func HandoverStep(d Starter, c Target, cause string) (engine.Step, *Handover) {
	h := &Handover{}
	s := StopStep(d, c, cause)
	s.Run = func(ctx context.Context, _ engine.Reporter) error {
		w, ok := d.(ExitWatcher)
		if !ok {
			return d.ContainerStop(ctx, c.Serving(), StopTimeout)
		}
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		exited := w.ContainerExited(wctx, c.Serving())
		done := make(chan error, 1)
		go func() { done <- d.ContainerStop(ctx, c.Serving(), StopTimeout) }()
		select {
		case err := <-done:
			return err
		case <-exited:
			h.pending = done
			return nil
		}
	}
	return s, h
}

// Settled waits until the engine finished the stop (its ports are free)
// and returns its outcome. In a later process (a resumed plan) the stop
// finished long ago: nothing to wait for.
func (h *Handover) Settled(ctx context.Context) error {
	if h.pending == nil {
		return nil
	}
	select {
	case err := <-h.pending:
		h.pending = nil
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
