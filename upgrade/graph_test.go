package upgrade

import (
	"errors"
	"strings"
	"testing"
)

var registry = []string{"latest", "v1.8.14", "v1.8.15", "v1.9.1", "v1.9.2", "v1.9.37", "v1.9.38", "v1.47", "v1.96", "v1.98", "v1.99", "v2.0.1", "v2.2.0", "nightly"}

func hopsString(hs []Hop) string {
	var b strings.Builder
	for _, h := range hs {
		b.WriteString(h.From + "→" + h.To)
		for _, s := range h.Pre {
			b.WriteString(" pre:" + s.Kind + "=" + s.FCV)
		}
		for _, s := range h.Post {
			b.WriteString(" post:" + s.Kind + "=" + s.FCV)
		}
		if h.NeedsExternalMongo != "" {
			b.WriteString(" ext>=" + h.NeedsExternalMongo)
		}
		b.WriteString("; ")
	}
	return strings.TrimSuffix(b.String(), "; ")
}

func TestPath(t *testing.T) {
	for _, c := range []struct {
		from, to, db string
		tags         []string
		want         string
	}{
		// upgrade v1.9.1 means exactly v1.9.1: one hop, with the MongoDB 5 step.
		{"v1.8.15", "v1.9.1", DBEmbeddedMongo, registry, "v1.8.15→v1.9.1 pre:set-fcv=4.4"},
		{"v1.8.15", "v1.9.2", DBEmbeddedMongo, registry, "v1.8.15→v1.9.2 pre:set-fcv=4.4"},
		// Past v1.9.2: through it.
		{"v1.8.15", "v1.9.38", DBEmbeddedMongo, registry, "v1.8.15→v1.9.2 pre:set-fcv=4.4; v1.9.2→v1.9.38 post:expect-fcv=5.0"},
		{"v1.9.1", "v1.9.37", DBEmbeddedMongo, registry, "v1.9.1→v1.9.2; v1.9.2→v1.9.37"},
		// To 2.x: through v1.9.2 and the newest of v1.96–v1.99.
		{"v1.8.15", "v2.0.1", DBEmbeddedMongo, registry, "v1.8.15→v1.9.2 pre:set-fcv=4.4; v1.9.2→v1.99 pre:set-fcv=5.0 post:expect-fcv=6.0; v1.99→v2.0.1 pre:set-fcv=6.0"},
		{"v1.9.38", "v2.2.0", DBEmbeddedMongo, registry, "v1.9.38→v1.99 pre:set-fcv=5.0 post:expect-fcv=6.0; v1.99→v2.2.0 pre:set-fcv=6.0 post:expect-fcv=7.0"},
		{"v1.9.38", "v2.0.1", DBEmbeddedMongo, []string{"v1.9.38", "v1.96", "v1.97", "v2.0.1"}, "v1.9.38→v1.97 pre:set-fcv=5.0 post:expect-fcv=6.0; v1.97→v2.0.1 pre:set-fcv=6.0"},
		{"v1.98", "v2.0.1", DBEmbeddedMongo, registry, "v1.98→v2.0.1 pre:set-fcv=6.0"},
		{"v1.9.38", "v1.98", DBEmbeddedMongo, registry, "v1.9.38→v1.98 pre:set-fcv=5.0 post:expect-fcv=6.0"},
		// External MongoDB: the same hops, requirements instead of steps.
		{"v1.8.15", "v2.0.1", DBExternalMongo, registry, "v1.8.15→v1.9.2 ext>=5.0; v1.9.2→v1.99 ext>=5.0; v1.99→v2.0.1 ext>=5.0"},
		// PostgreSQL: checkpoints still apply, no database steps.
		{"v1.47", "v2.2.0", DBPostgres, registry, "v1.47→v1.99; v1.99→v2.2.0"},
		{"v2.0.1", "v2.2.0", DBPostgres, registry, "v2.0.1→v2.2.0"},
		{"v2.2.0", "v2.2.0", DBPostgres, registry, ""},
	} {
		hs, err := Path(c.from, c.to, c.tags, c.db)
		if err != nil {
			t.Errorf("%s → %s (%s): %v", c.from, c.to, c.db, err)
			continue
		}
		if got := hopsString(hs); got != c.want {
			t.Errorf("%s → %s (%s):\n got %s\nwant %s", c.from, c.to, c.db, got, c.want)
		}
	}
}

func TestPathRefusals(t *testing.T) {
	_, err := Path("v2.0.1", "v1.99", registry, DBEmbeddedMongo)
	var dg *DowngradeError
	if !errors.As(err, &dg) {
		t.Errorf("downgrade: %v", err)
	}
	if _, err := Path("v1.9.38", "v2.0.1", []string{"v1.9.38", "v2.0.1"}, DBEmbeddedMongo); err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Errorf("no checkpoint tag: %v", err)
	}
	if _, err := Path("v1.9.38", "v2.9.9", registry, DBEmbeddedMongo); err == nil || !strings.Contains(err.Error(), "no tag v2.9.9") {
		t.Errorf("missing target: %v", err)
	}
	if _, err := Path("latest", "v2.0.1", registry, DBEmbeddedMongo); err == nil {
		t.Error("a floating running version was accepted")
	}
	// Why each hop is there.
	hs, _ := Path("v1.8.15", "v2.0.1", registry, DBEmbeddedMongo)
	if !strings.Contains(hs[0].Why, "checkpoint") || !strings.Contains(hs[1].Why, "newest of them") || hs[2].Why != "the version asked for" {
		t.Errorf("why: %q / %q / %q", hs[0].Why, hs[1].Why, hs[2].Why)
	}
}
