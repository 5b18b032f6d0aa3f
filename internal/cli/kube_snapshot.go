//go:build !nokube

package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// kubeSnapshot is the data snapshot a Kubernetes upgrade takes before its
// first hop: an online backup of the release (kube.Helm.Backup) in the
// install dir's backups, unencrypted and without the encryption keys
// (which an upgrade does not change: they stay in the Secret), files 0600
// in a 0700 directory, as a host's copy of its stacks is.
type kubeSnapshot struct {
	location string
	// sink, when set, is the enclosing run's (an upgrade's plan): the
	// backup's and restore's events go there without their outcomes, so
	// --progress json still ends with one. nil: a sink of their own.
	sink engine.Sink
}

// nested passes on a nested plan's events but its outcome.
func nested(sink engine.Sink) engine.Sink {
	return engine.SinkFunc(func(ev engine.Event) {
		if ev.Kind != engine.KindOutcome {
			sink.Emit(ev)
		}
	})
}

// sinkFor is the sink a snapshot's backup or restore reports to.
func (k *kubeSnapshot) sinkFor(stdio IO, ro *rootOpts) (engine.Sink, func(), error) {
	if k.sink != nil {
		return nested(k.sink), func() {}, nil
	}
	sink, err := kubeSink(stdio, ro)
	if err != nil {
		return nil, nil, err
	}
	return sink, func() { _ = sink.Close() }, nil
}

// take takes the snapshot into the install dir's backups.
func (k *kubeSnapshot) take(ctx context.Context, stdio IO, ro *rootOpts, deps Deps, s *state.State, h *kube.Helm) (*kubeSnapshot, error) {
	dir := instance.Layout{Dir: s.Dir}.Backups()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	store, err := backup.OpenStore(ctx, dir, backup.S3Options{})
	if err != nil {
		return nil, coreError(err)
	}
	sink, done, err := k.sinkFor(stdio, ro)
	if err != nil {
		return nil, err
	}
	defer done()
	res, err := h.Backup(ctx, s.Dir, backup.CreateOptions{Store: store, Host: s.Kubernetes.Release + "." + s.Kubernetes.Namespace,
		Installer: buildinfo.Get().Version, Now: deps.now}, sink)
	if err != nil {
		return nil, fmt.Errorf("the data snapshot of release %s failed: %w", s.Kubernetes.Release, err)
	}
	k.location = res.Location
	return k, nil
}

// restore puts the snapshot back into the release (after a failed hop
// was rolled back, or with `rollback`) and says what happened.
func (k *kubeSnapshot) restore(ctx context.Context, stdio IO, ro *rootOpts, deps Deps, s *state.State, h *kube.Helm) (string, error) {
	retry := "restore it with `" + hint.Appsmith(s.Dir, "restore "+k.location+" --yes") + "`"
	f, err := os.Open(k.location)
	if err != nil {
		return fmt.Sprintf("the data snapshot %s could not be read (%v): %s", k.location, err, retry), err
	}
	defer f.Close()
	stamp := deps.now().UTC().Format("20060102t150405z")
	st, err := backup.Stage(ctx, f, backup.Decrypt{}, backup.StageDir(s.Dir, stamp))
	if err != nil {
		return fmt.Sprintf("the data snapshot %s could not be read (%v): %s", k.location, err, retry), err
	}
	defer st.Remove()
	sink, done, err := k.sinkFor(stdio, ro)
	if err != nil {
		return err.Error(), err
	}
	defer done()
	p, err := h.PrepareRestore(ctx, st, instance.Layout{Dir: s.Dir}.Backups(), stamp, sink)
	if err == nil {
		// Within an upgrade's undo, or a rollback: --resume of either
		// undoes this restore first.
		p.ResumeHint = hint.Appsmith(s.Dir, "restore --resume")
		err = p.Run(ctx, sink, instance.Layout{Dir: s.Dir}.Journal())
	}
	if err != nil {
		return fmt.Sprintf("restoring the data snapshot %s failed (%v): %s", k.location, err, retry), err
	}
	return "the data were restored from the snapshot taken before the upgrade (" + k.location + ")", nil
}

// kubeSink is the progress sink of the --progress mode.
func kubeSink(stdio IO, ro *rootOpts) (interface {
	engine.Sink
	Close() error
}, error) {
	mode, err := progress.ParseMode(ro.progress)
	if err != nil {
		return nil, engine.UsageError("%v", err)
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return nil, engine.UsageError("%v", err)
	}
	return sink, nil
}
