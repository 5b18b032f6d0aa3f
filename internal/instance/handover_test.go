package instance

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
)

// exitingEngine is an engine whose stop request outlives the container's
// exit, as the real one's does while it releases ports and mounts.
type exitingEngine struct {
	*dockerfake.Engine
	exited chan struct{}
}

func (e exitingEngine) ContainerExited(context.Context, string) <-chan struct{} { return e.exited }

// The handover stop returns once the container's processes are gone, while
// the engine still works on the stop; Settled waits for that and gives its
// outcome.
func TestHandoverStepReturnsAtExit(t *testing.T) {
	release := make(chan struct{})
	stopErr := errors.New("engine: cleanup failed")
	e := exitingEngine{exited: make(chan struct{}), Engine: &dockerfake.Engine{T: t,
		ContainerStopFunc: func(_ context.Context, id string, timeout time.Duration) error {
			if id != "c1" || timeout != StopTimeout {
				t.Errorf("stop %s with %s, want c1 with %s", id, timeout, StopTimeout)
			}
			<-release
			return stopErr
		}}}
	close(e.exited)
	step, h := HandoverStep(e, Target{ID: "c1", Name: "appsmith"}, "x")
	if err := step.Run(context.Background(), nopReporter{}); err != nil {
		t.Fatalf("run: %v", err)
	}
	settled := make(chan error, 1)
	go func() { settled <- h.Settled(context.Background()) }()
	select {
	case err := <-settled:
		t.Fatalf("settled (%v) before the engine finished the stop", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-settled; !errors.Is(err, stopErr) {
		t.Errorf("settled: %v, want the stop's error", err)
	}
	if err := h.Settled(context.Background()); err != nil {
		t.Errorf("settled again: %v", err)
	}
}

// When the engine never reports the exit (its event stream failed), or the
// stop returns first (the container was stopped already), it is a plain stop.
func TestHandoverStepPlainStop(t *testing.T) {
	var stops int
	d := &dockerfake.Engine{T: t, ContainerStopFunc: func(context.Context, string, time.Duration) error { stops++; return nil }}
	step, h := HandoverStep(d, Target{ID: "c1", Name: "appsmith"}, "x")
	if err := step.Run(context.Background(), nopReporter{}); err != nil || stops != 1 {
		t.Fatalf("run: %v, %d stops", err, stops)
	}
	if err := h.Settled(context.Background()); err != nil {
		t.Error(err)
	}
	never := exitingEngine{Engine: d, exited: make(chan struct{})}
	step, h = HandoverStep(never, Target{ID: "c1", Name: "appsmith"}, "x")
	if err := step.Run(context.Background(), nopReporter{}); err != nil || stops != 2 {
		t.Fatalf("run: %v, %d stops", err, stops)
	}
	if err := h.Settled(context.Background()); err != nil {
		t.Error(err)
	}
}
