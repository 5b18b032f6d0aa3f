package instance

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// Each standard step does what it says, and its undo takes it back: what
// an upgrade's rollback stands on.
func TestStandardStepsAndTheirUndos(t *testing.T) {
	var calls []string
	d := &dockerfake.Engine{T: t,
		ContainerStartFunc: func(_ context.Context, id string) error { calls = append(calls, "start "+id); return nil },
		ContainerStopFunc: func(_ context.Context, id string, timeout time.Duration) error {
			if timeout != StopTimeout {
				t.Errorf("stop with %s, want %s", timeout, StopTimeout)
			}
			calls = append(calls, "stop "+id)
			return nil
		},
		ContainerRenameFunc: func(_ context.Context, id, name string) error {
			calls = append(calls, "rename "+id+" "+name)
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
	if p := PullStep(d, "appsmith/appsmith-ce:v1.9.2", "x"); !p.ReadOnly || p.Undo != nil {
		t.Error("a pull changes no instance: read-only, nothing to undo")
	}
	if r := ReadyStep(d, nil, c, "http://127.0.0.1:1", "", time.Second); !r.ReadOnly {
		t.Error("waiting changes nothing")
	}
}
