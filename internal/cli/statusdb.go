package cli

import (
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// installDatabase is the kind of database the install uses (stacks.DB*):
// what its docker.env names (the entrypoint reads nothing else), else what
// appsmith.yaml recorded (an unprivileged user cannot read docker.env).
func installDatabase(dir string, s *state.State) string {
	if env, err := (instance.Layout{Dir: dir}).Stacks().ReadEnv(); err == nil && env.DBURL() != "" {
		return stacks.DatabaseKind(env.DBURL())
	}
	if s != nil {
		return s.Database
	}
	return ""
}
