package backup

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// at builds an archive object from "2006-01-02T15:04:05" (UTC).
func at(ts string) Object {
	t, err := time.Parse("2006-01-02T15:04:05", ts)
	if err != nil {
		panic(err)
	}
	name := Name("host", t, "v1.60", true)
	info, _ := ParseName(name)
	return Object{Name: name, Info: info}
}

func stamps(objs []Object) string {
	var s []string
	for _, o := range objs {
		if o.Info.Native {
			s = append(s, o.Info.Time.UTC().Format("2006-01-02T15:04:05"))
		} else {
			s = append(s, o.Name)
		}
	}
	return strings.Join(s, " ")
}

func TestPrune(t *testing.T) {
	ctl := Object{Name: "appsmith-backup-2020-01-01T00-00-00.000Z.tar.gz"}
	ctl.Info, _ = ParseName(ctl.Name)
	tests := []struct {
		name    string
		objs    []string
		keep    Keep
		protect string // time of the protected archive
		extra   []Object
		kept    string
	}{
		{
			name: "last N newest",
			objs: []string{"2026-03-01T02:00:00", "2026-03-02T02:00:00", "2026-03-03T02:00:00", "2026-03-04T02:00:00", "2026-03-05T02:00:00"},
			keep: Keep{Last: 3},
			kept: "2026-03-03T02:00:00 2026-03-04T02:00:00 2026-03-05T02:00:00",
		},
		{
			name: "last more than there are",
			objs: []string{"2026-03-01T02:00:00", "2026-03-02T02:00:00"},
			keep: Keep{Last: 10},
			kept: "2026-03-01T02:00:00 2026-03-02T02:00:00",
		},
		{
			name: "daily keeps each day's newest; days split at UTC midnight",
			objs: []string{"2026-03-01T00:00:00", "2026-03-01T23:59:59", "2026-03-02T00:00:00", "2026-03-02T12:00:00", "2026-03-03T06:00:00"},
			keep: Keep{Daily: 2},
			kept: "2026-03-02T12:00:00 2026-03-03T06:00:00",
		},
		{
			name: "daily counts days that have archives, not calendar days",
			objs: []string{"2026-03-01T02:00:00", "2026-03-05T02:00:00", "2026-03-10T02:00:00"},
			keep: Keep{Daily: 2},
			kept: "2026-03-05T02:00:00 2026-03-10T02:00:00",
		},
		{
			// 2020-12-31 (Thu) and 2021-01-03 (Sun) are both ISO week 2020-W53;
			// 2021-01-04 (Mon) starts 2021-W01.
			name: "weekly: an ISO week across a year end",
			objs: []string{"2020-12-31T02:00:00", "2021-01-03T02:00:00", "2021-01-04T02:00:00"},
			keep: Keep{Weekly: 2},
			kept: "2021-01-03T02:00:00 2021-01-04T02:00:00",
		},
		{
			// 2024-12-30 (Mon) is already ISO 2025-W01; 2024-12-29 (Sun) is 2024-W52.
			name: "weekly: a year's first ISO week starting in December",
			objs: []string{"2024-12-29T23:59:59", "2024-12-30T00:00:00", "2025-01-01T02:00:00"},
			keep: Keep{Weekly: 1},
			kept: "2025-01-01T02:00:00",
		},
		{
			name: "weekly: Sunday and Monday are different weeks",
			objs: []string{"2026-03-01T23:59:59", "2026-03-02T00:00:00"},
			keep: Keep{Weekly: 2},
			kept: "2026-03-01T23:59:59 2026-03-02T00:00:00",
		},
		{
			name: "monthly keeps each month's newest",
			objs: []string{"2026-01-15T02:00:00", "2026-01-31T23:59:59", "2026-02-01T00:00:00", "2026-02-28T02:00:00", "2026-03-15T02:00:00"},
			keep: Keep{Monthly: 2},
			kept: "2026-02-28T02:00:00 2026-03-15T02:00:00",
		},
		{
			name: "monthly across a year end",
			objs: []string{"2025-11-30T02:00:00", "2025-12-31T23:59:59", "2026-01-01T00:00:00"},
			keep: Keep{Monthly: 2},
			kept: "2025-12-31T23:59:59 2026-01-01T00:00:00",
		},
		{
			name: "the rules are a union",
			objs: []string{
				"2025-12-20T02:00:00", "2026-01-10T02:00:00", "2026-01-20T02:00:00",
				"2026-02-20T02:00:00", "2026-02-27T02:00:00", "2026-02-28T02:00:00",
				"2026-03-01T02:00:00", "2026-03-01T14:00:00",
			},
			keep: Keep{Last: 1, Daily: 2, Weekly: 2, Monthly: 3},
			// Last: 03-01T14. Daily: 03-01T14, 02-28. Weekly: 2026-W09 (02-23..03-01) → 03-01T14,
			// 2026-W08 (02-16..22) → 02-20. Monthly: 03 → 03-01T14, 02 → 02-28, 01 → 01-20.
			kept: "2026-01-20T02:00:00 2026-02-20T02:00:00 2026-02-28T02:00:00 2026-03-01T14:00:00",
		},
		{
			name:    "a protected archive is never removed",
			objs:    []string{"2026-01-01T02:00:00", "2026-03-01T02:00:00", "2026-03-02T02:00:00"},
			keep:    Keep{Last: 1},
			protect: "2026-01-01T02:00:00",
			kept:    "2026-01-01T02:00:00 2026-03-02T02:00:00",
		},
		{
			name:  "appsmithctl archives are never removed",
			objs:  []string{"2026-03-01T02:00:00", "2026-03-02T02:00:00"},
			keep:  Keep{Last: 1},
			extra: []Object{ctl},
			kept:  ctl.Name + " 2026-03-02T02:00:00",
		},
		{
			name: "nothing to prune",
			keep: Keep{Last: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []Object
			for _, s := range tt.objs {
				objs = append(objs, at(s))
			}
			objs = append(objs, tt.extra...)
			// Input order must not matter.
			slices.Reverse(objs)
			var protect func(Object) bool
			if tt.protect != "" {
				p := at(tt.protect)
				protect = func(o Object) bool { return o.Name == p.Name }
			}
			kept, removed, err := Prune(objs, tt.keep, protect)
			if err != nil {
				t.Fatal(err)
			}
			if got := stamps(kept); got != tt.kept {
				t.Errorf("kept\n  %s\nwant\n  %s", got, tt.kept)
			}
			if len(kept)+len(removed) != len(objs) {
				t.Errorf("kept %d + removed %d != %d archives", len(kept), len(removed), len(objs))
			}
			all := append(append([]Object(nil), kept...), removed...)
			sortObjects(all)
			sortObjects(objs)
			if stamps(all) != stamps(objs) {
				t.Errorf("kept ∪ removed = %s, want %s", stamps(all), stamps(objs))
			}
			for i := 1; i < len(removed); i++ {
				if removed[i].Info.Time.Before(removed[i-1].Info.Time) {
					t.Errorf("removed not oldest first: %s", stamps(removed))
				}
			}
		})
	}
}

