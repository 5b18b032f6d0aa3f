package upgrade

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// In place or by dump and restore, from the graph and the data: the
// running mongod lifts the data to its own major and no further, and the
// next one opens its own major and the one before.
func TestDecideMigration(t *testing.T) {
	cases := []struct {
		name, from, to string
		data           MongoData
		migrate        []bool   // per hop
		pre            []string // per hop: the set-fcv value, "" = none
	}{
		{"checkpoint on MongoDB 5 at FCV 4.4", "v1.9.2", "v1.99", MongoData{Server: "5.0", FCV: "4.4"}, []bool{false}, []string{"5.0"}},
		{"checkpoint on MongoDB 5 at FCV 5.0", "v1.9.2", "v1.99", MongoData{Server: "5.0", FCV: "5.0"}, []bool{false}, []string{"5.0"}},
		{"not read: the graph", "v1.9.2", "v1.99", MongoData{}, []bool{false}, []string{"5.0"}},
		{"MongoDB 4.4 FCV 4.2 to MongoDB 5", "v1.8.15", "v1.9.2", MongoData{Server: "4.4", FCV: "4.2"}, []bool{false}, []string{"4.4"}},
		{"a v1.9.2 image built on MongoDB 4.4, to MongoDB 6", "v1.9.2", "v1.99", MongoData{Server: "4.4", FCV: "4.4"}, []bool{true}, []string{""}},
		{"MongoDB 6 at FCV 5.0 to MongoDB 7", "v1.99", "v2.0.1", MongoData{Server: "6.0", FCV: "5.0"}, []bool{false}, []string{"6.0"}},
		{"a v1.99 image on MongoDB 5 to MongoDB 7", "v1.99", "v2.0.1", MongoData{Server: "5.0", FCV: "5.0"}, []bool{true}, []string{""}},
		{"MongoDB 4.4 through v1.99 to 2.x: only the first hop migrates", "v1.9.38", "v2.0.1", MongoData{Server: "4.4", FCV: "4.4"}, []bool{true, false}, []string{"", "6.0"}},
		{"a server newer than its line, data already fine", "v1.9.38", "v1.99", MongoData{Server: "6.0", FCV: "6.0"}, []bool{false}, []string{""}},
		{"a server newer than its line, data one behind", "v1.9.38", "v1.99", MongoData{Server: "6.0", FCV: "5.0"}, []bool{false}, []string{""}},
		{"a server one behind its line raises in place", "v1.99", "v2.0.1", MongoData{Server: "5.0", FCV: "6.0"}, []bool{false}, []string{""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hops, err := Path(c.from, c.to, registry, DBEmbeddedMongo)
			if err != nil {
				t.Fatal(err)
			}
			got := Decide(hops, c.data)
			if len(got) != len(c.migrate) {
				t.Fatalf("%d hops, want %d", len(got), len(c.migrate))
			}
			for i, h := range got {
				if (h.Migrate != "") != c.migrate[i] {
					t.Errorf("hop %d %s → %s: migrate %q, want %v", i+1, h.From, h.To, h.Migrate, c.migrate[i])
				}
				pre := ""
				for _, s := range h.Pre {
					pre = s.FCV
				}
				if pre != c.pre[i] {
					t.Errorf("hop %d: set-fcv %q, want %q", i+1, pre, c.pre[i])
				}
			}
			if c.data.Server != "" && got[0].MongoFrom != c.data.Server {
				t.Errorf("hop 1 names MongoDB %s, the server is %s", got[0].MongoFrom, c.data.Server)
			}
		})
	}
	// The graph alone: a hop two MongoDB majors apart migrates whatever the
	// data says, and Decide leaves the caller's hops alone.
	hops := []Hop{{From: "v1.9.38", To: "v2.0.1", MongoFrom: "5.0", MongoTo: "7.0",
		Pre: []DBStep{{Kind: SetFCV, FCV: "5.0"}}}}
	got := Decide(hops, MongoData{})
	if got[0].Migrate == "" || len(got[0].Pre) != 0 || len(got[0].Post) != 1 || got[0].Post[0].FCV != "7.0" {
		t.Errorf("two majors apart: %+v", got[0])
	}
	if hops[0].Migrate != "" || len(hops[0].Pre) != 1 {
		t.Error("Decide changed its argument")
	}
	// Databases without steps of ours are left as they are.
	pg, _ := Path("v1.47", "v2.2.0", registry, DBPostgres)
	for _, h := range Decide(pg, MongoData{Server: "4.4", FCV: "4.4"}) {
		if h.Migrate != "" || h.MongoFrom != "" {
			t.Errorf("PostgreSQL hop %+v", h)
		}
	}
}

