package install

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/state"
)

// An install onto kept data (no container) takes only the version recorded
// for that data: older breaks it, newer skips the upgrade's checks.
func TestInstallOntoKeptDataKeepsTheVersion(t *testing.T) {
	cases := []struct {
		name, asked string
		installing  bool
		data        bool
		want        string // "" = no version finding
	}{
		{"same version", "v1.9.2", false, true, ""},
		{"same version without v", "1.9.2", false, true, ""},
		{"older", "v1.8.15", false, true, "older image on newer data"},
		{"newer", "v1.9.3", false, true, "install the recorded version v1.9.2 (re-run without --version and --image: the recorded appsmith/appsmith-ce:v1.9.2 is the default), then `appsmith --dir "},
		{"floating", "latest", false, true, "may be another version"},
		{"failed first start without data", "v1.8.15", true, false, ""},
		{"failed first start with data", "v1.8.15", true, true, "never became ready"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.image = true
			f.installed(t, "gone")
			s, err := state.Load(f.o.Dir)
			if err != nil {
				t.Fatal(err)
			}
			s.Version = "v1.9.2"
			if c.installing {
				s.Version, s.ContainerID, s.Status = "", "", state.StatusInstalling
			}
			if err := state.Save(f.o.Dir, s); err != nil {
				t.Fatal(err)
			}
			if c.data {
				db := filepath.Join(f.o.Dir, "stacks/data/mongodb")
				if err := os.MkdirAll(db, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(db, "WiredTiger"), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			f.o.Version = c.asked
			if f.o, err = f.o.Normalize(); err != nil {
				t.Fatal(err)
			}
			obs, err := f.in.Observe(context.Background(), f.o)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, fd := range obs.Findings {
				if fd.Check == "version" {
					got = append(got, string(fd.Level)+": "+fd.Message+" / "+fd.Hint)
				}
			}
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("findings %q, want none", got)
			case c.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], "fail") || !strings.Contains(got[0], c.want)):
				t.Errorf("findings %q, want one failure with %q", got, c.want)
			}
			if _, err := f.in.Plan(context.Background(), f.o, obs); (err != nil) != (c.want != "") {
				t.Errorf("plan error %v", err)
			}
		})
	}
}

// A floating tag recorded for kept data is taken again only while the local
// image is the one that ran: a new pull may bring a newer version.
func TestInstallOntoKeptDataWithAFloatingTag(t *testing.T) {
	for _, present := range []bool{true, false} {
		f := newFixture(t)
		f.o.Version = "latest"
		f.image = present
		f.installed(t, "gone")
		s, err := state.Load(f.o.Dir)
		if err != nil {
			t.Fatal(err)
		}
		s.Tag, s.Version, s.ImageID = "latest", "v1.9.2", "sha256:img"
		if err := state.Save(f.o.Dir, s); err != nil {
			t.Fatal(err)
		}
		obs, err := f.in.Observe(context.Background(), f.o)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, fd := range obs.Findings {
			if fd.Check == "version" {
				got = append(got, fd.Message+" / "+fd.Hint)
			}
		}
		switch {
		case present && len(got) > 0:
			t.Errorf("image still present: findings %q, want none", got)
		case !present && (len(got) != 1 || !strings.Contains(got[0], "--version v1.9.2")):
			t.Errorf("image gone: findings %q, want one naming --version v1.9.2", got)
		}
	}
}
