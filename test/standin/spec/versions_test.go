package spec

import (
	"strings"
	"testing"
)

func TestParseVersion(t *testing.T) {
	for in, want := range map[string][3]int{"v1.9.2": {1, 9, 2}, "1.99": {1, 99, 0}, "v2": {2, 0, 0}, "v2.0.1": {2, 0, 1}} {
		v, err := ParseVersion(in)
		if err != nil || [3]int{v.Major, v.Minor, v.Patch} != want {
			t.Errorf("ParseVersion(%q) = %+v, %v; want %v", in, v, err, want)
		}
	}
	for _, bad := range []string{"", "v", "latest", "v1.9.2.1", "v1..2", "v1.09", "v1.-1"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
	if got := MustParse("v1.99").String(); got != "v1.99" {
		t.Errorf("String() = %q", got)
	}
}

func TestCompareIsNumeric(t *testing.T) {
	ordered := []string{"v1.8.15", "v1.9.0", "v1.9.2", "v1.9.10", "v1.9.38", "v1.10", "v1.95.3", "v1.96", "v1.99", "v2.0", "v2.0.1", "v2.2"}
	for i := 1; i < len(ordered); i++ {
		a, b := MustParse(ordered[i-1]), MustParse(ordered[i])
		if !a.Less(b) || b.Less(a) {
			t.Errorf("want %s < %s", a, b)
		}
	}
}

func TestMongoAndFloor(t *testing.T) {
	cases := []struct {
		v, mongo, floor string
		marker          bool
	}{
		{"v1.6", "4.4", "", false},
		{"v1.8.15", "4.4", "", false},
		{"v1.9.0", "5.0", "", false},
		{"v1.9.2", "5.0", "", false},
		{"v1.9.37", "5.0", "", false},
		{"v1.9.38", "5.0", "5.0", false},
		{"v1.95", "5.0", "5.0", false},
		{"v1.96", "6.0", "6.0", false},
		{"v1.99", "6.0", "6.0", false},
		{"v2.0.1", "7.0", "6.0", true},
		{"v2.1", "7.0", "6.0", true},
		{"v2.2", "7.0", "7.0", true},
		{"v2.7.1", "7.0", "7.0", true},
	}
	for _, c := range cases {
		v := MustParse(c.v)
		if got := MongoFor(v); got != c.mongo {
			t.Errorf("MongoFor(%s) = %s, want %s", c.v, got, c.mongo)
		}
		if got := FCVFloor(v); got != c.floor {
			t.Errorf("FCVFloor(%s) = %q, want %q", c.v, got, c.floor)
		}
		if got := WritesFCVMarker(v); got != c.marker {
			t.Errorf("WritesFCVMarker(%s) = %v", c.v, got)
		}
		// Whatever floor an image raises to, its own mongod must open it.
		if c.floor != "" {
			if err := CheckOpen(c.mongo, c.floor); err != nil {
				t.Errorf("%s: own floor refused: %v", c.v, err)
			}
		}
	}
}

func TestCheckOpen(t *testing.T) {
	ok := map[string][]string{"4.4": {"4.2", "4.4"}, "5.0": {"4.4", "5.0"}, "6.0": {"5.0", "6.0"}, "7.0": {"6.0", "7.0"}}
	refused := map[string][]string{"4.4": {"4.0", "5.0"}, "5.0": {"4.2", "6.0"}, "6.0": {"4.4", "7.0"}, "7.0": {"4.4", "5.0", "8.0"}}
	for m, fcvs := range ok {
		for _, f := range fcvs {
			if err := CheckOpen(m, f); err != nil {
				t.Errorf("mongod %s refused FCV %s: %v", m, f, err)
			}
		}
	}
	for m, fcvs := range refused {
		for _, f := range fcvs {
			err := CheckOpen(m, f)
			if err == nil {
				t.Errorf("mongod %s opened FCV %s", m, f)
				continue
			}
			if !strings.Contains(err.Error(), "featureCompatibilityVersion") || !strings.Contains(err.Error(), "'"+f+"'") {
				t.Errorf("message lacks FCV facts: %v", err)
			}
		}
	}
}

func TestMissedCheckpoint(t *testing.T) {
	cases := []struct {
		last, target, override string
		named                  string // "" = no checkpoint missed
	}{
		{"v1.8.15", "v1.9.1", "", ""},
		{"v1.8.15", "v1.9.2", "", ""},
		{"v1.8.15", "v1.9.38", "", "[v1.9.1]"},
		{"v1.9.1", "v1.9.38", "", "[v1.9.1]"},
		{"v1.9.2", "v1.9.38", "", ""},
		{"v1.9.2", "v1.99", "", ""},
		{"v1.8.15", "v2.0.1", "", "[v1.9.1]"},
		{"v1.9.38", "v2.0.1", "", "[v1.99]"},
		{"v1.95", "v2.0.1", "", "[v1.99]"},
		{"v1.96", "v2.0.1", "", ""},
		{"v1.99", "v2.2", "", ""},
		{"v2.0.1", "v1.9.2", "", ""},
		{"v1.8.15", "v1.9.38", "v1.9", ""},
		{"v1.8.15", "v1.9.38", "v1.8", "[v1.9.1]"},
		{"v1.8.15", "v2.0.1", "v1.9", "[v1.99]"},
		{"v1.8.15", "v2.0.1", "v1.96", ""},
	}
	for _, c := range cases {
		var ov *Version
		if c.override != "" {
			o, err := ParseOverride(c.override)
			if err != nil {
				t.Fatal(err)
			}
			ov = &o
		}
		cp, missed := MissedCheckpoint(MustParse(c.last), MustParse(c.target), ov)
		got := ""
		if missed {
			got = cp.Named
		}
		if got != c.named {
			t.Errorf("%s → %s (override %q): missed %q, want %q", c.last, c.target, c.override, got, c.named)
		}
	}
}

func TestParseOverride(t *testing.T) {
	for _, bad := range []string{"1.9", "v1.9.2", "v1", "yes", ""} {
		if _, err := ParseOverride(bad); err == nil {
			t.Errorf("ParseOverride(%q) accepted", bad)
		}
	}
}
