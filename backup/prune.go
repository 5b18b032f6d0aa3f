package backup

import (
	"errors"
	"fmt"
	"time"
)

// Keep is a retention policy: the union of the Last newest archives and the
// grandfather-father-son rules (the newest archive of each of the Daily most
// recent days that have one, likewise ISO weeks and months). Days, weeks and
// months are UTC and counted from the archives' name times, not the clock,
// so a machine that was off for a month does not lose its history.
type Keep struct{ Last, Daily, Weekly, Monthly int }

// ErrKeepNothing refuses a policy that would delete every archive.
var ErrKeepNothing = errors.New("the retention policy keeps nothing: give at least one of keep-last, keep-daily, keep-weekly, keep-monthly")

// Check refuses a policy Prune would refuse, so the CLI can say so before
// a backup runs.
func (k Keep) Check() error {
	if k.Last < 0 || k.Daily < 0 || k.Weekly < 0 || k.Monthly < 0 {
		return fmt.Errorf("retention counts cannot be negative (%+v)", k)
	}
	if k.Last == 0 && k.Daily == 0 && k.Weekly == 0 && k.Monthly == 0 {
		return ErrKeepNothing
	}
	return nil
}

// Prune splits archives into those keep retains and those to remove, both
// oldest first. It never removes an archive protect says to keep (nil: none
// is protected), nor one this tool did not write (appsmithctl archives):
// a destructive command removes only what this tool created. The caller
// passes one instance's archives (a shared bucket may hold other hosts').
func Prune(objs []Object, keep Keep, protect func(Object) bool) (kept, removed []Object, err error) {
	if err := keep.Check(); err != nil {
		return nil, nil, err
	}
	sorted := append([]Object(nil), objs...)
	sortObjects(sorted)

	var native []int // indexes into sorted, oldest first
	for i, o := range sorted {
		if o.Info.Native {
			native = append(native, i)
		}
	}
	retain := make(map[int]bool)
	for n, i := 0, len(native)-1; n < keep.Last && i >= 0; n, i = n+1, i-1 {
		retain[native[i]] = true
	}
	keepPeriods(sorted, native, keep.Daily, retain, func(t time.Time) any {
		y, m, d := t.Date()
		return [3]int{y, int(m), d}
	})
	keepPeriods(sorted, native, keep.Weekly, retain, func(t time.Time) any {
		y, w := t.ISOWeek()
		return [2]int{y, w}
	})
	keepPeriods(sorted, native, keep.Monthly, retain, func(t time.Time) any {
		y, m, _ := t.Date()
		return [2]int{y, int(m)}
	})

	for i, o := range sorted {
		if !o.Info.Native || retain[i] || (protect != nil && protect(o)) {
			kept = append(kept, o)
		} else {
			removed = append(removed, o)
		}
	}
	return kept, removed, nil
}

// keepPeriods retains the newest archive of each of the n most recent
// periods (as period names them) that hold an archive. Walking newest first,
// the first archive seen in a period is its newest.
func keepPeriods(sorted []Object, native []int, n int, retain map[int]bool, period func(time.Time) any) {
	seen := make(map[any]bool)
	for i := len(native) - 1; i >= 0 && len(seen) < n; i-- {
		p := period(sorted[native[i]].Info.Time.UTC())
		if !seen[p] {
			seen[p] = true
			retain[native[i]] = true
		}
	}
}
