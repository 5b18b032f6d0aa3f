package install

import (
	"github.com/appsmith-install/appsmith-install/internal/releases"

	"strings"
	"testing"
)

func TestNormalizeVersion(t *testing.T) {
	for in, want := range map[string]string{"1.9.2": "v1.9.2", "v1.9.2": "v1.9.2", "V2.0": "v2.0", "latest": "latest", "Release": "release", " v1.99 ": "v1.99"} {
		if got, err := NormalizeVersion(in); err != nil || got != want {
			t.Errorf("NormalizeVersion(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"1.x", "", "v", "1.9.2-beta", "1..2", "v1.9.2.1", "latest2"} {
		if _, err := NormalizeVersion(bad); err == nil {
			t.Errorf("NormalizeVersion(%q) accepted", bad)
		}
	}
}

func TestImageRefAndExpectedVersion(t *testing.T) {
	o := Defaults()
	o.Edition, o.Version = "ce", "v1.9.2"
	if o.ImageRef() != "appsmith/appsmith-ce:v1.9.2" || o.ExpectedVersion() != "v1.9.2" {
		t.Fatalf("%s %s", o.ImageRef(), o.ExpectedVersion())
	}
	o.Registry = "127.0.0.1:5000/mirror"
	if o.ImageRef() != "127.0.0.1:5000/mirror/appsmith/appsmith-ce:v1.9.2" {
		t.Fatal(o.ImageRef())
	}
	o.Version = "latest"
	if o.ExpectedVersion() != "" {
		t.Fatal("a floating tag must accept any version")
	}
	o.Image = "registry.local:5000/appsmith/appsmith-ee:v2.0.1"
	if o.ImageRef() != o.Image || o.ExpectedVersion() != "v2.0.1" {
		t.Fatalf("%s %s", o.ImageRef(), o.ExpectedVersion())
	}
	o.Image = "registry.local:5000/appsmith/appsmith-ee@sha256:" + strings.Repeat("a", 64)
	if o.ExpectedVersion() != "" {
		t.Fatal("a digest has no version to expect")
	}
}

func TestRedactURL(t *testing.T) {
	got := redactURL("mongodb://appsmith:s3cret@db:27017/appsmith")
	if strings.Contains(got, "s3cret") || !strings.Contains(got, "db:27017") {
		t.Fatal(got)
	}
}

func TestLogWatchSplitsLinesAndFindsMarkers(t *testing.T) {
	l := newLogWatch(releases.FatalMarkers(nil))
	l.Write([]byte("booting\nAPPSMITH BACKEND START "))
	if len(l.take()) != 1 || l.fatal() != "" {
		t.Fatal("partial line handled as a whole one")
	}
	l.Write([]byte("ABORTED — CHECKPOINT MISSED\r\nmore\n"))
	if got := l.fatal(); got != "APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED" {
		t.Fatalf("marker %q", got)
	}
	for i := 0; i < 100; i++ {
		l.Write([]byte("x\n"))
	}
	if len(l.tail()) != logTailLines {
		t.Fatalf("tail has %d lines", len(l.tail()))
	}
}

// Images raise the featureCompatibilityVersion after start and say so at
// INFO level: that is a success, not a fatal marker. mongod's refusal is.
func TestLogWatchFCVLinesByMeaning(t *testing.T) {
	for line, fatal := range map[string]bool{
		`backend stdout | INFO Raising MongoDB featureCompatibilityVersion from 5.0 to 6.0`:                                                                               false,
		`mongodb stdout | {"t":{"$date":"2026-01-01"},"s":"I","c":"NETWORK","msg":"Waiting for connections","attr":{"featureCompatibilityVersion":"6.0"}}`:                false,
		`mongodb stdout | {"s":"F","c":"CONTROL","msg":"Wrong mongod version","attr":{"error":"UPGRADE PROBLEM: Found an invalid featureCompatibilityVersion document"}}`: true,
		`mongodb stderr | Illegal instruction (core dumped)`:                                                                                                              true,
	} {
		l := newLogWatch(releases.FatalMarkers(mustVersion("2.0.1")))
		l.Write([]byte(line + "\n"))
		if got := l.fatal() != ""; got != fatal {
			t.Errorf("fatal=%v for %s", got, line)
		}
	}
}