// The plan of a migration hop, as a golden file: the writers stop and the
// dump is taken before the old container stops; data/mongodb moves aside
// after the copy of the stacks is final; the new container's MongoDB is
// filled from the dump, counted and restarted before the usual readiness;
// the old directory goes only at the end, with the kept containers.
func TestMigrationPlanGolden(t *testing.T) {
	hops, err := Path("v1.9.38", "v2.0.1", registry, DBEmbeddedMongo)
	if err != nil {
		t.Fatal(err)
	}
	hops = Decide(hops, MongoData{Server: "4.4", FCV: "4.4"})
	in := Instance{Dir: "/opt/appsmith", Version: "v1.9.38", DB: DBEmbeddedMongo, BaseURL: "http://127.0.0.1:80",
		Container: docker.Container{ID: "c0", Name: "appsmith", Image: "appsmith/appsmith-ce:v1.9.38", Restart: "unless-stopped"}}
	sp := NewSpec(in, "v2.0.1", hops, time.Date(2026, 11, 30, 22, 0, 0, 0, time.UTC))
	var b bytes.Buffer
	for i, h := range hops {
		fmt.Fprintf(&b, "hop %d: %s → %s — %s\n  MongoDB %s → %s\n", i+1, h.From, h.To, h.Why, h.MongoFrom, h.MongoTo)
		if h.Migrate != "" {
			fmt.Fprintf(&b, "  migrate by dump and restore: %s\n", h.Migrate)
		}
		for _, s := range append(append([]DBStep(nil), h.Pre...), h.Post...) {
			fmt.Fprintf(&b, "  %s %s: %s\n", s.Kind, s.FCV, s.Why)
		}
	}
	plan := Plan(in, sp)
	if err := plan.Print(&b); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "v1.9.38-to-v2.0.1-migrate-from-mongo4.4.golden")
	if *update {
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
	// Every step a rollback meets before the end can be passed.
	seen := map[string]bool{}
	for _, s := range plan.Steps {
		if seen[s.Key()] {
			t.Errorf("step %s twice", s.Key())
		}
		seen[s.Key()] = true
		if !s.Reversible() && !strings.HasPrefix(s.ID, "remove-old") && s.ID != "drop-aside" {
			t.Errorf("step %s cannot be rolled back", s.Key())
		}
	}
	// data/mongodb moves only once the old mongod is stopped and the copy of
	// the stacks is finished (it holds the data as it was), and before the
	// new container starts: a move under a running mongod loses its writes.
	at := map[string]int{}
	for i, s := range plan.Steps {
		if at[s.ID] != 0 {
			continue // the first of each is hop 1's, the migrating hop
		}
		at[s.ID] = i + 1
	}
	if !(at["stop"] < at["snapshot-delta"] && at["snapshot-delta"] < at["move-aside"] && at["move-aside"] < at["start"]) || at["stop"] == 0 {
		t.Errorf("hop 1 order: stop %d, snapshot-delta %d, move-aside %d, start %d: the move must come after the stop and the copy, before the start",
			at["stop"], at["snapshot-delta"], at["move-aside"], at["start"])
	}
}
