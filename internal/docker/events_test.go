package docker

import (
	"context"
	"testing"
	"time"
)

// ContainerExited reports the exit a stop causes, and not an exit from
// before it subscribed (the engine replays recent events).
func TestEngineContainerExited(t *testing.T) {
	c := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	prefix := uniqueName(t)
	ref := testRegistry(t) + "/" + prefix + "/app:v1"
	push(t, ref, testAppImage(t))
	removeImageOnCleanup(t, c, ref)
	if err := c.ImagePull(ctx, ref, nil); err != nil {
		t.Fatal(err)
	}
	id, err := c.ContainerCreate(ctx, ContainerSpec{Name: prefix, Image: ref})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.ContainerRemove(context.Background(), id) })
	// An earlier life of the container: its die must not count.
	if err := c.ContainerStart(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := c.ContainerStop(ctx, id, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.ContainerStart(ctx, id); err != nil {
		t.Fatal(err)
	}

	exited := c.ContainerExited(ctx, id)
	running, err := c.ContainerInspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		t.Fatalf("exit reported while the container runs (state %s)", running.State)
	default:
	}
	if err := c.ContainerStop(ctx, id, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-ctx.Done():
		t.Fatal("the stop's exit was never reported")
	}
}
