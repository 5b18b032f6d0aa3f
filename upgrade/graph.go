package upgrade

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/go-version"

	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// Database kinds a path is planned for: only the embedded MongoDB has
// steps of ours; an external MongoDB has requirements the preflight checks.
const (
	DBEmbeddedMongo = "embedded-mongodb"
	DBExternalMongo = "external-mongodb"
	DBPostgres      = "postgresql"
)

// Hop is one image change of an upgrade: the data starts fully on To
// before the next hop.
type Hop struct {
	From string `json:"from"`
	To   string `json:"to"`
	Why  string `json:"why"` // "checkpoint: ...", "the version asked for"
	// Mongo is the embedded MongoDB major before and after (embedded only).
	MongoFrom string `json:"mongo_from,omitempty"`
	MongoTo   string `json:"mongo_to,omitempty"`
	// Pre run on the old container before it stops; Post are checked on the
	// new one once it is ready.
	Pre  []DBStep `json:"pre,omitempty"`
	Post []DBStep `json:"post,omitempty"`
	// NeedsExternalMongo is the server version an external MongoDB must be
	// at for To ("" = no requirement of ours).
	NeedsExternalMongo string `json:"needs_external_mongo,omitempty"`
	// Migrate, when set, is why the hop moves the embedded MongoDB's data
	// by dump and restore instead of opening it in place (see Decide).
	Migrate string `json:"migrate,omitempty"`
}

// DBStep kinds.
const (
	SetFCV    = "set-fcv"    // run setFeatureCompatibilityVersion on the running server
	ExpectFCV = "expect-fcv" // the new image raises FCV itself after start: check it did
)

// DBStep is a database action of a hop.
type DBStep struct {
	Kind string `json:"kind"`
	FCV  string `json:"fcv"`
	Why  string `json:"why"`
	// Optional: a set-fcv the next release does not need to start (it
	// raises FCV itself); one the server refuses only warns.
	Optional bool `json:"optional,omitempty"`
}

// Path is the upgrade from the running version to target, hop by hop,
// given the tags the instance's repository has. Every checkpoint the path
// crosses is a hop to the newest tag the registry has within it; the last
// hop is the target. A target older than from is refused: migrations are
// one-way, a rollback is the way back.
//
// When Appsmith adds a checkpoint, it goes into releases.Checkpoints, the
// one table Path reads: until then a hop onto a release that enforces it
// fails with a CheckpointMissedError (Known false) naming it, which tells
// the user the hop to make and the maintainer the row to add.
func Path(from, target string, tags []string, db string) ([]Hop, error) {
	fv, ok := releases.Parse(from)
	if !ok {
		return nil, fmt.Errorf("the running version %q is not a release version", from)
	}
	tv, ok := releases.Parse(target)
	if !ok {
		return nil, fmt.Errorf("%q is not a release version (such as v1.9.2)", target)
	}
	switch {
	case tv.LessThan(fv):
		return nil, &DowngradeError{From: from, To: target}
	case tv.Equal(fv):
		return nil, nil
	}
	available := parseTags(tags)
	var stops []*version.Version
	cur := fv
	for _, c := range releases.Checkpoints {
		if !cur.LessThan(c.From) || tv.LessThan(c.Before) {
			continue // already past it, or the target does not need it
		}
		if !tv.LessThan(c.From) && !tv.GreaterThan(c.To) {
			continue // the target itself satisfies it
		}
		stop := newestIn(available, c.From, c.To)
		if stop == nil {
			return nil, fmt.Errorf("the path to %s crosses a checkpoint (v%s–v%s) and the registry has no tag in it", target, c.From, c.To)
		}
		stops = append(stops, stop)
		cur = stop
	}
	if !hasTag(available, tv) {
		return nil, fmt.Errorf("the registry has no tag %s", target)
	}
	stops = append(stops, tv)
	hops := make([]Hop, 0, len(stops))
	prev := fv
	for i, s := range stops {
		h := Hop{From: tag(prev), To: tag(s), Why: "the version asked for"}
		if i < len(stops)-1 {
			c := checkpointOf(s)
			if c.From.Equal(c.To) {
				h.Why = "checkpoint: " + tag(c.To) + " must start fully on the data before any later release"
			} else {
				h.Why = "checkpoint: one of " + tag(c.From) + "–" + tag(c.To) + " must start fully on the data before " + tag(c.Before) +
					" and later (" + tag(s) + " is the newest of them the registry has)"
			}
		}
		dbSteps(&h, prev, s, db)
		hops = append(hops, h)
		prev = s
	}
	return hops, nil
}

// DowngradeError refuses a target older than the running version.
type DowngradeError struct{ From, To string }

func (e *DowngradeError) Error() string {
	return fmt.Sprintf("%s is older than the running %s: migrations run once and are not reversible", e.To, e.From)
}

// dbSteps fills the MongoDB steps of the hop from a to b. MongoDB starts
// only on data whose featureCompatibilityVersion is its own major or the
// one before: before an image with a newer major, the running server sets
// FCV to its own major; an image that raises FCV after start is checked.
func dbSteps(h *Hop, a, b *version.Version, db string) {
	ma, mb := releases.EmbeddedMongo(a), releases.EmbeddedMongo(b)
	if db == DBExternalMongo {
		h.NeedsExternalMongo = externalFloor(b)
		return
	}
	if db != DBEmbeddedMongo {
		return
	}
	h.MongoFrom, h.MongoTo = ma, mb
	if ma != mb {
		h.Pre = append(h.Pre, DBStep{Kind: SetFCV, FCV: ma,
			Why: fmt.Sprintf("MongoDB %s starts only on data at FCV %s or newer: set it on the running MongoDB %s first", mb, ma, ma)})
	}
	if f := releases.FCVFloor(b); f != "" && f != releases.FCVFloor(a) {
		h.Post = append(h.Post, DBStep{Kind: ExpectFCV, FCV: f, Why: fmt.Sprintf("%s raises FCV to %s after start", tag(b), f)})
	}
}

// externalFloor is the external MongoDB a release needs: v1.9.0 and later
// need MongoDB 5.0 at least.
func externalFloor(v *version.Version) string {
	if releases.NeedsAVX(v) { // the same line: MongoDB 5 arrived with v1.9.0
		return "5.0"
	}
	return ""
}

func checkpointOf(v *version.Version) releases.Checkpoint {
	for _, c := range releases.Checkpoints {
		if !v.LessThan(c.From) && !v.GreaterThan(c.To) {
			return c
		}
	}
	return releases.Checkpoint{}
}

func parseTags(tags []string) []*version.Version {
	var vs []*version.Version
	for _, t := range tags {
		if v, ok := releases.Parse(t); ok && strings.HasPrefix(t, "v") {
			vs = append(vs, v)
		}
	}
	sort.Sort(version.Collection(vs))
	return vs
}

func newestIn(vs []*version.Version, lo, hi *version.Version) *version.Version {
	for i := len(vs) - 1; i >= 0; i-- {
		if !vs[i].LessThan(lo) && !vs[i].GreaterThan(hi) {
			return vs[i]
		}
	}
	return nil
}

func hasTag(vs []*version.Version, v *version.Version) bool {
	for _, x := range vs {
		if x.Equal(v) {
			return true
		}
	}
	return false
}

// tag is the v-prefixed tag of a version, as the registry names it.
func tag(v *version.Version) string { return "v" + v.Original() }
