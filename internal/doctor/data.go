package doctor

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/go-version"

	"github.com/appsmith-install/appsmith-install/internal/releases"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

const (
	backupMaxAge = 7 * 24 * time.Hour
	drillMaxAge  = 30 * 24 * time.Hour
)

func checkVersion(ctx context.Context, e *Env) []Finding {
	if !e.running() {
		return skipped("the instance is not running")
	}
	got, err := e.runningVersion(ctx)
	if err != nil {
		return []Finding{{Status: Warn, Path: "/info", Message: "the instance does not say its version: " + err.Error(),
			Fix: e.cmd("status") + " and " + e.cmd("logs") + " say why it is not ready"}}
	}
	var out []Finding
	tag := imageTag(e.Container.Image)
	if tv, ok := releases.Parse(tag); ok {
		if gv, ok := releases.Parse(got); ok && !tv.Equal(gv) {
			out = append(out, Finding{Status: Warn, Path: e.Container.Image,
				Message: fmt.Sprintf("the container runs image %s but /info says %s: the tag was moved or the image re-tagged", e.Container.Image, got),
				Fix:     e.cmd("status") + " shows the image's digest; " + e.cmd("upgrade "+got) + " pins a versioned image"})
		}
	}
	if e.State != nil && e.State.Version != "" && e.State.Version != got {
		out = append(out, Finding{Status: Warn, Path: "appsmith.yaml",
			Message: fmt.Sprintf("appsmith.yaml records %s but the instance runs %s: it was changed outside appsmith-install", e.State.Version, got),
			Fix:     e.cmd("status") + " shows what runs; upgrades and rollbacks through " + e.cmd("upgrade VERSION") + " keep the record"})
	}
	if len(out) == 0 {
		out = append(out, ok("Appsmith %s runs from %s", got, e.Container.Image))
	}
	return out
}

func checkFCV(ctx context.Context, e *Env) []Finding {
	kind := e.dbKind()
	if kind != stacks.DBEmbeddedMongoDB {
		return []Finding{{Status: Info, Message: "the database is " + orNone(stacks.DatabaseLabel(kind)) + ": no embedded MongoDB to check"}}
	}
	if !e.running() || e.Engine == nil {
		return skipped("the instance is not running")
	}
	ver := e.imageVersion(ctx)
	v, known := releases.Parse(ver)
	if !known {
		return skipped("the image's version (" + orNone(ver) + ") is not known")
	}
	mongo := releases.EmbeddedMongo(v)
	fcv, err := upgrade.ReadFCV(ctx, e.Engine, e.Container.ID)
	if err != nil {
		return []Finding{{Status: Warn, Message: "cannot read the featureCompatibilityVersion: " + err.Error(),
			Fix: e.cmd("logs mongodb") + " says whether MongoDB runs"}}
	}
	fv, err1 := version.NewVersion(fcv)
	mv, err2 := version.NewVersion(mongo)
	switch {
	case err1 != nil || err2 != nil:
		return []Finding{{Status: Warn, Message: fmt.Sprintf("featureCompatibilityVersion %q is not a version", fcv)}}
	case fv.LessThan(mv):
		return []Finding{{Status: Warn,
			Message: fmt.Sprintf("featureCompatibilityVersion %s under MongoDB %s (Appsmith %s): the next MongoDB refuses data this old", fcv, mongo, ver),
			Fix:     e.cmd("upgrade") + " raises it as a step of its plan; never change the image tag by hand"}}
	case mv.LessThan(fv):
		return []Finding{{Status: Fail,
			Message: fmt.Sprintf("featureCompatibilityVersion %s is newer than the image's MongoDB %s (Appsmith %s): the data belongs to a newer image", fcv, mongo, ver),
			Fix:     "run the image the data came from; " + e.cmd("rollback") + " if an upgrade was undone by hand"}}
	}
	return []Finding{ok("featureCompatibilityVersion %s, MongoDB %s", fcv, mongo)}
}

func checkBackup(_ context.Context, e *Env) []Finding {
	fix := e.cmd("backup") + "; " + e.cmd("backup schedule --daily 03:00") + " takes one every day"
	if e.State == nil || e.State.Backups == nil || e.State.Backups.Last == nil {
		return []Finding{{Status: Warn, Message: "no backup taken by appsmith-install", Fix: fix}}
	}
	b := e.State.Backups.Last
	if age := e.Now.Sub(b.At); age > backupMaxAge {
		return []Finding{{Status: Warn, Path: b.Location, Message: fmt.Sprintf("the last backup is %s old", days(age)), Fix: fix}}
	}
	return []Finding{{Status: OK, Path: b.Location, Message: fmt.Sprintf("last backup %s ago", days(e.Now.Sub(b.At)))}}
}

func checkDrill(_ context.Context, e *Env) []Finding {
	archive := "ARCHIVE"
	if e.State != nil && e.State.Backups != nil && e.State.Backups.Last != nil {
		archive = e.State.Backups.Last.Location
	}
	fix := e.cmd("backup verify "+archive+" --drill") + " restores it into a throwaway instance"
	if e.State == nil || e.State.Backups == nil || e.State.Backups.LastDrill == nil {
		return []Finding{{Status: Info, Message: "no restore drill has passed: a backup is known good only once restored", Fix: fix}}
	}
	d := e.State.Backups.LastDrill
	if age := e.Now.Sub(d.At); age > drillMaxAge {
		return []Finding{{Status: Warn, Path: d.Location, Message: fmt.Sprintf("the last restore drill passed %s ago", days(age)), Fix: fix}}
	}
	return []Finding{{Status: OK, Path: d.Location, Message: fmt.Sprintf("last restore drill passed %s ago", days(e.Now.Sub(d.At)))}}
}

func days(d time.Duration) string {
	if d < 48*time.Hour {
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}