// Archives of the same second (two hosts or versions): the name decides,
// whatever order the store listed them in.
func TestPruneTiesAreStable(t *testing.T) {
	when := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	mk := func(host string) Object {
		n := Name(host, when, "v1.60", true)
		info, _ := ParseName(n)
		return Object{Name: n, Info: info}
	}
	a, b := mk("alpha"), mk("beta")
	for _, in := range [][]Object{{a, b}, {b, a}} {
		kept, removed, err := Prune(in, Keep{Last: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) != 1 || kept[0].Name != b.Name || len(removed) != 1 || removed[0].Name != a.Name {
			t.Fatalf("Prune(%s, %s) kept %v removed %v", in[0].Name, in[1].Name, kept, removed)
		}
	}
}

// Days are UTC: a time given in another zone is judged by its UTC date.
func TestPruneUsesUTC(t *testing.T) {
	east := time.FixedZone("UTC+5", 5*3600)
	o1 := at("2026-03-01T10:00:00")
	o2 := at("2026-03-01T19:00:00")
	o2.Info.Time = time.Date(2026, 3, 2, 1, 0, 0, 0, east) // 2026-03-01T20:00Z: same UTC day as o1
	kept, _, err := Prune([]Object{o1, o2}, Keep{Daily: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 1 || kept[0].Name != o2.Name {
		t.Fatalf("kept %v, want only the later archive of the UTC day", kept)
	}
}

func TestPruneRefusesToKeepNothing(t *testing.T) {
	objs := []Object{at("2026-03-01T02:00:00")}
	if _, _, err := Prune(objs, Keep{}, nil); !errors.Is(err, ErrKeepNothing) {
		t.Fatalf("Prune with an empty policy: %v, want ErrKeepNothing", err)
	}
	if _, _, err := Prune(objs, Keep{Last: -1, Daily: 3}, nil); err == nil {
		t.Fatal("Prune with a negative count succeeded")
	}
}
