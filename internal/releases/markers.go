package releases

import (
	"strings"

	"github.com/hashicorp/go-version"
)

// Marker is a log line after which a container will never become ready on
// its own: waiting out the timeout would only hide it.
type Marker struct {
	Text string // a line containing it is fatal
	Why  string // what it means, for people
	// Since and Until bound the releases whose images can print it (nil =
	// open); MongoDB's markers only matter where MongoDB is embedded.
	Since, Until *version.Version
}

// markers are anchored to the words that mean failure, not to a topic: an
// image that raises the featureCompatibilityVersion after start logs an
// INFO line naming it, and that is a success.
var markers = []Marker{
	{Text: "CHECKPOINT MISSED", Why: "the data has not run a checkpoint release this version needs first"},
	{Text: "Illegal instruction", Why: "this CPU lacks an instruction the embedded MongoDB needs (AVX from v1.9.0: " + LastWithoutAVX + " is the last image without it)"},
	{Text: "Invalid featureCompatibilityVersion document", Why: "MongoDB refuses data whose featureCompatibilityVersion is too old for it: a hop through an intermediate release was skipped"},
	{Text: "UPGRADE PROBLEM", Why: "MongoDB refuses data written for another version"},
	{Text: "Wrong mongod version", Why: "MongoDB refuses data written for another version"},
}

// FatalMarkers are the markers that apply to release v (nil = any release).
func FatalMarkers(v *version.Version) []Marker {
	var out []Marker
	for _, m := range markers {
		if v != nil && ((m.Since != nil && v.LessThan(m.Since)) || (m.Until != nil && !v.LessThan(m.Until))) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// Match returns the first marker a log line shows.
func Match(ms []Marker, line string) (Marker, bool) {
	for _, m := range ms {
		if strings.Contains(line, m.Text) {
			return m, true
		}
	}
	return Marker{}, false
}
