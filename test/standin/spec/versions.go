package spec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Version is an Appsmith release number such as v1.9.2 or v1.99.
type Version struct {
	Major, Minor, Patch int
	raw                 string
}

// ParseVersion accepts "v1.9.2", "1.9.2", "v1.99" (patch 0) and "v2".
func ParseVersion(s string) (Version, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	parts := strings.Split(t, ".")
	if t == "" || len(parts) > 3 {
		return Version{}, fmt.Errorf("invalid Appsmith version %q", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || p == "" || (len(p) > 1 && p[0] == '0') {
			return Version{}, fmt.Errorf("invalid Appsmith version %q", s)
		}
		n[i] = v
	}
	return Version{Major: n[0], Minor: n[1], Patch: n[2], raw: "v" + t}, nil
}

// MustParse is ParseVersion for literals.
func MustParse(s string) Version {
	v, err := ParseVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// String gives the version as written ("v1.99" stays "v1.99").
func (v Version) String() string {
	if v.raw != "" {
		return v.raw
	}
	return fmt.Sprintf("v%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// Compare returns -1, 0 or 1. Minor numbers compare as integers: v1.10 > v1.9.
func (v Version) Compare(o Version) int {
	for _, d := range [3]int{v.Major - o.Major, v.Minor - o.Minor, v.Patch - o.Patch} {
		switch {
		case d < 0:
			return -1
		case d > 0:
			return 1
		}
	}
	return 0
}

// Less reports v < o.
func (v Version) Less(o Version) bool { return v.Compare(o) < 0 }

// series is the highest version of v's major.minor line; an override "v1.9"
// vouches for the whole v1.9.x line.
func (v Version) series() Version {
	return Version{Major: v.Major, Minor: v.Minor, Patch: math.MaxInt, raw: fmt.Sprintf("v%d.%d", v.Major, v.Minor)}
}

var (
	v1_9_0  = MustParse("v1.9.0")
	v1_9_2  = MustParse("v1.9.2")
	v1_9_38 = MustParse("v1.9.38")
	v1_47   = MustParse("v1.47")
	v1_96   = MustParse("v1.96")
	v2_0    = MustParse("v2.0")
	v2_2    = MustParse("v2.2")
)

// MongoFor is the MongoDB major ("5.0") embedded in image version v.
func MongoFor(v Version) string {
	switch {
	case v.Less(v1_9_0):
		return "4.4"
	case v.Less(v1_96):
		return "5.0"
	case v.Less(v2_0):
		return "6.0"
	default:
		return "7.0"
	}
}

// FCVFloor is the FCV the backend of image v raises older data to once it has
// started, or "" when that image leaves the FCV alone. v1.9.0–v1.9.37 did not
// raise it (and crash-looped on such data in reality; the contract keeps the
// raise from v1.9.38 on). v2.0–v2.1 run MongoDB 7 but keep FCV 6.0; v2.2 is
// the release that lifts it to 7.0 so a later MongoDB 8 can open the data.
func FCVFloor(v Version) string {
	switch {
	case v.Less(v1_9_38):
		return ""
	case v.Less(v1_96):
		return "5.0"
	case v.Less(v2_2):
		return "6.0"
	default:
		return "7.0"
	}
}

// TemplateDB is the database the docker.env template of image v writes for
// a fresh install: "postgresql" from v1.47, "mongodb" before.
func TemplateDB(v Version) string {
	if v.Less(v1_47) {
		return "mongodb"
	}
	return "postgresql"
}

// RedisPassword reports whether image v runs its embedded Redis with
// requirepass from APPSMITH_REDIS_PASSWORD (generating and backfilling it
// into docker.env). The imitation starts that at v2.0, the same gate the
// installer assumes (internal/releases.WritesRedisPassword); the first real
// release that does is not known.
func RedisPassword(v Version) bool { return !v.Less(v2_0) }

// WritesFCVMarker reports whether image v records its FCV floor in
// data/mongodb/.appsmith-mongo-fcv-min (2.x images do).
func WritesFCVMarker(v Version) bool { return !v.Less(v2_0) }

// fullMongo maps a MongoDB major to the patch release the image would ship.
var fullMongo = map[string]string{"4.4": "4.4.18", "5.0": "5.0.14", "6.0": "6.0.13", "7.0": "7.0.14"}

// MongoRelease gives the full mongod version for a major ("5.0" → "5.0.14").
func MongoRelease(major string) string {
	if r, ok := fullMongo[major]; ok {
		return r
	}
	return major + ".0"
}

// previousFCV is the FCV one release below each MongoDB major: the oldest
// data that mongod binary can open.
var previousFCV = map[string]string{"4.4": "4.2", "5.0": "4.4", "6.0": "5.0", "7.0": "6.0", "8.0": "7.0"}

// MinFCV is the lowest FCV a mongod of the given major opens.
func MinFCV(mongo string) string {
	if p, ok := previousFCV[mongo]; ok {
		return p
	}
	return mongo
}

// CompareFCV orders "4.4" < "5.0" < "6.0"; malformed values sort first.
func CompareFCV(a, b string) int {
	pa, pb := fcvNum(a), fcvNum(b)
	switch {
	case pa < pb:
		return -1
	case pa > pb:
		return 1
	}
	return 0
}

func fcvNum(s string) int {
	maj, min, ok := strings.Cut(s, ".")
	if !ok {
		return -1
	}
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if err1 != nil || err2 != nil {
		return -1
	}
	return a*100 + b
}

// FCVError is mongod refusing data files it cannot open.
type FCVError struct {
	Mongo, FCV string
}

// Error mimics mongod's fatal "Wrong mongod version" line closely enough that
// anything grepping for featureCompatibilityVersion finds it.
func (e *FCVError) Error() string {
	rel := e.Mongo
	return fmt.Sprintf(`UPGRADE PROBLEM: Found an invalid featureCompatibilityVersion document (ERROR: Location4926900: Invalid featureCompatibilityVersion document in admin.system.version: { _id: "featureCompatibilityVersion", version: "%s" }. See https://docs.mongodb.com/master/release-notes/%s-compatibility/#feature-compatibility. :: caused by :: Invalid feature compatibility version value '%s'; expected '%s' or '%s'.). If the current featureCompatibilityVersion is below %s, see the documentation on upgrading at https://docs.mongodb.com/master/release-notes/%s/#upgrade-procedures.`,
		e.FCV, rel, e.FCV, MinFCV(e.Mongo), e.Mongo, MinFCV(e.Mongo), rel)
}

// CheckOpen reports whether a mongod of major mongo can open data at fcv:
// from one release below its own up to its own.
func CheckOpen(mongo, fcv string) error {
	if CompareFCV(fcv, MinFCV(mongo)) < 0 || CompareFCV(fcv, mongo) > 0 {
		return &FCVError{Mongo: mongo, FCV: fcv}
	}
	return nil
}

// Checkpoint is a release every instance must have run before going past it.
type Checkpoint struct {
	Required Version // the data must have run at least this
	Named    string  // what the backend's abort message names, "[v1.9.1]"
	Hint     string  // a human explanation of which releases qualify
}

var checkpoints = []struct {
	cp      Checkpoint
	applies func(target Version) bool
}{
	{
		// The real backend names v1.9.1 even though the hop must be v1.9.2.
		cp:      Checkpoint{Required: v1_9_2, Named: "[v1.9.1]", Hint: "run v1.9.2 until it has started fully"},
		applies: func(t Version) bool { return v1_9_2.Less(t) },
	},
	{
		cp:      Checkpoint{Required: v1_96, Named: "[v1.99]", Hint: "run one of v1.96–v1.99 (v1.99 recommended) until it has started fully"},
		applies: func(t Version) bool { return !t.Less(v2_0) },
	},
}

// MissedCheckpoint returns the oldest checkpoint that starting target on data
// last fully started by last would skip. override is APPSMITH_CHECKPOINT_OVERRIDE
// ("v1.9"): the operator vouching that the data has seen that whole release line.
func MissedCheckpoint(last, target Version, override *Version) (Checkpoint, bool) {
	effective := last
	if override != nil && effective.Less(override.series()) {
		effective = override.series()
	}
	for _, c := range checkpoints {
		if c.applies(target) && effective.Less(c.cp.Required) {
			return c.cp, true
		}
	}
	return Checkpoint{}, false
}

// ExtraCheckpoint is MissedCheckpoint for an image's own checkpoint
// (Config.Checkpoint, "" = none): the data must have started fully on it.
func ExtraCheckpoint(last Version, required string, override *Version) (Checkpoint, bool) {
	if required == "" {
		return Checkpoint{}, false
	}
	r, err := ParseVersion(required)
	if err != nil {
		return Checkpoint{}, false
	}
	effective := last
	if override != nil && effective.Less(override.series()) {
		effective = override.series()
	}
	if !effective.Less(r) {
		return Checkpoint{}, false
	}
	return Checkpoint{Required: r, Named: "[" + required + "]", Hint: "run " + required + " until it has started fully"}, true
}

// ParseOverride reads APPSMITH_CHECKPOINT_OVERRIDE, which must be v<x.y>.
func ParseOverride(s string) (Version, error) {
	if !strings.HasPrefix(s, "v") || strings.Count(s, ".") != 1 {
		return Version{}, fmt.Errorf("APPSMITH_CHECKPOINT_OVERRIDE=%q: want v<major>.<minor>, like v1.9", s)
	}
	return ParseVersion(s)
}
