package cli

import (
	"fmt"

	"github.com/appsmith-install/appsmith-install/install"
)

// markInstalling: the state file records a first install that was never
// seen ready (it failed or was interrupted). Status says so and names the
// commands that show why and that wait again with the recorded options.
func (in *instance) markInstalling(st *Status) {
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
