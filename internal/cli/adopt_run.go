package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// adoptInstance is the container being adopted and how to reach it.
type adoptInstance struct {
	dir     string
	d       Engine
	deps    Deps
	c       docker.Container
	image   string
	version string
	timeout time.Duration
}

func (ai adoptInstance) adoption(st *state.State) instance.Adoption {
	p := instance.PublishedPorts(ai.c)
	return instance.Adoption{Dir: ai.dir, Old: ai.c, Image: ai.image, Version: ai.version, State: st,
		Labels: instance.Labels(ai.dir, buildinfo.Get().Version, "", instance.RoleCurrent),
		HTTP:   httpClient(ai.deps), BaseURL: install.LocalURL(p.BindAddress, p.HTTPPort), Timeout: ai.timeout}
}

// runAdopt replaces the container on the journal; a failure undoes every
// step (the original runs again), a kill is finished or undone by
// `adopt --resume`.
func runAdopt(ctx context.Context, ai adoptInstance, st *state.State, sink engine.Sink) error {
	plan, _ := instance.AdoptPlan(ai.d, ai.adoption(st))
	body, err := json.Marshal(st)
	if err != nil {
		return err
	}
	p := instance.PublishedPorts(ai.c)
	meta := map[string]string{"recover": "adopt --resume", "container": ai.c.ID, "name": ai.c.Name, "restart": ai.c.Restart,
		"image": ai.image, "version": ai.version, "state": string(body), "bind": p.BindAddress, "http": fmt.Sprint(p.HTTPPort)}
	j, err := engine.Create(instance.Layout{Dir: ai.dir}.Journal(), instance.AdoptOp+" "+ai.c.Name, plan, meta)
	if err != nil {
		return err
	}
	defer j.Close()
	out, err := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}.Run(ctx, plan)
	switch out {
	case engine.OutcomeDone:
		return nil
	case engine.OutcomeRolledBack:
		waitOriginal(ctx, ai, sink)
		return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("adopt of %s failed and was undone: the original container runs as before: %w", ai.c.Name, err),
			Hint: "`docker logs " + ai.c.Name + "` shows what Appsmith logged"}
	}
	return &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "`" + hint.Appsmith(ai.dir, "adopt --resume") + "` finishes or undoes it"}
}

// waitOriginal waits until the original container, started again by the
// undo, answers: an undone adopt ends with Appsmith ready, or says it is not.
func waitOriginal(ctx context.Context, ai adoptInstance, sink engine.Sink) {
	a := ai.adoption(nil)
	ready := instance.ReadyStep(ai.d, a.HTTP, instance.Target{ID: ai.c.ID, Name: ai.c.Name}, a.BaseURL, ai.version, ai.timeout)
	ready.Title = "Wait until the original " + ai.c.Name + " is ready again"
	_ = engine.Run(context.WithoutCancel(ctx), engine.Plan{Name: "after the undo", Steps: []engine.Step{ready}}, sink)
}

// adoptResumeDir is the dir of the interrupted adopt: the one named, else
// the one whose journal holds an unfinished adopt among the dirs of the
// Appsmith containers on the engine (killed before its twin was created,
// the original has no labels to be found by), else as other commands find it.
func adoptResumeDir(ctx context.Context, ro *rootOpts, stdio IO, d Engine) (string, error) {
	if dir, _, err := ro.givenDir(stdio); dir != "" || err != nil {
		return dir, err
	}
	if all, err := d.ContainerList(ctx, nil); err == nil {
		seen := map[string]bool{}
		var found []string
		for _, c := range all {
			m, ok := instance.StacksMount(c)
			if !ok || filepath.Base(m.Source) != instance.StacksDir {
				continue
			}
			dir := filepath.Dir(filepath.Clean(m.Source))
			if seen[dir] {
				continue
			}
			seen[dir] = true
			js, _ := engine.Unfinished(instance.Layout{Dir: dir}.Journal())
			for _, j := range js {
				if isAdopt(j) {
					found = append(found, dir)
					break
				}
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
	}
	dir, _, err := ro.findDir(ctx, stdio, d)
	return dir, err
}

func isAdopt(j *engine.Journal) bool { return strings.HasPrefix(j.Op(), instance.AdoptOp+" ") }

// adoptResume finishes an interrupted adopt whose new container was seen
// ready, and undoes any other: the original container runs again.
func adoptResume(ctx context.Context, opts *AdoptOptions, mode progress.Mode) error {
	stdio, deps := opts.IO, opts.Deps
	d, err := deps.Docker(ctx)
	if err != nil {
		return &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "start Docker (`sudo systemctl start docker`) or set DOCKER_HOST"}
	}
	dir, err := adoptResumeDir(ctx, opts.Root, stdio, d)
	if err != nil {
		return err
	}
	opts.Root.usedDir = dir
	l, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer l.Release()
	all, err := engine.Unfinished(instance.Layout{Dir: dir}.Journal())
	if err != nil {
		return err
	}
	var last *engine.Journal
	for _, j := range all {
		if isAdopt(j) {
			last = j
		}
	}
	if last == nil {
		fmt.Fprintf(stdio.Err, "No interrupted adopt in %s: nothing to do.\n", dir)
		return nil
	}
	j, err := engine.Open(last.Path())
	if err != nil {
		return err
	}
	defer j.Close()
	m := j.Meta()
	var st state.State
	if err := json.Unmarshal([]byte(m["state"]), &st); err != nil {
		return fmt.Errorf("%s: the journal's state: %w", j.Path(), err)
	}
	var port int
	fmt.Sscan(m["http"], &port)
	ai := adoptInstance{dir: dir, d: d, deps: deps, image: m["image"], version: m["version"], timeout: opts.Timeout,
		c: docker.Container{ID: m["container"], Name: m["name"], Restart: m["restart"], Ports: []docker.PortBinding{{HostIP: m["bind"], HostPort: port, ContainerPort: 80}}}}
	plan, sw := instance.AdoptPlan(d, ai.adoption(&st))
	if out, ok := j.Done("create"); ok && out["id"] != "" {
		sw.SetCurrent(out["id"])
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	defer sink.Close()
	rn := engine.Runner{Sink: sink, Journal: j, OnFailure: engine.RollBackOnFailure}
	if _, ok := j.Done("ready"); ok {
		if _, err := rn.Resume(ctx, plan); err != nil {
			return &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "`" + hint.Appsmith(dir, "adopt --resume") + "` again"}
		}
		fmt.Fprintf(stdio.Err, "The interrupted adopt of %s was finished: appsmith-install manages it now.\n", ai.c.Name)
		return nil
	}
	// Undone, or nothing had changed yet: either way the journal ends and the
	// original is whole, which is what --resume is for.
	_, err = rn.RollBack(ctx, plan, "the adopt was interrupted before the new container was seen ready")
	if _, ended := j.Ended(); !ended {
		if err == nil {
			err = errors.New("the undo did not finish")
		}
		return &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "`" + hint.Appsmith(dir, "adopt --resume") + "` again"}
	}
	waitOriginal(ctx, ai, sink)
	fmt.Fprintf(stdio.Err, "The interrupted adopt of %s was undone: the original container runs as before.\n", ai.c.Name)
	return nil
}
