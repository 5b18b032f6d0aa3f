package instance

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Each standard step does what it says, and its undo takes it back: what
// an upgrade's rollback stands on.
func TestStandardStepsAndTheirUndos(t *testing.T) {
	var calls []string
	name := "appsmith"
	d := &dockerfake.Engine{T: t,
		ContainerInspectFunc: func(_ context.Context, id string) (docker.Container, error) {
			return docker.Container{ID: id, Name: name}, nil
		},
		ContainerStartFunc: func(_ context.Context, id string) error { calls = append(calls, "start "+id); return nil },
		ContainerStopFunc: func(_ context.Context, id string, timeout time.Duration) error {
			if timeout != StopTimeout {
				t.Errorf("stop with %s, want %s", timeout, StopTimeout)
			}
			calls = append(calls, "stop "+id)
			return nil
		},
		ContainerRenameFunc: func(_ context.Context, id, to string) error {
			calls = append(calls, "rename "+id+" "+to)
			name = to
			return nil
		},
		ContainerSetRestartFunc: func(_ context.Context, id, p string) error { calls = append(calls, "policy "+id+" "+p); return nil },
	}
	c := Target{ID: "c1", Name: "appsmith"}
	for _, tc := range []struct {
		step     engine.Step
		run, und []string
	}{
		{StartStep(d, c, "x"), []string{"start c1"}, []string{"stop c1"}},
		{StopStep(d, c, "x"), []string{"stop c1"}, []string{"start c1"}},
		{RestartStep(d, c, "x"), []string{"stop c1", "start c1"}, []string{"stop c1", "start c1"}},
		{RenameStep(d, c, "appsmith-previous", "x"), []string{"rename c1 appsmith-previous"}, []string{"rename c1 appsmith"}},
		{KeepStep(d, c, "unless-stopped", "x"), []string{"policy c1 no"}, []string{"policy c1 unless-stopped"}},
	} {
		calls = nil
		if err := tc.step.Run(context.Background(), nopReporter{}); err != nil || !reflect.DeepEqual(calls, tc.run) {
			t.Errorf("%s: ran %v (%v), want %v", tc.step.ID, calls, err, tc.run)
		}
		calls = nil
		if err := tc.step.Undo(context.Background(), nopReporter{}, nil); err != nil || !reflect.DeepEqual(calls, tc.und) {
			t.Errorf("%s: undid %v (%v), want %v", tc.step.ID, calls, err, tc.und)
		}
	}
	// A rename undone twice (a rollback killed and run again), or undone
	// when its run never reached the engine, asks nothing of the engine.
	calls = nil
	rn := RenameStep(d, c, "appsmith-previous", "x")
	if err := rn.Undo(context.Background(), nopReporter{}, nil); err != nil || len(calls) != 0 {
		t.Errorf("a rename undone with the name already back: %v (%v)", calls, err)
	}
	if p := PullStep(d, "appsmith/appsmith-ce:v1.9.2", "x"); !p.ReadOnly || p.Undo != nil {
		t.Error("a pull changes no instance: read-only, nothing to undo")
	}
	if r := ReadyStep(d, nil, c, "http://127.0.0.1:1", "", time.Second); !r.ReadOnly {
		t.Error("waiting changes nothing")
	}
}
