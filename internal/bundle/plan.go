package bundle

import (
	"fmt"
	"runtime"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// Plan is the manifest of a bundle from → to of repository before anything
// is pulled: the upgrade path upgrade.Path picks from the registry's tags
// (every checkpoint hop), and one image per version, from's included (a
// fresh install, and a rollback, need it). from "" is a bundle of to alone.
func Plan(repository, from, to string, tags []string, now time.Time) (Manifest, error) {
	m := Manifest{Format: Format, Created: now.UTC().Truncate(time.Second), Repository: repository, From: from, To: to,
		Installer: BuildInfo{Version: buildinfo.Get().Version, Commit: buildinfo.Get().Commit, Platform: runtime.GOOS + "/" + runtime.GOARCH}}
	if from == "" {
		m.From = to
	}
	hops, err := upgrade.Path(m.From, to, tags, "")
	if err != nil {
		return m, err
	}
	if from == to || from == "" {
		if !contains(tags, to) {
			return m, fmt.Errorf("the registry has no tag %s", to)
		}
	}
	m.Path = hops
	versions := []string{m.From}
	for _, h := range hops {
		versions = append(versions, h.To)
	}
	for _, v := range versions {
		m.Images = append(m.Images, Image{Version: v, Ref: repository + ":" + v})
	}
	return m, nil
}

// Covers says whether the bundle holds every image a path needs; missing
// names the first version it lacks.
func (m Manifest) Covers(from string, hops []upgrade.Hop) (missing string, ok bool) {
	need := []string{}
	if from != "" {
		need = append(need, from)
	}
	for _, h := range hops {
		need = append(need, h.To)
	}
	for _, v := range need {
		if _, ok := m.Image(v); !ok {
			return v, false
		}
	}
	return "", true
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
