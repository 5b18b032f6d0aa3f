package instance

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// backoffTooLong is how long a program may cycle through BACKOFF without
// ever reaching RUNNING before the wait gives up on it. supervisord's own
// limit (startretries) turns most such loops into FATAL much sooner.
const backoffTooLong = time.Minute

// essential are the programs Appsmith cannot serve without (APPSMITH.md):
// supervisor giving up on one of them fails the wait. Others (optional
// programs some images carry) are reported, once, and waited past.
var essential = map[string]bool{"backend": true, "editor": true, "rts": true, "mongodb": true, "redis": true, "postgres": true}

// programState is one line of `supervisorctl status`.
type programState struct{ name, state, desc string }

// supervisorStates are the states supervisord reports for a program; a line
// with another second word is an error message, not a program.
var supervisorStates = map[string]bool{"STOPPED": true, "STARTING": true, "RUNNING": true, "BACKOFF": true,
	"STOPPING": true, "EXITED": true, "FATAL": true, "UNKNOWN": true}

func parseSupervisorStatus(out string) []programState {
	var ps []programState
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || !supervisorStates[f[1]] {
			continue
		}
		p := programState{name: f[0], state: f[1], desc: strings.Join(f[2:], " ")}
		if _, n, ok := strings.Cut(p.name, ":"); ok {
			p.name = n // "group:program"
		}
		ps = append(ps, p)
	}
	return ps
}

// supervisorWatch asks the container's supervisor, every few seconds, how
// its programs are: a program it gave up on (FATAL) will not come back on
// its own, whatever reached `docker logs`.
type supervisorWatch struct {
	docker  ReadyDocker
	id      string
	now     func() time.Time
	last    time.Time
	off     bool // supervisorctl cannot run in this container
	backoff map[string]time.Time
	warn    func(string)
	warned  map[string]bool
}

func newSupervisorWatch(d ReadyDocker, id string, warn func(string)) *supervisorWatch {
	return &supervisorWatch{docker: d, id: id, now: time.Now, backoff: map[string]time.Time{}, warn: warn, warned: map[string]bool{}}
}

// check returns a program that failed, and false, when there is one.
func (s *supervisorWatch) check(ctx context.Context) (programState, bool) {
	now := s.now()
	if s.off || now.Sub(s.last) < supervisorEvery {
		return programState{}, true
	}
	s.last = now
	res, err := s.docker.Exec(ctx, s.id, []string{"supervisorctl", "status"}, nil, nil)
	if err != nil {
		return programState{}, true // not running (yet): the container's own state tells
	}
	if res.ExitCode == 126 || res.ExitCode == 127 {
		s.off = true // no supervisorctl: the log channels remain
		return programState{}, true
	}
	for _, p := range parseSupervisorStatus(string(res.Stdout)) {
		if !essential[p.name] {
			if p.state == "FATAL" && !s.warned[p.name] {
				s.warned[p.name] = true
				s.warn(fmt.Sprintf("supervisor gave up on %s (FATAL); Appsmith may still become ready without it", p.name))
			}
			continue
		}
		switch p.state {
		case "FATAL":
			return p, false
		case "BACKOFF":
			since, ok := s.backoff[p.name]
			if !ok {
				s.backoff[p.name] = now
			} else if now.Sub(since) >= backoffTooLong {
				d := fmt.Sprintf("restarting for %s without staying up", now.Sub(since).Round(time.Second))
				if p.desc != "" {
					d += "; " + p.desc
				}
				p.desc = d
				return p, false
			}
		case "RUNNING":
			delete(s.backoff, p.name)
		}
	}
	return programState{}, true
}
