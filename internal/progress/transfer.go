package progress

import (
	"fmt"

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
	l.status, l.current = e.Status, e.Current
	if e.Size > l.size {
		l.size = e.Size
	}
	return l, changed
}

// text is one unit's state in words: "Dumping 120 MB" or, when the end
// is known, "Writing 120 MB of 300 MB (40%)".
func (l *layer) text() string {
	if l.size > 0 {
		pct := l.current * 100 / l.size
		return fmt.Sprintf("%s %s of %s (%d%%)", l.status, FormatBytes(l.current), FormatBytes(l.size), min(pct, 100))
	}
	return fmt.Sprintf("%s %s", l.status, FormatBytes(l.current))
}
