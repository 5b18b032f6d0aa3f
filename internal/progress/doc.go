// Package progress renders the events of a running plan (engine.Event) for
// people and scripts. It is an edge of the program: it only writes to the
// Out it is given (the CLI passes os.Stderr, keeping stdout for command
// output such as `status --json`), and it never decides anything.
//
// Four renderings exist, chosen with --progress (see ParseMode and New):
//
//   - tty: a live area redrawn in place (spinner, per-layer pull bars),
//     with warnings, log lines and finished steps printed above it.
//   - plain: one stable, grep-able line per meaningful event, no ANSI,
//     pull progress throttled. Meant for CI logs and cloud-init output.
//   - json: NDJSON, described below. Meant for programs.
//   - quiet: only warnings ("warning: ...") and undos that failed; the
//     failure that ends the plan is the caller's error, printed once by it.
//
// # NDJSON schema (--progress json)
//
// Every line of the stream is one JSON object, one event, and nothing else is
// ever written to it. Fields with an empty or zero value are left out.
//
//	time        string  when the event happened, RFC 3339 with nanoseconds, UTC
//	kind        string  the event kind, see below; always present
//	step        string  stable ID of the step, for example "pull-image"
//	scope       string  the part of a multi-part run the step belongs to (an
//	                    upgrade hop); absent for single-part plans
//	title       string  what the step does, for people
//	cause       string  step_start: why the step is in this plan
//	index       number  1-based position of the step in the plan
//	total       number  number of steps in the plan
//	message     string  plan name, error text, log line or warning (see kinds)
//	layer       string  progress: the unit of work, usually an image layer ID;
//	                    absent for messages about the whole image
//	status      string  progress: the engine's status, for example "Waiting",
//	                    "Downloading", "Download complete", "Extracting",
//	                    "Pull complete", "Already exists", "Digest: sha256:..."
//	current     number  progress: bytes done in the current status
//	size        number  progress: total bytes of the layer, when known
//	elapsed_ms  number  step_done, step_failed, plan_done, plan_failed,
//	                    undo_done, outcome: duration in milliseconds
//	outcome     string  outcome: "done", "rolled_back" or "failed"
//
// The kinds, whose names never change meaning:
//
//	plan         a plan starts; message = plan name, total = number of steps
//	step_start   a step starts; step, title, cause, index, total
//	step_done    a step succeeded; step, title, index, elapsed_ms
//	step_failed  a step failed; step, title, index, message = error, elapsed_ms
//	progress     bytes of a layer; step, index, layer, status, current, size
//	log          a line of interest (a container log line); step, message
//	warning      something to know, the plan goes on; message
//	plan_done    the plan succeeded; message = plan name, elapsed_ms
//	plan_failed  the plan stopped; message = error, elapsed_ms
//	undo_start   a rollback undoes a step that ran; step, title, index
//	undo_done    that step was undone; step, title, index, elapsed_ms
//	undo_failed  undoing it failed; step, title, index, message = error
//	outcome      the run ended, always its last event: outcome = "done"
//	             (every step ran), "rolled_back" (a step failed and every
//	             change was undone) or "failed" (a step failed; what had
//	             changed stays changed, and a later command resumes or
//	             undoes it); message = the error, when there is one
//	preflight    (install only, before the plan) one preflight finding, with
//	             its own fields: check, level ("ok", "warn", "fail"),
//	             message and hint (the fix, when level is not ok)
//
// The CLI adds to a stream (internal/cli, ndjson.go): a line some code
// writes as text becomes a note (message) or warning event; a failed
// command writes an error event (message, hint, exit_code, and fields such
// as checkpoint_missed); and every command's stream ends with exactly one
// last outcome event carrying exit_code (and, on failure, what the error
// event said): the run's own outcome, held back until the command ends,
// or, for a command that ran no plan (a refused flag, status), one made
// then ("done" on exit 0, else "failed"; exits 2, 3 and 5 changed nothing).
//
// Progress events are throttled: for each layer of a step, at most one per
// 250 ms of event time, except that a change of status always passes, and
// the last progress event of each status (so the final byte counts) is
// always written, before the next status or before the step's end. Every
// other kind is written as it comes, in order. A consumer that wants the
// outcome reads the last event of kind outcome.
//
// New kinds or fields may be added; consumers should ignore what they do
// not know.
package progress
