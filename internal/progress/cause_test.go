package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// The plan's "why" reaches plain logs and NDJSON: a cloud-init reader sees
// why a step ran, not only that it did.
func TestStepCauseIsShown(t *testing.T) {
	ev := engine.Event{Time: time.Unix(0, 0), Kind: engine.KindStepStart, Step: "container", Title: "Create the container appsmith",
		Cause: "no container, but the stacks hold data: recreate it on the same data", Index: 1, Total: 2}
	for _, mode := range []Mode{ModePlain, ModeJSON} {
		var buf bytes.Buffer
		s, err := New(mode, Options{Out: &buf, NoColor: true, Now: func() time.Time { return time.Unix(0, 0) }})
		if err != nil {
			t.Fatal(err)
		}
		s.Emit(ev)
		s.Close()
		if !strings.Contains(buf.String(), "recreate it on the same data") {
			t.Errorf("%s output lacks the cause: %q", mode, buf.String())
		}
	}
}
