package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// exitError ends the container with a status, as a failed `set -e` step or a
// program supervisord gave up on would end the real one.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func exitf(code int, format string, a ...any) error {
	return &exitError{code: code, msg: fmt.Sprintf(format, a...)}
}

// program is one supervisord [program:x] section. start performs whatever
// must succeed before the program counts as spawned and returns a channel
// that yields once when the program has ended: nil after its context was
// cancelled, an error if it died on its own.
type program struct {
	name     string
	priority int
	start    func(ctx context.Context, log *progLog) (<-chan error, error)
}

// proc is the supervisor's view of one program.
type proc struct {
	program
	log      *progLog
	state    string // STOPPED, STARTING, RUNNING, EXITED, FATAL
	pid      int
	since    time.Time
	started  bool
	stopping bool
	cancel   context.CancelFunc
	ended    chan struct{}
}

// supervisor runs the programs in-process. Unless keepRunning, it differs
// from supervisord in one deliberate way: a program that fails makes the
// whole container exit, so a test sees the failure as an exit code instead
// of a restart loop.
type supervisor struct {
	op      sync.Mutex // one control operation at a time, like supervisord's single thread
	mu      sync.Mutex // guards proc fields
	procs   []*proc
	log     *progLog
	fatal   chan error
	nextPID int
	// keepRunning is supervisord's way (spec.Config.KeepRunning): a program
	// that fails to start goes BACKOFF, is retried, then stays FATAL; a
	// program that ends after it ran stays FATAL; the container stays up.
	keepRunning bool
}

// startRetries is supervisord's default startretries.
const startRetries = 3

func newSupervisor(log *progLog) *supervisor {
	return &supervisor{log: log, fatal: make(chan error, 1), nextPID: 20}
}

func (s *supervisor) add(p program, log *progLog) {
	s.procs = append(s.procs, &proc{program: p, log: log, state: "STOPPED"})
	sort.SliceStable(s.procs, func(i, j int) bool { return s.procs[i].priority < s.procs[j].priority })
}

func (s *supervisor) find(name string) *proc {
	for _, p := range s.procs {
		if p.name == name {
			return p
		}
	}
	return nil
}

func (s *supervisor) reportFatal(err error) {
	select {
	case s.fatal <- err:
	default:
	}
}

var (
	errAlreadyStarted = errors.New("already started")
	errNotRunning     = errors.New("not running")
)

func (s *supervisor) startProc(p *proc) error {
	s.mu.Lock()
	if p.state == "RUNNING" || p.state == "STARTING" {
		s.mu.Unlock()
		return errAlreadyStarted
	}
	p.state = "STARTING"
	s.mu.Unlock()
	err := s.spawn(p)
	switch {
	case err == nil:
	case s.keepRunning:
		s.backoff(p, 1, err)
	default:
		s.mu.Lock()
		p.state, p.since, p.started = "FATAL", time.Now(), true
		s.mu.Unlock()
		s.log.Printf("INFO spawnerr: %s: %v", p.name, err)
		s.log.Printf("INFO gave up: %s entered FATAL state, too many start retries too quickly", p.name)
		s.reportFatal(err)
	}
	return err
}

// backoff is supervisord's answer to a program that exited before it
// counted as started: wait a second longer each time, start it again, and
// after startRetries leave it FATAL. Its log lines are supervisord's, which
// name the exit status, not what the program printed.
func (s *supervisor) backoff(p *proc, attempt int, err error) {
	s.mu.Lock()
	p.state, p.since, p.started = "BACKOFF", time.Now(), true
	s.mu.Unlock()
	s.log.Printf("INFO exited: %s (exit status %d; not expected)", p.name, exitCode(err))
	if attempt > startRetries {
		s.mu.Lock()
		p.state = "FATAL"
		s.mu.Unlock()
		s.log.Printf("INFO gave up: %s entered FATAL state, too many start retries too quickly", p.name)
		return
	}
	go func() {
		time.Sleep(time.Duration(attempt) * time.Second)
		s.op.Lock()
		defer s.op.Unlock()
		s.mu.Lock()
		if p.state != "BACKOFF" { // started or stopped by hand meanwhile
			s.mu.Unlock()
			return
		}
		p.state = "STARTING"
		s.mu.Unlock()
		if err := s.spawn(p); err != nil {
			s.backoff(p, attempt+1, err)
		}
	}()
}

// spawn starts a program that is STARTING and, when it started, follows it
// until it ends.
func (s *supervisor) spawn(p *proc) error {
	ctx, cancel := context.WithCancel(context.Background())
	done, err := p.start(ctx, p.log)
	if err != nil {
		cancel()
		return err
	}
	s.mu.Lock()
	s.nextPID++
	p.pid, p.state, p.since, p.started, p.cancel = s.nextPID, "RUNNING", time.Now(), true, cancel
	ended := make(chan struct{})
	p.ended = ended
	s.mu.Unlock()
	s.log.Printf("INFO spawned: '%s' with pid %d", p.name, p.pid)
	s.log.Printf("INFO success: %s entered RUNNING state, process has stayed up for > than 0 seconds (startsecs)", p.name)

	go func() {
		err := <-done
		s.mu.Lock()
		stopping := p.stopping
		if stopping {
			p.state = "STOPPED"
		} else {
			p.state = "FATAL"
		}
		p.since = time.Now()
		s.mu.Unlock()
		close(ended)
		if stopping {
			return
		}
		if err == nil {
			err = exitf(1, "%s exited unexpectedly", p.name)
		}
		if s.keepRunning {
			s.log.Printf("INFO exited: %s (exit status %d; not expected)", p.name, exitCode(err))
			return
		}
		s.log.Printf("INFO exited: %s (%v; not expected)", p.name, err)
		s.reportFatal(err)
	}()
	return nil
}

