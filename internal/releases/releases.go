// Package releases is the one home of facts about Appsmith's releases that
// the code acts on: which embedded MongoDB a line ships and the
// featureCompatibilityVersion it needs, the checkpoints an upgrade cannot
// skip, when AVX became necessary, which database a fresh install gets, and
// the log lines after which a container will never become ready. Install,
// readiness and upgrades read them here; nothing else hard-codes a version.
// Sources: ../shared/APPSMITH.md (Appsmith's deploy/ scripts, its
// release notes and issue tracker).
package releases

import (
	"strings"

	"github.com/hashicorp/go-version"
)

// Parse reads an Appsmith version tag ("v1.9.2", "1.99"); ok is false for
// floating tags ("latest") and anything that is not a version.
func Parse(tag string) (*version.Version, bool) {
	t := strings.TrimPrefix(strings.TrimSpace(tag), "v")
	if t == "" || strings.ContainsAny(t, "-+") {
		return nil, false
	}
	v, err := version.NewVersion(t)
	return v, err == nil
}

func mustV(s string) *version.Version { return version.Must(version.NewVersion(s)) }

var (
	v1_9_0  = mustV("1.9.0")
	v1_9_2  = mustV("1.9.2")
	v1_9_38 = mustV("1.9.38")
	v1_47   = mustV("1.47")
	v1_96   = mustV("1.96")
	v1_99   = mustV("1.99")
	v2_0    = mustV("2.0")
	v2_2    = mustV("2.2")
)

// NeedsAVX reports whether the embedded MongoDB of v needs a CPU with AVX:
// MongoDB 5+ arrived in v1.9.0, and v1.8.15 is the last image that runs
// without it. A floating tag (nil) is newer than that.
func NeedsAVX(v *version.Version) bool { return v == nil || !v.LessThan(v1_9_0) }

// LastWithoutAVX is the newest release whose embedded MongoDB runs on a CPU
// without AVX.
const LastWithoutAVX = "v1.8.15"

// EmbeddedMongo is the MongoDB major ("5.0") embedded in release v.
func EmbeddedMongo(v *version.Version) string {
	switch {
	case v.LessThan(v1_9_0):
		return "4.4"
	case v.LessThan(v1_96):
		return "5.0"
	case v.LessThan(v2_0):
		return "6.0"
	default:
		return "7.0"
	}
}

// StartFCV is the lowest featureCompatibilityVersion release v's backend
// starts on ("" when it starts on any the server opens): v1.9.0–v1.9.37
// crash-looped on data left at 4.4 by a MongoDB 4.4 → 5.0 upgrade (later
// releases raise it themselves, FCVFloor).
func StartFCV(v *version.Version) string {
	if !v.LessThan(v1_9_0) && v.LessThan(v1_9_38) {
		return "5.0"
	}
	return ""
}

// FCVFloor is the featureCompatibilityVersion release v raises older data
// to once it has started ("" when it leaves it alone): v1.9.38 raised 4.4
// data to 5.0 (earlier 1.9 images crash-looped on it), v1.96–v1.99 raise it
// to 6.0, v2.2 to 7.0 (the groundwork for MongoDB 8).
func FCVFloor(v *version.Version) string {
	switch {
	case v.LessThan(v1_9_38):
		return ""
	case v.LessThan(v1_96):
		return "5.0"
	case v.LessThan(v2_2):
		return "6.0"
	default:
		return "7.0"
	}
}

// DefaultDB is the database Appsmith's own docker.env template writes for a
// fresh install of v: embedded PostgreSQL from v1.47, MongoDB before. A
// floating tag (nil) is a current release.
func DefaultDB(v *version.Version) string {
	if v == nil || !v.LessThan(v1_47) {
		return "postgresql"
	}
	return "mongodb"
}

// WritesRedisPassword reports whether the installer should write
// APPSMITH_REDIS_PASSWORD and put it into the embedded Redis URL for a fresh
// install of v, as Appsmith's own template does for images whose Redis runs
// with requirepass.
//
// Known: the entrypoint change that generates the password (13 characters)
// and backfills it into an existing docker.env (appsmithorg/appsmith#41634)
// was merged on 2026-03-18, before the embedded MongoDB 7.0 (#41743, merged
// in May 2026) that starts the 2.x line, so every 2.x image carries it.
// Not known: the first 1.9x release that does. Assumed, on purpose late:
// v2.0. Too early would break an install (a password in the URL of a Redis
// without requirepass is refused); too late only lets the entrypoint write
// its own, shorter password. A floating tag (nil) may name an older image
// on a mirror: the entrypoint decides then, which works for either.
//
// An upgrade that takes a docker.env written without the password past this
// gate needs nothing from us as long as the file never mentions the key: the
// new entrypoint backfills it (and rewrites a local URL) on its first start.
func WritesRedisPassword(v *version.Version) bool { return v != nil && !v.LessThan(v2_0) }

// Checkpoint is a release line every instance must have started fully
// before a later release will start on its data.
type Checkpoint struct {
	// From and To bound the releases that satisfy it (To is the recommended
	// one); Before is the first release that needs it.
	From, To, Before *version.Version
	Note             string
}

// Checkpoints, oldest first. The v1.9.2 backend's abort message names
// "[v1.9.1]", but only v1.9.2 satisfies that checkpoint.
var Checkpoints = []Checkpoint{
	{From: v1_9_2, To: v1_9_2, Before: mustV("1.9.3"), Note: "checkpoint: instances older than v1.9.2 must run it first"},
	{From: v1_96, To: v1_99, Before: v2_0, Note: "checkpoint: instances older than v1.96 must run it first"},
}

// CheckpointAt returns the checkpoint v is the recommended release of.
func CheckpointAt(v *version.Version) (Checkpoint, bool) {
	for _, c := range Checkpoints {
		if v.Equal(c.To) {
			return c, true
		}
	}
	return Checkpoint{}, false
}
