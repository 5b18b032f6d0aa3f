package tui

import (
	"regexp"
	"sort"

	"github.com/hashicorp/go-version"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// versionChoice is one entry of the version list.
type versionChoice struct {
	Tag  string // what goes into Options.Version
	Note string // "" or why it is special
}

// stableTag is a release tag: rc, beta and build tags are not offered.
var stableTag = regexp.MustCompile(`^v[0-9]+(\.[0-9]+){0,2}$`)

// versionChoices orders the registry's tags for the picker: "latest" first,
// then releases newest first, checkpoints marked. current is kept in the
// list even when the registry does not have it, so a version given on the
// command line is not silently replaced.
func versionChoices(tags []string, current string) []versionChoice {
	seen := map[string]bool{}
	type tv struct {
		tag string
		v   *version.Version
	}
	var rel []tv
	for _, t := range tags {
		if !stableTag.MatchString(t) || seen[t] {
			continue
		}
		seen[t] = true
		if v, ok := install.ParseVersion(t); ok {
			rel = append(rel, tv{t, v})
		}
	}
	sort.SliceStable(rel, func(i, j int) bool { return rel[j].v.LessThan(rel[i].v) })
	out := []versionChoice{{Tag: "latest", Note: "the newest release"}}
	if current != "" && current != "latest" && !seen[current] {
		out = append(out, versionChoice{Tag: current, Note: "as asked (not in the registry's list)"})
	}
	for _, r := range rel {
		c := versionChoice{Tag: r.tag}
		// Checkpoints are marked: they tell a user why an older version
		// is still offered (releases holds which they are).
		if cp, ok := releases.CheckpointAt(r.v); ok {
			c.Note = cp.Note
		}
		out = append(out, c)
	}
	return out
}
