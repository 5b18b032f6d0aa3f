package cli

import (
	"fmt"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
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
		cs.Service, cs.Project, hint.Appsmith(dir, "backup --passphrase-file FILE"), file)
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
	h := ""
	if cs.ConfigFiles != "" {
		h = "`" + hint.Appsmith(in.dir, "upgrade "+v.To+" --update-compose") + "` changes the line for you, one hop at a time"
	}
	return engine.Errorf(engine.ExitPreflight, h, "%s", composeUpgrade(in.dir, cs, v.Images))
}

// composeUpgradeRun changes the compose file's image line to the first
// hop's image, when asked (--update-compose, or yes on a terminal), and
// leaves the replacing to compose: only `docker compose up -d` recreates a
// service the way compose expects. One hop at a time, because compose
// starts whatever the line names: a later hop from there is this command
// again. Only the file recorded at adopt is touched, with a copy kept.
func composeUpgradeRun(opts *UpgradeOptions, in *located, v UpgradePlan, refusal error) error {
	cs := in.composeManaged()
	if cs.ConfigFiles == "" {
		return refusal // no file was recorded: nothing this tool may edit
	}
	ci, err := instance.FindComposeImage(cs.ConfigFiles, cs.Service)
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "change the image line by hand (see `"+hint.Appsmith(in.dir, "upgrade "+v.To+" --plan")+"`)",
			"the compose file recorded at adopt: %v", err)
	}
	if instance.Repository(ci.Image) != instance.Repository(in.c.Image) {
		return engine.Errorf(engine.ExitPreflight, "change the image line by hand, or run `docker compose up -d` first if the file was edited since",
			"%s line %d names %s, but the container runs %s: this tool changes only the tag of the image that runs", ci.File, ci.Line, ci.Image, in.c.Image)
	}
	next := instance.WithTag(ci.Image, v.Hops[0].To)
	if !opts.UpdateCompose {
		if opts.Yes || !canPrompt(opts.IO) {
			return refusal
		}
		fmt.Fprintln(opts.IO.Err, refusal.Error())
		ok, err := opts.Deps.confirm(opts.IO, fmt.Sprintf("Change %s line %d to `image: %s` now (a copy of the file is kept)?", ci.File, ci.Line, next))
		if err != nil || !ok {
			return engine.Errorf(engine.ExitUsage, "", "upgrade cancelled: nothing was changed")
		}
	}
	w := opts.IO.Err
	if ci.Image == next {
		fmt.Fprintf(w, "%s line %d already says `image: %s`: nothing to change.\n", ci.File, ci.Line, next)
	} else {
		bak, err := ci.SetImage(next, opts.Deps.now())
		if err != nil {
			return engine.Errorf(engine.ExitFailure, "change the image line by hand", "changing the compose file: %v", err)
		}
		fmt.Fprintf(w, "Changed %s line %d: `image: %s` → `image: %s` (the file as it was is kept in %s).\n", ci.File, ci.Line, ci.Image, next, bak)
	}
	fmt.Fprintf(w, "Now run `docker compose up -d` in %s and wait until `%s` says healthy on %s.\n", orDot(cs.WorkingDir), hint.Appsmith(in.dir, "status"), v.Hops[0].To)
	if len(v.Hops) > 1 {
		fmt.Fprintf(w, "Then `%s` takes the next of %d hops (%s must start fully on the data first: %s).\n",
			hint.Appsmith(in.dir, "upgrade "+v.To+" --update-compose"), len(v.Hops), v.Hops[0].To, v.Hops[0].Why)
	}
	return nil
}
