package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/appsmith-install/appsmith-install/install"
)

// Inline validation: the focused answer is checked after every change, and
// the verdict shown under the form while the user types. A database URL is
// also tried from this host, once typing pauses, since that takes a network
// round trip.

const (
	dbDebounce = 400 * time.Millisecond
	dbTimeout  = 5 * time.Second
)

// levelPending is a verdict still being worked out.
const levelPending install.Level = "pending"

type dbChecks struct {
	want    string // the URL the last keystroke left
	seq     int
	results map[string]verdict
}

type dbTickMsg struct{ seq int }

type dbResultMsg struct {
	url string
	err error
}

// refreshLive recomputes the verdict of the focused answer; the cache key
// is every answer, since ports and TLS fields are judged together.
func (m *model) refreshLive() tea.Cmd {
	if m.form == nil {
		return nil
	}
	f := m.form.GetFocusedField()
	name := f.GetKey()
	val, isText := f.GetValue().(string)
	if !isText || m.a.ptr(name) == nil {
		m.live, m.liveKey = verdict{}, ""
		return nil
	}
	probe := m.a.with(name, val)
	k := fmt.Sprintf("%s\x00%s\x00%v\x00%d\x00%v", name, val, *probe, len(m.db.results), f.Error())
	if k == m.liveKey {
		return nil
	}
	m.live, m.liveKey = check(m.env, probe, name, false), k
	if err := f.Error(); err != nil {
		// A submitted answer failed a deep check (see check): say why
		// until the next key clears it.
		m.live = verdict{install.Fail, err.Error()}
		return nil
	}
	if name != "db-url" || m.live.level != install.OK || val == "" || m.env.CheckDB == nil {
		return nil
	}
	if r, ok := m.db.results[val]; ok {
		m.live = r
		return nil
	}
	m.live = verdict{levelPending, "trying to reach it from this host…"}
	if val == m.db.want {
		return nil
	}
	m.db.want = val
	m.db.seq++
	seq := m.db.seq
	return tea.Tick(dbDebounce, func(time.Time) tea.Msg { return dbTickMsg{seq: seq} })
}

func (m *model) updateDB(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dbTickMsg:
		if msg.seq != m.db.seq {
			return nil // typing went on
		}
		url, ctx, check := m.db.want, m.ctx, m.env.CheckDB
		return func() tea.Msg {
			c, cancel := context.WithTimeout(ctx, dbTimeout)
			defer cancel()
			return dbResultMsg{url: url, err: check(c, url)}
		}
	case dbResultMsg:
		if msg.err != nil {
			m.db.results[msg.url] = verdict{install.Warn, fmt.Sprintf(
				"this host cannot reach the database: %s (the container may still; the install waits for it)", lastPart(msg.err))}
		} else {
			m.db.results[msg.url] = verdict{install.OK, "the database answers from this host"}
		}
		if m.screen == scrChoices {
			return m.refreshLive()
		}
	}
	return nil
}

// liveView is the line under the form.
func (m *model) liveView() string {
	if m.live.msg == "" {
		return ""
	}
	sym := m.mark(m.live.level)
	if m.live.level == levelPending {
		sym = m.spin.View()
	}
	style := sDim
	switch m.live.level {
	case install.Fail:
		style = sFail
	case install.Warn:
		style = sWarn
	}
	return sym + " " + render(style, wrapText(m.live.msg, m.width, "  "))
}