func (s *supervisor) stopProc(p *proc) error {
	s.mu.Lock()
	if p.state != "RUNNING" {
		s.mu.Unlock()
		return errNotRunning
	}
	p.stopping = true
	cancel, ended := p.cancel, p.ended
	s.mu.Unlock()

	cancel()
	select {
	case <-ended:
	case <-time.After(3 * time.Second):
		s.log.Printf("WARN killing '%s' (%d) with SIGKILL", p.name, p.pid)
	}
	s.mu.Lock()
	p.stopping, p.state, p.since = false, "STOPPED", time.Now()
	s.mu.Unlock()
	s.log.Printf("INFO stopped: %s (terminated by SIGTERM)", p.name)
	return nil
}

// startAll starts every program in priority order; the first failure is fatal.
func (s *supervisor) startAll() error {
	s.op.Lock()
	defer s.op.Unlock()
	for _, p := range s.procs {
		if err := s.startProc(p); err != nil && !s.keepRunning {
			return err
		}
	}
	return nil
}

// stopAll stops programs in reverse priority order, as supervisord does on shutdown.
func (s *supervisor) stopAll() {
	s.op.Lock()
	defer s.op.Unlock()
	for i := len(s.procs) - 1; i >= 0; i-- {
		_ = s.stopProc(s.procs[i])
	}
}

// control runs one supervisorctl command and returns its output and exit status.
func (s *supervisor) control(args []string) (string, int) {
	if len(args) == 0 {
		return "usage: supervisorctl status|start|stop|restart [<name>|all]", 2
	}
	cmd, names := args[0], args[1:]
	if cmd == "status" {
		return s.status(names)
	}
	if cmd != "start" && cmd != "stop" && cmd != "restart" {
		return "*** Unknown syntax: " + strings.Join(args, " "), 1
	}
	if len(names) == 0 {
		return "Error: " + cmd + " requires a process name", 2
	}
	s.op.Lock()
	defer s.op.Unlock()

	var targets []*proc
	var out []string
	code := 0
	for _, n := range names {
		if n == "all" {
			targets = append(targets, s.procs...)
			continue
		}
		if p := s.find(n); p != nil {
			targets = append(targets, p)
		} else {
			out = append(out, n+": ERROR (no such process)")
			code = 1
		}
	}
	if cmd == "stop" || cmd == "restart" {
		for i := len(targets) - 1; i >= 0; i-- {
			p := targets[i]
			switch err := s.stopProc(p); {
			case err == nil:
				out = append(out, p.name+": stopped")
			case cmd == "stop":
				out = append(out, p.name+": ERROR (not running)")
				code = 1
			}
		}
	}
	if cmd == "start" || cmd == "restart" {
		for _, p := range targets {
			switch err := s.startProc(p); {
			case err == nil:
				out = append(out, p.name+": started")
			case errors.Is(err, errAlreadyStarted):
				out = append(out, p.name+": ERROR (already started)")
				code = 1
			default:
				out = append(out, p.name+": ERROR (spawn error)")
				code = 1
			}
		}
	}
	return strings.Join(out, "\n"), code
}

func (s *supervisor) status(names []string) (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	code := 0
	show := s.procs
	if len(names) > 0 && !(len(names) == 1 && names[0] == "all") {
		show = nil
		for _, n := range names {
			p := s.find(n)
			if p == nil {
				out = append(out, n+": ERROR (no such process)")
				code = 4
				continue
			}
			show = append(show, p)
		}
	}
	for _, p := range show {
		out = append(out, strings.TrimRight(fmt.Sprintf("%-32s %-10s %s", p.name, p.state, describe(p)), " "))
		if p.state != "RUNNING" && code == 0 {
			code = 3
		}
	}
	return strings.Join(out, "\n"), code
}

func describe(p *proc) string {
	switch p.state {
	case "RUNNING":
		up := time.Since(p.since).Truncate(time.Second)
		h, m, sec := int(up.Hours()), int(up.Minutes())%60, int(up.Seconds())%60
		return fmt.Sprintf("pid %d, uptime %d:%02d:%02d", p.pid, h, m, sec)
	case "FATAL", "BACKOFF":
		return "Exited too quickly (process log may have details)"
	case "STOPPED":
		if !p.started {
			return "Not started"
		}
	}
	if p.since.IsZero() {
		return ""
	}
	return p.since.Format("Jan 02 03:04 PM")
}
