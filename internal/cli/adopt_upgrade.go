package cli

import (
	"fmt"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// composeUpgrade is what an upgrade of a compose-managed instance asks of
// the user: compose recreates the container from its file, so the image
// line changes there, one hop at a time (each checkpoint must start).
func composeUpgrade(dir string, cs *state.ComposeService, images []string) string {
	file := cs.ConfigFiles
	if file == "" {
		file = "the compose file of project " + cs.Project
	}
	var b strings.Builder
	fmt.Fprintf(&b, "docker compose manages this Appsmith (service %q of project %q): compose would recreate a container appsmith-install replaced, so it does the upgrade. Take a backup first (`%s`), then in %s, for each image in turn:\n",
		cs.Service, cs.Project, hint.Appsmith(dir, "backup"), file)
	for i, img := range images {
		fmt.Fprintf(&b, "  %d. set the service's line to `image: %s`, run `docker compose up -d` in %s, and wait until `%s` says healthy\n",
			i+1, img, orDot(cs.WorkingDir), hint.Appsmith(dir, "status"))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func orDot(s string) string {
	if s == "" {
		return "the compose project's directory"
	}
	return s
}

// refuseComposeUpgrade: nil unless compose manages the instance.
func refuseComposeUpgrade(in *located, v *UpgradePlan) error {
	cs := in.composeManaged()
	if cs == nil {
		return nil
	}
	v.Refused = "managed by docker compose: change the image line of the compose file"
	return engine.Errorf(engine.ExitPreflight, "", "%s", composeUpgrade(in.dir, cs, v.Images))
}
