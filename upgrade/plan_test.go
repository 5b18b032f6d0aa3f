package upgrade

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// The plans of an upgrade for the cases operators meet, as golden files:
// each hop and why, its database steps, and every step of the run with
// whether a rollback can pass it.
func TestPlansGolden(t *testing.T) {
	cases := []struct {
		name, from, to, db string
		tags               []string
	}{
		{"v1.8.15-to-v1.9.1-embedded-mongo", "v1.8.15", "v1.9.1", DBEmbeddedMongo, registry},
		{"v1.8.15-to-v1.9.2-embedded-mongo", "v1.8.15", "v1.9.2", DBEmbeddedMongo, registry},
		{"v1.8.15-to-v1.9.38-embedded-mongo", "v1.8.15", "v1.9.38", DBEmbeddedMongo, registry},
		{"v1.8.15-to-v2.0.1-embedded-mongo", "v1.8.15", "v2.0.1", DBEmbeddedMongo, registry},
		{"v1.8.15-to-v2.0.1-external-mongo", "v1.8.15", "v2.0.1", DBExternalMongo, registry},
		{"v1.9.1-to-v1.9.37-embedded-mongo", "v1.9.1", "v1.9.37", DBEmbeddedMongo, registry},
		{"v1.9.2-to-v1.9.38-embedded-mongo", "v1.9.2", "v1.9.38", DBEmbeddedMongo, registry},
		{"v1.9.38-to-v2.2.0-embedded-mongo", "v1.9.38", "v2.2.0", DBEmbeddedMongo, registry},
		{"v1.9.38-to-v2.0.1-only-v1.97", "v1.9.38", "v2.0.1", DBEmbeddedMongo, []string{"v1.9.38", "v1.96", "v1.97", "v2.0.1"}},
		{"v1.98-to-v2.0.1-embedded-mongo", "v1.98", "v2.0.1", DBEmbeddedMongo, registry},
		{"v1.47-to-v2.2.0-postgres", "v1.47", "v2.2.0", DBPostgres, registry},
		{"v2.0.1-to-v2.2.0-postgres", "v2.0.1", "v2.2.0", DBPostgres, registry},
		{"v2.0.1-to-v2.2.0-external-mongo", "v2.0.1", "v2.2.0", DBExternalMongo, registry},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hops, err := Path(c.from, c.to, c.tags, c.db)
			if err != nil {
				t.Fatal(err)
			}
			in := Instance{Dir: "/opt/appsmith", Version: c.from, DB: c.db, BaseURL: "http://127.0.0.1:80",
				Container: docker.Container{ID: "c0", Name: "appsmith", Image: "appsmith/appsmith-ce:" + c.from, Restart: "unless-stopped"}}
			sp := NewSpec(in, c.to, hops, time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC))
			var b bytes.Buffer
			fmt.Fprintf(&b, "%s → %s (%s)\n", c.from, c.to, c.db)
			for i, h := range hops {
				fmt.Fprintf(&b, "hop %d: %s → %s — %s\n", i+1, h.From, h.To, h.Why)
				if h.MongoFrom != "" {
					fmt.Fprintf(&b, "  MongoDB %s → %s\n", h.MongoFrom, h.MongoTo)
				}
				for _, s := range append(append([]DBStep(nil), h.Pre...), h.Post...) {
					fmt.Fprintf(&b, "  %s %s: %s\n", s.Kind, s.FCV, s.Why)
				}
				if h.NeedsExternalMongo != "" {
					fmt.Fprintf(&b, "  external MongoDB ≥ %s\n", h.NeedsExternalMongo)
				}
			}
			if err := Plan(in, sp).Print(&b); err != nil {
				t.Fatal(err)
			}
			sizes := goldenSizes(in, hops, c.db == DBExternalMongo)
			for _, l := range EstimateTime(sizes, 1_500_000_000, len(hops)).Lines(sizes) {
				fmt.Fprintln(&b, l)
			}
			golden := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("plan differs from %s:\n%s", golden, diffLines(string(want), got))
			}
		})
	}
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	for i := 0; i < max(len(w), len(g)); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			out = append(out, fmt.Sprintf("line %d:\n  want %q\n  got  %q", i+1, a, b))
		}
	}
	return strings.Join(out, "\n")
}
