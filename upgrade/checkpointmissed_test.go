package upgrade

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// The backend's abort, as the v1.9.2 checkpoint prints it ("[v1.9.1]",
// which only v1.9.2 satisfies), the 2.x one ("[v1.99]"), one the graph
// does not know, and the readiness error that quotes it above the excerpt.
func TestParseCheckpointMissed(t *testing.T) {
	cases := []struct {
		name, text, named, run string
		known                  bool
	}{
		{"v1.9.2 checkpoint", "2026-01-01 00:00:00.100 ERROR ******\n" +
			"2026-01-01 00:00:00.100 ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED\n" +
			"2026-01-01 00:00:00.100 ERROR This instance last started fully on v1.8.15. Before v1.9.38 it must be upgraded to the checkpoint version [v1.9.1]: run v1.9.2 until it has started fully.\n",
			"v1.9.1", "v1.9.2", true},
		{"2.x checkpoint", "ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED\r\nERROR ... must be upgraded to the checkpoint version [v1.99]: run one of v1.96–v1.99\r\n",
			"v1.99", "v1.99", true},
		{"on the same line", "APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED: v2.9.1 needs checkpoint [v2.5.3] first (last started: v2.0.1)",
			"v2.5.3", "v2.5.3", false},
		{"spelled out", "APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED\nPlease upgrade to checkpoint version v2.6 first",
			"v2.6", "v2.6", false},
		{"the readiness error", "the backend log shows a fatal error\n  fatal: ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED\n  last log lines:\n  | INFO Starting ServerApplication [v1.9.50]\n  | ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED\n  | ERROR ... the checkpoint version [v1.9.30]: run v1.9.30 until it has started fully.",
			"v1.9.30", "v1.9.30", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			named, ok := ParseCheckpointMissed(c.text)
			if !ok || named != c.named {
				t.Fatalf("named %q %v, want %q", named, ok, c.named)
			}
			run, known := checkpointToRun(named)
			if run != c.run || known != c.known {
				t.Errorf("run %q known %v, want %q %v", run, known, c.run, c.known)
			}
		})
	}
	for _, text := range []string{"", "ERROR APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED\n", "[v1.9.1] started\nIllegal instruction"} {
		if named, ok := ParseCheckpointMissed(text); ok {
			t.Errorf("%q: named %q", text, named)
		}
	}
}

// A hop's readiness failure caused by the abort says which checkpoint, and
// after the rollback the error says it plainly with the command to run;
// --progress json gets it as a field.
func TestCheckpointMissedAfterRollback(t *testing.T) {
	ready := engine.Step{ID: "ready", Run: func(context.Context, engine.Reporter) error {
		return &engine.Error{Code: engine.ExitNotReady, Err: errors.New("the backend log shows a fatal error\n  fatal: APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED: v1.9.50 needs checkpoint [v1.9.30] first")}
	}}
	err := checkpointAware(ready, "v1.9.50").Run(context.Background(), nil)
	cm, ok := AsCheckpointMissed(err)
	if !ok || cm.Checkpoint != "v1.9.30" || cm.Version != "v1.9.50" || cm.Known {
		t.Fatalf("%#v", err)
	}
	out := rolledBackAtCheckpoint(cm, err, "/srv/appsmith", Spec{From: "v1.9.2", To: "v1.9.50"})
	for _, want := range []string{"rolled back", "v1.9.50 refuses to start on this data: Appsmith requires stepping through checkpoint v1.9.30 first — run: appsmith upgrade v1.9.30 --dir /srv/appsmith", "fatal:"} {
		if !strings.Contains(out.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, out)
		}
	}
	if engine.ExitCode(out) != engine.ExitFailure || !strings.Contains(engine.HintOf(out), "appsmith upgrade v1.9.30 --dir /srv/appsmith") {
		t.Errorf("exit %d hint %q", engine.ExitCode(out), engine.HintOf(out))
	}
	var fe interface{ Fields() map[string]any }
	if !errors.As(out, &fe) || fe.Fields()["checkpoint_missed"].(map[string]any)["checkpoint"] != "v1.9.30" {
		t.Errorf("fields of %v", out)
	}
	if !errors.Is(out, ErrRolledBack) {
		t.Error("not ErrRolledBack")
	}
}
