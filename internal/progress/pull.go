package progress

import (
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// pull follows the layers of one step's image pull so that plain and tty can
// summarise it. Docker reports each layer through a series of statuses; only
// some of them carry byte counts.
type pull struct {
	layers []*layer // in order of first appearance, so output is stable
	byID   map[string]*layer
	first  time.Time // first downloaded byte, the start of the rate
}

type layer struct {
	id            string
	status        string
	current, size int64
	// A transfer's rate: its first event's time and bytes, and the last
	// event's time (events carry the time they happened).
	first, last time.Time
	firstBytes  int64
}

// Statuses that mean the bytes of a layer are all here (or never needed).
var downloadedStatus = map[string]bool{
	"Verifying Checksum": true,
	"Download complete":  true,
	"Extracting":         true,
	"Pull complete":      true,
	"Already exists":     true,
}

// Statuses after which a layer needs no more attention.
var completeStatus = map[string]bool{
	"Pull complete":  true,
	"Already exists": true,
}

// update records a progress event for a layer and reports whether its
// status changed (a new layer counts as a change).
func (p *pull) update(e engine.Event, now time.Time) (l *layer, changed bool) {
	if p.byID == nil {
		p.byID = map[string]*layer{}
	}
	l = p.byID[e.Layer]
	if l == nil {
		l = &layer{id: e.Layer}
		p.byID[e.Layer] = l
		p.layers = append(p.layers, l)
	}
	changed = l.status != e.Status
	l.status, l.current = e.Status, e.Current
	if e.Size > l.size {
		l.size = e.Size
	}
	if p.first.IsZero() && e.Status == "Downloading" && e.Current > 0 {
		p.first = now
	}
	return l, changed
}

// done is the bytes of l that are downloaded.
func (l *layer) done() int64 {
	switch {
	case downloadedStatus[l.status]:
		return l.size
	case l.status == "Downloading":
		return l.current
	}
	return 0
}

func (l *layer) complete() bool { return completeStatus[l.status] }

type pullTotals struct {
	done, size     int64
	layers, complt int
}

func (p *pull) totals() pullTotals {
	var t pullTotals
	for _, l := range p.layers {
		t.done += l.done()
		t.size += l.size
		t.layers++
		if l.complete() {
			t.complt++
		}
	}
	return t
}

// rate is bytes per second since the first byte; an average, because a
// sliding window jumps about with Docker's bursty reporting.
func (p *pull) rate(now time.Time) float64 {
	d := now.Sub(p.first)
	if p.first.IsZero() || d < 500*time.Millisecond {
		return 0
	}
	return float64(p.totals().done) / d.Seconds()
}
