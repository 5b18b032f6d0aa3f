package upgrade

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Docker is what an upgrade needs of the engine.
type Docker interface {
	instance.Starter
	instance.ReadyDocker
	instance.Replacer
	instance.Puller
	backup.Execer // a migration hop's dump and restore
}

var _ Docker = (*docker.Client)(nil)

// Instance is the installed Appsmith an upgrade acts on.
type Instance struct {
	Dir       string
	Docker    Docker
	Container docker.Container // the current container
	Version   string           // what /info reports
	DB        string           // DBEmbeddedMongo | DBExternalMongo | DBPostgres
	HTTP      *http.Client
	BaseURL   string
	Timeout   time.Duration // readiness wait per hop
	// Images, when set, supplies the path's images instead of a pull (an
	// air-gapped bundle): no registry is contacted.
	Images ImageSource
}

// Op is the journal operation name of upgrades.
const Op = "upgrade"

// Spec is what a plan is built from; a later process rebuilds the same plan
// from the journal's meta (see Resume), so it holds only strings.
type Spec struct {
	From, To string
	Hops     []Hop
	Snapshot string // <dir>/backups/upgrade-<time>/stacks
	Stamp    string
	// Source names where the images come from instead of the registry
	// ("bundle FILE"); Instance.Images supplies them.
	Source string
}

// build is the upgrade's plan. Every image is pulled before anything
// stops; the stacks are copied while Appsmith runs; then each hop: the
// database pre-steps on the running container, the new container with the
// old one's settings (the old one renamed), stop, (first hop: the copy's
// delta, now consistent), start, ready with the hop's version, the
// post-checks, the record. Any failure undoes every hop: the new containers go, the stacks come back from
// the copy (only what changed), the original container starts again.
func build(in Instance, sp Spec, swaps []*instance.Swap) engine.Plan {
	d := in.Docker
	stacksDir := instance.Layout{Dir: in.Dir}.Stacks().Root
	var steps []engine.Step
	for i, h := range sp.Hops {
		p := instance.PullStep(d, swaps[i].Image, "every image of the path is pulled before anything stops")
		if sp.Source != "" {
			p = sourceStep(in, sp, swaps[i].Image, h.To)
		}
		p.Scope = hopScope(i, h)
		steps = append(steps, p)
	}
	var bulkStarted time.Time
	steps = append(steps, engine.Step{ID: "snapshot", Title: "Copy the stacks while Appsmith runs", ReadOnly: true,
		Cause: "the bulk of the rollback copy, without downtime: " + sp.Snapshot,
		Run: func(ctx context.Context, r engine.Reporter) error {
			if err := os.MkdirAll(filepath.Dir(sp.Snapshot), 0o700); err != nil {
				return err
			}
			st, err := fsutil.CopyTree(ctx, stacksDir, sp.Snapshot, fsutil.TreeOptions{Progress: func(p fsutil.Progress) {
				r.Progress("snapshot", "Copying", p.Bytes, 0)
			}})
			bulkStarted = st.Started
			r.Output("started", st.Started.Format(time.RFC3339Nano))
			return err
		}})
	for i, h := range sp.Hops {
		scope, sw := hopScope(i, h), swaps[i]
		tg := sw.Target()
		var hop []engine.Step
		for _, s := range h.Pre {
			hop = append(hop, fcvStep(d, sw.OldTarget(), s))
		}
		old := sw.OldTarget()
		old.Name = sw.KeptName // renamed by now
		stop := instance.StopStep(d, old, "the data is copied and handed over with nothing writing to it")
		var handover *instance.Handover
		if i == 0 {
			stop, handover = instance.HandoverStep(d, old, "the data is copied and handed over with nothing writing to it")
		}
		if i > 0 {
			// Undone, an intermediate container is removed by the previous
			// hop's undo: starting it would only run migrations again.
			stop.Undo = func(context.Context, engine.Reporter, engine.Outputs) error { return nil }
		}
		// The old container is renamed and the new one created before the
		// stop (the engine allows both on a running container): the outage
		// holds only what needs the old one stopped.
		hop = append(hop, sw.Steps(d)...)
		hop = append(hop, stop)
		if i == 0 {
			hop = append(hop, engine.Step{ID: "snapshot-delta", Title: "Finish the copy of the stacks", Cause: "only what changed since the copy began: the downtime does not grow with the data",
				Run: func(ctx context.Context, r engine.Reporter) error {
					since := bulkStarted
					if since.IsZero() {
						since = time.Now().Add(-24 * time.Hour) // resumed: be sure
					}
					st, err := fsutil.CopyTree(ctx, stacksDir, sp.Snapshot, fsutil.TreeOptions{ChangedSince: since})
					// What the downtime paid for: a walk of every entry,
					// a copy of only the changed ones.
					r.Log(fmt.Sprintf("checked %d files, copied %d (%d bytes), removed %d, in %s",
						st.Files, st.CopiedFiles, st.CopiedBytes, st.Removed, time.Since(st.Started).Round(time.Millisecond)))
					r.Output("finished", st.Finished.Format(time.RFC3339Nano))
					if st.Finished.IsZero() {
						r.Output("finished", time.Now().Format(time.RFC3339Nano))
					}
					// The engine released the old container meanwhile; the
					// new one needs its ports.
					if serr := handover.Settled(ctx); err == nil {
						err = serr
					}
					return err
				},
				// Undone, the stacks go back to the copy: the migrations a
				// newer image ran are one-way, the data must not stay.
				Undo: func(ctx context.Context, r engine.Reporter, out engine.Outputs) error {
					if _, err := os.Stat(sp.Snapshot); err != nil {
						return nil // no copy was made: nothing was handed over
					}
					fin, _ := time.Parse(time.RFC3339Nano, out["finished"])
					_, err := fsutil.RestoreTree(ctx, sp.Snapshot, stacksDir, fsutil.TreeOptions{DstChangedSince: fin, Checksum: fin.IsZero()})
					return err
				}})
		}
		hop = append(hop,
			instance.StartStep(d, tg, "the data starts on "+h.To+": its migrations run once, now"),
			checkpointAware(instance.ReadyStep(d, in.HTTP, tg, in.BaseURL, h.To, in.Timeout), h.To))
		for _, s := range h.Post {
			hop = append(hop, fcvStep(d, tg, s))
		}
		hop = append(hop, recordStep(in, sp, i, sw))
		for _, s := range hop {
			s.Scope = scope
			steps = append(steps, s)
		}
	}
	// Once the last hop is ready, the replaced containers go: two containers
	// on one stacks directory would be one too many for every later command.
	// The rollback point is the copy of the stacks and the old image, which
	// appsmith.yaml's history names (a container with the current one's
	// settings is made on it again).
	for i := 0; i < len(swaps); i++ {
		rm := swaps[i].RemoveStep(d)
		rm.Scope = hopScope(i, sp.Hops[i])
		steps = append(steps, rm)
	}
	steps = withMigrations(in, sp, swaps, steps)
	return engine.Plan{Name: "upgrade " + sp.From + " → " + sp.To, Steps: steps}
}

