package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// RecordType names a journal record. Records are appended, never rewritten.
type RecordType string

const (
	RecBegin      RecordType = "begin"       // the operation began: Op, Plan, Meta
	RecStart      RecordType = "start"       // a step is about to run
	RecDone       RecordType = "done"        // a step finished; Outputs
	RecFailed     RecordType = "failed"      // a step failed; Error
	RecUndoStart  RecordType = "undo_start"  // a step's undo is about to run
	RecUndoDone   RecordType = "undo_done"   // a step's undo finished
	RecUndoFailed RecordType = "undo_failed" // a step's undo failed; Error
	RecEnd        RecordType = "end"         // the operation ended; Outcome
)

// Outputs are what a step hands to later steps and to a later process (a
// container ID, a snapshot path). Values must not be secrets: journals are
// plain files.
type Outputs map[string]string

// Record is one line of a journal file.
type Record struct {
	Seq     int               `json:"seq"`
	Time    time.Time         `json:"time"`
	Type    RecordType        `json:"type"`
	Step    string            `json:"step,omitempty"` // Step.Key()
	Outputs Outputs           `json:"outputs,omitempty"`
	Error   string            `json:"error,omitempty"`
	Op      string            `json:"op,omitempty"`   // begin
	Plan    []StepView        `json:"plan,omitempty"` // begin
	Meta    map[string]string `json:"meta,omitempty"` // begin: what the operation needs to resume or undo
	Outcome Outcome           `json:"outcome,omitempty"`
}

// Journal is the record of one operation on an install: one file under
// <dir>/journal/, one line per record, each fsynced before the step it
// announces runs and after it ends. A process killed at any point leaves
// a journal from which the next one can resume the operation or undo it.
type Journal struct {
	path    string
	f       *os.File
	records []Record
	// crash is the fault-injection point (see failpoint.go); zero = none.
	crash failpoint
}

// Create starts the journal of a new operation in dir.
func Create(dir, op string, plan Plan, meta map[string]string) (*Journal, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	name := time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + safeName(op) + ".jsonl"
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	// The new name must survive a power loss as well as its content.
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	j := &Journal{path: path, f: f, crash: failpointFromEnv()}
	if err := j.Append(Record{Type: RecBegin, Op: op, Plan: plan.View(), Meta: meta}); err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

// Open reads an existing journal to continue it; the caller holds the
// install's lock. A last line torn by a kill in the middle of a write is cut
// off (the step it announced then counts as not announced: steps are
// written to be run again).
func Open(path string) (*Journal, error) {
	j, good, size, err := parse(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	if good < size {
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return nil, err
		}
	}
	if _, err := f.Seek(0, 2); err != nil {
		f.Close()
		return nil, err
	}
	j.f = f
	return j, nil
}

// parse reads a journal's records without changing the file: a reader that
// holds no lock may see a line being written, which it must leave alone.
// good is the length of the well-formed prefix.
func parse(path string) (j *Journal, good, size int, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, err
	}
	j = &Journal{path: path, crash: failpointFromEnv()}
	for rest := data; len(rest) > 0; {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break // the torn last line: no newline yet
		}
		var r Record
		if err := json.Unmarshal(rest[:i], &r); err != nil {
			if good+i+1 < len(data) {
				return nil, 0, 0, fmt.Errorf("%s: damaged record after byte %d: %v", path, good, err)
			}
			break
		}
		j.records = append(j.records, r)
		good += i + 1
		rest = rest[i+1:]
	}
	if len(j.records) == 0 && good == 0 {
		return nil, 0, 0, errNeverBegan
	}
	if j.records[0].Type != RecBegin {
		return nil, 0, 0, fmt.Errorf("%s: not a journal (no begin record)", path)
	}
	return j, good, len(data), nil
}

// Append writes one record and makes it durable before returning.
func (j *Journal) Append(r Record) error {
	r.Seq = len(j.records) + 1
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	j.records = append(j.records, r)
	j.crash.check(r)
	return nil
}

// Close releases the file; the journal stays on disk.
func (j *Journal) Close() error {
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Op is the operation's name.
func (j *Journal) Op() string { return j.records[0].Op }

// Meta is what the operation recorded when it began.
func (j *Journal) Meta() map[string]string { return j.records[0].Meta }

// Began is when the operation began.
func (j *Journal) Began() time.Time { return j.records[0].Time }

// Plan is the plan the operation began with.
func (j *Journal) Plan() []StepView { return j.records[0].Plan }

// Records returns every record, oldest first.
func (j *Journal) Records() []Record { return append([]Record(nil), j.records...) }

// Ended reports whether the operation ended, and how.
func (j *Journal) Ended() (Outcome, bool) {
	if r := j.records[len(j.records)-1]; r.Type == RecEnd {
		return r.Outcome, true
	}
	return "", false
}

// stepState is what the journal says of one step.
type stepState struct {
	started, done, undoStarted, undone bool
	outputs                            Outputs
}

func (j *Journal) step(key string) stepState {
	var s stepState
	for _, r := range j.records {
		if r.Step != key {
			continue
		}
		switch r.Type {
		case RecStart:
			s.started = true
		case RecDone:
			s.done, s.outputs = true, r.Outputs
		case RecFailed:
			s.outputs = r.Outputs
		case RecUndoStart:
			s.undoStarted = true
		case RecUndoDone:
			s.undone = true
		}
	}
	return s
}

// Done reports whether the step finished, with the outputs it recorded.
func (j *Journal) Done(key string) (Outputs, bool) {
	s := j.step(key)
	return s.outputs, s.done
}

// Started reports whether the step was announced (it may not have finished).
func (j *Journal) Started(key string) bool { return j.step(key).started }

// LastStep is the key of the step the journal last announced or finished,
// "" before the first.
func (j *Journal) LastStep() string {
	for i := len(j.records) - 1; i >= 0; i-- {
		if j.records[i].Step != "" {
			return j.records[i].Step
		}
	}
	return ""
}

// Unfinished returns the journals in dir whose operation has not ended,
// oldest first. A dir that does not exist holds none.
func Unfinished(dir string) ([]*Journal, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names) // names start with a UTC time stamp
	var out []*Journal
	for _, n := range names {
		j, err := read(n)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNeverBegan) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if _, ended := j.Ended(); !ended {
			out = append(out, j)
		}
	}
	return out, nil
}

// UnfinishedOp is Unfinished for the operations whose name starts with one
// of prefixes followed by a space ("restore ", "tls "): what one kind of
// command finishes or undoes.
func UnfinishedOp(dir string, prefixes ...string) ([]*Journal, error) {
	all, err := Unfinished(dir)
	if err != nil {
		return nil, err
	}
	var out []*Journal
	for _, j := range all {
		if j.IsOp(prefixes...) {
			out = append(out, j)
		}
	}
	return out, nil
}

// IsOp reports whether the journal's operation is one of ops ("restore"
// matches "restore 20261130T…").
func (j *Journal) IsOp(ops ...string) bool {
	for _, p := range ops {
		if strings.HasPrefix(j.Op(), p+" ") {
			return true
		}
	}
	return false
}

// errNeverBegan: a journal killed before its begin record was durable; its
// operation never ran a step (Create returns only after that record).
var errNeverBegan = errors.New("journal has no complete record")

// read loads a journal without opening it for writing.
func read(path string) (*Journal, error) {
	j, _, _, err := parse(path)
	return j, err
}

func safeName(op string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(op))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
