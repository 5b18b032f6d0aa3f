package upgrade

import "testing"

func TestChannelTarget(t *testing.T) {
	tags := []string{"v1.9.2", "v1.9.37", "v1.9.38", "v1.10.0", "v1.99", "v2.0.1", "v2.1.0-beta", "latest", "1.9.40"}
	for _, c := range []struct{ from, channel, want string }{
		{"v1.9.2", ChannelPatch, "v1.9.38"},
		{"v1.9.2", ChannelMinor, "v1.99"},
		{"v1.9.2", ChannelLatest, "v2.0.1"},
		{"v1.9.38", ChannelPatch, ""},
		{"v1.99", ChannelPatch, ""}, // two-part: 99 is the minor, v1.99.x would be its patches
		{"v1.99", ChannelMinor, ""},
		{"v1.99", ChannelLatest, "v2.0.1"},
		{"v1.10.0", ChannelPatch, ""},
		{"v2.0.1", ChannelLatest, ""},
		{"v1.8.15", ChannelPatch, ""},
		{"v1.8.15", ChannelMinor, "v1.99"},
	} {
		got, err := ChannelTarget(c.from, tags, c.channel)
		if err != nil || got != c.want {
			t.Errorf("%s on %s: %q, %v; want %q", c.from, c.channel, got, err, c.want)
		}
	}
	if got, _ := ChannelTarget("v1.99", []string{"v1.99", "v1.99.1", "v1.100"}, ChannelPatch); got != "v1.99.1" {
		t.Errorf("v1.99 patch: %q, want v1.99.1", got)
	}
	for _, bad := range [][2]string{{"v1.9.2", "weekly"}, {"latest", ChannelPatch}} {
		if _, err := ChannelTarget(bad[0], tags, bad[1]); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}
