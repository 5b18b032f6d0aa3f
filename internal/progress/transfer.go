package progress

import (
	"fmt"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// pullStatus is what Docker's pull reports per layer. Progress of a unit
// with any other status is another kind of transfer (a database dump, an
// archive written, a snapshot copied) and must not be summed up as "pulled …
// of … (1 layer)": a backup is not an image pull.
var pullStatus = map[string]bool{
	"Pulling fs layer":   true,
	"Waiting":            true,
	"Downloading":        true,
	"Verifying Checksum": true,
	"Download complete":  true,
	"Extracting":         true,
	"Pull complete":      true,
	"Already exists":     true,
}

func isPullLayer(e engine.Event) bool {
	return pullStatus[e.Status] || (len(e.Status) > 8 && e.Status[:8] == "Retrying")
}

// transfers follows the byte counts of one step's non-pull units, in the
// order they first appear, so output is stable.
type transfers struct {
	units []*layer
	byID  map[string]*layer
}

// update records e and reports whether the unit is new or its status
// changed.
func (x *transfers) update(e engine.Event) (l *layer, changed bool) {
	if x.byID == nil {
		x.byID = map[string]*layer{}
	}
	l = x.byID[e.Layer]
	if l == nil {
		l = &layer{id: e.Layer}
		x.byID[e.Layer] = l
		x.units = append(x.units, l)
	}
	changed = l.status != e.Status
	if l.first.IsZero() {
		l.first, l.firstBytes = e.Time, e.Current
	}
	l.last = e.Time
	l.status, l.current = e.Status, e.Current
	if e.Size > l.size {
		l.size = e.Size
	}
	return l, changed
}

// text is one unit's state in words: "Dumping 120 MB" or, when the end
// is known, "Writing 120 MB of 300 MB (40%)"; after a second, with the
// rate: "Loading 1.2 GB of 2.6 GB (46%, 85 MB/s)".
func (l *layer) text() string {
	rate := ""
	if d := l.last.Sub(l.first); d >= time.Second && !l.first.IsZero() {
		rate = FormatBytes(int64(float64(l.current-l.firstBytes)/d.Seconds())) + "/s"
	}
	if l.size > 0 {
		pct := min(l.current*100/l.size, 100)
		if rate != "" {
			return fmt.Sprintf("%s %s of %s (%d%%, %s)", l.status, FormatBytes(l.current), FormatBytes(l.size), pct, rate)
		}
		return fmt.Sprintf("%s %s of %s (%d%%)", l.status, FormatBytes(l.current), FormatBytes(l.size), pct)
	}
	if rate != "" {
		return fmt.Sprintf("%s %s (%s)", l.status, FormatBytes(l.current), rate)
	}
	return fmt.Sprintf("%s %s", l.status, FormatBytes(l.current))
}
