package upgrade

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// CheckpointMissedError is a hop whose backend refused the data because it
// has not run a checkpoint release: the backend's "CHECKPOINT MISSED" abort
// names it. A checkpoint the graph does not know (Appsmith added one after
// this tool's release) shows up here first.
//
// For maintainers: a Checkpoint seen here that Known is false for belongs in
// releases.Checkpoints (the one table the graph reads; see Path), with the
// release the backend names and the releases that satisfy it.
type CheckpointMissedError struct {
	Version    string // the hop's version, which refused to start
	Named      string // what the backend's message names, "v1.9.1"
	Checkpoint string // the release to step through, "v1.9.2"
	Known      bool   // the graph has it (then the data did not run it, or the graph's tags were off)
	Err        error
}

// Error says it plainly first; the readiness failure with its log excerpt
// follows.
func (e *CheckpointMissedError) Error() string {
	return e.Plain() + "\n  " + e.Err.Error()
}

// Plain is the refusal in one sentence.
func (e *CheckpointMissedError) Plain() string {
	return fmt.Sprintf("%s refuses to start on this data: Appsmith requires stepping through checkpoint %s first", e.Version, e.Checkpoint)
}
func (e *CheckpointMissedError) Unwrap() error { return e.Err }

// Fields are what the failure event of --progress json carries.
func (e *CheckpointMissedError) Fields() map[string]any {
	return map[string]any{"checkpoint_missed": map[string]any{"version": e.Version, "checkpoint": e.Checkpoint, "named": e.Named, "known": e.Known}}
}

// The backend's abort is "APPSMITH BACKEND START ABORTED — CHECKPOINT
// MISSED", and its message names the release in brackets ("[v1.9.1]"), on
// that line or one of the next few.
var (
	bracketed    = regexp.MustCompile(`\[v?([0-9]+\.[0-9]+(?:\.[0-9]+)?)\]`)
	spelledOut   = regexp.MustCompile(`(?i)checkpoint(?: version| release)? v([0-9]+\.[0-9]+(?:\.[0-9]+)?)`)
	linesAfterIt = 5
)

// ParseCheckpointMissed finds the release a backend's CHECKPOINT MISSED
// abort names in log text ("" when the text has no such abort, or it names
// none).
func ParseCheckpointMissed(text string) (named string, ok bool) {
	lines := strings.Split(strings.ReplaceAll(text, "\r", ""), "\n")
	// The readiness error quotes the abort line as "fatal: ..." above the
	// log excerpt: the lines after the abort in the log itself come first.
	for _, quoted := range []bool{false, true} {
		for i, l := range lines {
			if !strings.Contains(l, "CHECKPOINT MISSED") || strings.HasPrefix(strings.TrimSpace(l), "fatal:") != quoted {
				continue
			}
			for _, x := range lines[i:min(len(lines), i+1+linesAfterIt)] {
				if m := bracketed.FindStringSubmatch(x); m != nil {
					return "v" + m[1], true
				}
				if m := spelledOut.FindStringSubmatch(x); m != nil {
					return "v" + m[1], true
				}
			}
		}
	}
	return "", false
}

// checkpointToRun is the release that satisfies the checkpoint the backend
// named: the v1.9.2 backend names "[v1.9.1]" but only v1.9.2 itself
// satisfies it; a name within a known range is that range's recommended
// release; any other name is run as named.
func checkpointToRun(named string) (string, bool) {
	v, ok := releases.Parse(named)
	if !ok {
		return named, false
	}
	for _, c := range releases.Checkpoints {
		if (!v.LessThan(c.From) && !v.GreaterThan(c.To)) || (c.From.Equal(c.To) && v.LessThan(c.From) && v.Segments()[0] == c.From.Segments()[0] && v.Segments()[1] == c.From.Segments()[1]) {
			return tag(c.To), true
		}
	}
	return named, false
}

// checkpointAware makes a hop's readiness failure that a CHECKPOINT MISSED
// abort caused say which checkpoint, not only show it in the log excerpt.
func checkpointAware(s engine.Step, hopTo string) engine.Step {
	run := s.Run
	s.Run = func(ctx context.Context, r engine.Reporter) error {
		err := run(ctx, r)
		if err == nil {
			return nil
		}
		named, ok := ParseCheckpointMissed(err.Error())
		if !ok {
			return err
		}
		cp, known := checkpointToRun(named)
		return &CheckpointMissedError{Version: hopTo, Named: named, Checkpoint: cp, Known: known, Err: err}
	}
	return s
}

// AsCheckpointMissed finds a CHECKPOINT MISSED refusal in err.
func AsCheckpointMissed(err error) (*CheckpointMissedError, bool) {
	var cm *CheckpointMissedError
	ok := errors.As(err, &cm)
	return cm, ok
}

// rolledBackAtCheckpoint is the failure of an upgrade rolled back because a
// hop met a checkpoint: the plain sentence and the command, then the step's
// error with the log excerpt. The CheckpointMissedError stays in the chain
// (errors.As) for --progress json's failure event.
func rolledBackAtCheckpoint(cm *CheckpointMissedError, err error, dir string, sp Spec) error {
	run := hint.Appsmith(dir, "upgrade "+cm.Checkpoint)
	// The failed step as the runner named it, with the excerpt, without
	// the sentence a second time.
	detail := strings.TrimSuffix(err.Error(), cm.Error()) + cm.Err.Error()
	return &engine.Error{Code: engine.ExitFailure,
		Err: &joined{msg: fmt.Sprintf("upgrade to %s %v, Appsmith %s runs on its data as before. %s — run: %s\n%s",
			sp.To, ErrRolledBack, sp.From, cm.Plain(), run, detail), errs: []error{ErrRolledBack, err}},
		Hint: "`" + run + "`, then `" + hint.Appsmith(dir, "upgrade "+sp.To) + "`"}
}

// joined is an error with its own text that still wraps errs.
type joined struct {
	msg  string
	errs []error
}

func (j *joined) Error() string   { return j.msg }
func (j *joined) Unwrap() []error { return j.errs }
