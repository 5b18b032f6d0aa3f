package releases

import "testing"

func TestFactsPerRelease(t *testing.T) {
	for _, c := range []struct {
		tag            string
		avx            bool
		mongo, fcv, db string
	}{
		{"v1.8.15", false, "4.4", "", "mongodb"},
		{"v1.9.0", true, "5.0", "", "mongodb"},
		{"v1.9.2", true, "5.0", "", "mongodb"},
		{"v1.9.38", true, "5.0", "5.0", "mongodb"},
		{"v1.46", true, "5.0", "5.0", "mongodb"},
		{"v1.47", true, "5.0", "5.0", "postgresql"},
		{"v1.96", true, "6.0", "6.0", "postgresql"},
		{"v1.99", true, "6.0", "6.0", "postgresql"},
		{"v2.0.1", true, "7.0", "6.0", "postgresql"},
		{"v2.2", true, "7.0", "7.0", "postgresql"},
		{"v1.100", true, "6.0", "6.0", "postgresql"}, // minor numbers compare as numbers
	} {
		v, ok := Parse(c.tag)
		if !ok {
			t.Fatalf("%s does not parse", c.tag)
		}
		// Only the 1.9 releases before v1.9.38 need the data at 5.0 to start.
		wantStart := ""
		if c.tag == "v1.9.0" || c.tag == "v1.9.2" {
			wantStart = "5.0"
		}
		if got := StartFCV(v); got != wantStart {
			t.Errorf("%s: StartFCV %q, want %q", c.tag, got, wantStart)
		}
		if NeedsAVX(v) != c.avx || EmbeddedMongo(v) != c.mongo || FCVFloor(v) != c.fcv || DefaultDB(v) != c.db {
			t.Errorf("%s: avx %v mongo %s fcv %q db %s; want %v %s %q %s", c.tag, NeedsAVX(v), EmbeddedMongo(v), FCVFloor(v), DefaultDB(v), c.avx, c.mongo, c.fcv, c.db)
		}
	}
	for tag, want := range map[string]bool{"v1.99": false, "v1.47": false, "v2.0": true, "v2.0.1": true, "v2.2": true} {
		v, _ := Parse(tag)
		if WritesRedisPassword(v) != want {
			t.Errorf("%s: WritesRedisPassword %v, want %v", tag, !want, want)
		}
	}
	if WritesRedisPassword(nil) {
		t.Error("a floating tag may name an older image: the entrypoint decides")
	}
	if _, ok := Parse("latest"); ok {
		t.Error("latest is not a version")
	}
	if !NeedsAVX(nil) || DefaultDB(nil) != "postgresql" {
		t.Error("a floating tag is a current release")
	}
}

func TestCheckpoints(t *testing.T) {
	for tag, want := range map[string]bool{"v1.9.2": true, "v1.99": true, "v1.9.1": false, "v1.98": false, "v2.0": false} {
		v, _ := Parse(tag)
		if _, ok := CheckpointAt(v); ok != want {
			t.Errorf("%s checkpoint %v, want %v", tag, ok, want)
		}
	}
}

func TestMarkersMeanFailure(t *testing.T) {
	ms := FatalMarkers(nil)
	for line, fatal := range map[string]bool{
		"APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED":                                     true,
		"INFO Raising MongoDB featureCompatibilityVersion from 5.0 to 6.0":                       false,
		`{"s":"I","msg":"Waiting for connections","attr":{"featureCompatibilityVersion":"6.0"}}`: false,
		"UPGRADE PROBLEM: Found an invalid featureCompatibilityVersion document":                 true,
		"Illegal instruction (core dumped)":                                                      true,
	} {
		if _, got := Match(ms, line); got != fatal {
			t.Errorf("%q fatal=%v, want %v", line, got, fatal)
		}
	}
}
