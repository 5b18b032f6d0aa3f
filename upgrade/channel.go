package upgrade

import (
	"errors"
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// Channels bound how far `upgrade --auto` goes by itself.
const (
	ChannelPatch  = "patch"  // the same major.minor (v1.9.2 → v1.9.38)
	ChannelMinor  = "minor"  // the same major (v1.9.38 → v1.99)
	ChannelLatest = "latest" // the newest release
)

// Channels lists them in the order the help text gives.
var Channels = []string{ChannelPatch, ChannelMinor, ChannelLatest}

// ValidChannel reports whether c is a channel.
func ValidChannel(c string) bool {
	for _, x := range Channels {
		if c == x {
			return true
		}
	}
	return false
}

// ChannelTarget is the newest release tag within the channel of the
// running version ("" when none is newer). Only the target is bounded:
// Path still hops through every checkpoint on the way. A two-part tag
// (v1.99) has 99 as its minor.
func ChannelTarget(from string, tags []string, channel string) (string, error) {
	if !ValidChannel(channel) {
		return "", fmt.Errorf("channel %q: patch, minor or latest", channel)
	}
	fv, ok := releases.Parse(from)
	if !ok {
		return "", fmt.Errorf("the running version %q is not a release version", from)
	}
	fs := fv.Segments()
	var best string
	for _, v := range parseTags(tags) { // sorted, oldest first
		if !v.GreaterThan(fv) {
			continue
		}
		s := v.Segments()
		switch channel {
		case ChannelPatch:
			if s[0] != fs[0] || s[1] != fs[1] {
				continue
			}
		case ChannelMinor:
			if s[0] != fs[0] {
				continue
			}
		}
		best = tag(v)
	}
	return best, nil
}

// ErrRolledBack is in the error of an upgrade that failed and was rolled
// back: the old version runs on its data as before.
var ErrRolledBack = errors.New("rolled back")
