package backup

import (
	"testing"
	"time"
)

func TestNameRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 30, 22, 10, 5, 0, time.UTC)
	for _, c := range []struct {
		host, version string
		enc           bool
	}{{"app-1.example.com", "v1.9.2", true}, {"my host", "v2.0.1", false}, {"", "v1.99", true}} {
		n := Name(c.host, at, c.version, c.enc)
		info, ok := ParseName(n)
		if !ok || !info.Time.Equal(at) || info.Version != c.version || info.Encrypted != c.enc || !info.Native {
			t.Errorf("ParseName(%q) = %+v, %v", n, info, ok)
		}
	}
	if n1, n2 := Name("h", at, "v1.9.2", true), Name("h", at.Add(time.Second), "v1.9.2", true); n1 >= n2 {
		t.Errorf("names do not sort by time: %q >= %q", n1, n2)
	}
}

func TestParseNameAppsmithctl(t *testing.T) {
	info, ok := ParseName("appsmith-backup-2024-01-02T03-04-05.678Z.tar.gz.enc")
	want := time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC)
	if !ok || info.Native || !info.Encrypted || !info.Time.Equal(want) {
		t.Fatalf("got %+v %v", info, ok)
	}
	for _, n := range []string{"notes.txt", "appsmith-x.tar.zst", "appsmith-h-2026-v1.tar.zst", ".appsmith-h-20261130T221005Z-v1.9.2.tar.zst.tmp"} {
		if _, ok := ParseName(n); ok {
			t.Errorf("ParseName(%q) accepted", n)
		}
	}
}
