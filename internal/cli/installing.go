package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// markInstalling: the state file records a first install that was never
// seen ready (it failed or was interrupted). Status says so and names the
// commands that show why and that wait again with the recorded options.
func (in *located) markInstalling(st *Status) {
	if !in.state.Installing() {
		return
	}
	st.Installing = true
	if st.Healthy {
		return // ready, but the install was stopped before recording it: a re-run finishes
	}
	dir := ""
	if in.dir != install.Defaults().Dir {
		dir = " --dir " + in.dir
	}
	why := st.Problem
	if why == "" {
		why = "not ready yet"
	}
	st.Problem = fmt.Sprintf("the first install did not finish (%s); `appsmith logs%s` shows why, `appsmith-install --yes%s` waits again with the recorded options",
		why, dir, dir)
}

// recorded is what a re-run takes its defaults from: the state file, else
// the container this installer made for dir (found by its labels), so an
// install whose appsmith.yaml is lost converges on its own container, name,
// image and ports instead of moving to the defaults.
func recorded(ctx context.Context, deps Deps, dir string) *state.State {
	if s, err := state.Load(dir); err == nil || deps.Docker == nil {
		return s
	}
	// The engine is looked at properly by the preflight; here a slow or
	// absent one only means there is nothing to take defaults from.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	d, err := deps.Docker(ctx)
	if err != nil {
		return nil
	}
	cs, err := instance.Find(ctx, d, dir)
	if err != nil || cs.Current == nil || len(cs.Extra) > 0 {
		return nil // none, or several: the preflight names them
	}
	c := *cs.Current
	if strings.HasPrefix(c.Image, "sha256:") {
		return nil // its tag moved to another image: the reference is gone
	}
	s := &state.State{Container: c.Name, Image: c.Image}
	for _, ed := range []string{"ce", "ee"} {
		if strings.Contains(c.Image, "/appsmith-"+ed+":") || strings.Contains(c.Image, "/appsmith-"+ed+"@") {
			s.Edition = ed
		}
	}
	p := instance.PublishedPorts(c)
	s.HTTPPort, s.HTTPSPort, s.BindAddress = p.HTTPPort, p.HTTPSPort, p.BindAddress
	if s.HTTPPort == 0 || s.HTTPSPort == 0 {
		return nil
	}
	if s.BindAddress == "" {
		s.BindAddress = "0.0.0.0"
	}
	return s
}