func hopScope(i int, h Hop) string { return fmt.Sprintf("hop%d:%s", i+1, h.To) }

// fcvStep sets or checks the featureCompatibilityVersion with the image's
// own appsmithctl (mongosh on docker.env's URL, inside the container: no
// secret passes through this process).
func fcvStep(d instance.ReadyDocker, c instance.Target, s DBStep) engine.Step {
	if s.Kind == ExpectFCV {
		return engine.Step{ID: "check-fcv", Title: "Check MongoDB's featureCompatibilityVersion is " + s.FCV, Cause: s.Why, ReadOnly: true,
			Run: func(ctx context.Context, _ engine.Reporter) error {
				got, err := ReadFCV(ctx, d, c.Serving())
				if err != nil {
					return err
				}
				if got != s.FCV {
					return fmt.Errorf("MongoDB's featureCompatibilityVersion is %s after start, expected %s", got, s.FCV)
				}
				return nil
			}}
	}
	// Setting FCV to the running server's own major leaves data the old
	// image still runs on: nothing to undo.
	return engine.Step{ID: "set-fcv", Title: "Set MongoDB's featureCompatibilityVersion to " + s.FCV, Cause: s.Why, ReadOnly: true,
		Run: func(ctx context.Context, r engine.Reporter) error {
			err := RunSetFCV(ctx, d, c.Serving(), s.FCV)
			if err != nil && s.Optional {
				r.Warn(fmt.Sprintf("MongoDB did not take featureCompatibilityVersion %s (%v): the new release raises it itself where it can", s.FCV, err))
				return nil
			}
			return err
		}}
}

func mongoEval(ctx context.Context, d Execer, id string, expr string) (string, error) {
	res, err := d.Exec(ctx, id, []string{"appsmithctl", "mongo-eval", expr}, nil, nil)
	if err != nil {
		return "", err
	}
	out := strings.TrimSpace(string(res.Stdout))
	if res.ExitCode != 0 {
		return "", fmt.Errorf("appsmithctl mongo-eval %q: exit %d: %s", expr, res.ExitCode, strings.TrimSpace(string(res.Stderr)+" "+out))
	}
	lines := strings.Split(out, "\n")
	return strings.TrimSpace(lines[len(lines)-1]), nil
}

// recordStep writes the hop's container and version into appsmith.yaml,
// with the revision it replaced in the history; its undo puts the file back
// as it was before the hop.
func recordStep(in Instance, sp Spec, i int, sw *instance.Swap) engine.Step {
	before := filepath.Join(filepath.Dir(sp.Snapshot), fmt.Sprintf("appsmith.yaml.hop%d", i+1))
	h := sp.Hops[i]
	return instance.RecordStep(in.Dir, before, "Record "+h.To+" in appsmith.yaml", "later commands act on the new container",
		func(ctx context.Context, s *state.State) error {
			img, err := in.Docker.ImageInspect(ctx, sw.Image)
			if err != nil {
				return err
			}
			if i == 0 {
				s.History = append(s.History, state.Revision{At: time.Now().UTC(), Operation: "upgrade " + sp.From + " → " + sp.To,
					Version: sp.From, Image: sw.Old.Image, ImageID: sw.Old.ImageID, ImageDigest: s.ImageDigest,
					RollbackPoint: sp.Snapshot, RollbackBytes: fsutil.Size(sp.Snapshot)})
			}
			instance.Switched(s, h.To, sw.Image, sw.Current(), img)
			return nil
		})
}
