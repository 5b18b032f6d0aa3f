package install

import (
	"errors"
	"os"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// checkLostEnv: a docker.env gone from an instance that holds data is never
// replaced by a new one, whose new encryption keys would make the stored
// credentials unreadable. The state file tells an instance that existed
// even when its database is external.
func (in *Installer) checkLostEnv(obs *Observation, layout stacks.Layout) {
	if _, err := os.Lstat(layout.DockerEnv()); !errors.Is(err, os.ErrNotExist) {
		return
	}
	existed := ""
	if s := obs.State; s != nil && !s.Installing() {
		existed = "appsmith.yaml records an installed instance (its " + stacks.DatabaseLabel(s.Database) + " database holds its data)"
	}
	reportLostKeys(obs, layout.CheckNoEnv(existed))
}

// reportLostKeys turns a *stacks.LostKeysError into a failed finding.
func reportLostKeys(obs *Observation, err error) bool {
	var lost *stacks.LostKeysError
	if !errors.As(err, &lost) {
		return false
	}
	obs.add("docker.env", Fail, lost.Hint(), "%v", lost)
	return true
}

// refusedKeys gives a *stacks.LostKeysError met while a step runs the exit
// code and hint of the preflight that would have refused it.
func refusedKeys(err error) error {
	var lost *stacks.LostKeysError
	if errors.As(err, &lost) {
		return &engine.Error{Code: engine.ExitPreflight, Err: lost, Hint: lost.Hint()}
	}
	return err
}
