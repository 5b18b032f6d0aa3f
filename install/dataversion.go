package install

import (
	"fmt"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// checkDataVersion refuses an install onto kept data (no container, e.g.
// after `appsmith uninstall`) whose version differs from the one recorded
// for that data. Appsmith's migrations run once at start and cannot be
// undone: an older image on newer data is a broken instance, and a newer
// one skips the checks an upgrade makes. A container that exists is checked
// by observeInstance.
func (in *Installer) checkDataVersion(obs *Observation, o Options, layout stacks.Layout) {
	s := obs.State
	if obs.Container != nil {
		return
	}
	if s == nil {
		if obs.HasEnv && layout.HoldsDatabase(readEnvOrEmpty(layout), o.DBURL) != "" {
			obs.add("version", Warn, "install the version that wrote this data; if unsure, restore appsmith.yaml from a backup of "+o.Dir,
				"%s holds data but no %s records its version: make sure %s is the version that wrote it", layout.Root, state.FileName, o.ImageRef())
		}
		return
	}
	if s.Installing() && layout.HoldsDatabase(readEnvOrEmpty(layout), o.DBURL) == "" {
		return // the failed first start wrote no data: any version may start it
	}
	recorded := s.Version
	if recorded == "" {
		recorded = refTag(s.Image)
	}
	asked := o.ExpectedVersionOrTag()
	if o.ImageRef() == s.Image {
		in.checkFloatingTag(obs, s, layout)
		return
	}
	if asked == recorded {
		return
	}
	rv, rok := ParseVersion(recorded)
	av, aok := ParseVersion(asked)
	if rok && aok && av.Equal(rv) {
		return
	}
	same := fmt.Sprintf("re-run without --version and --image: the recorded %s is the default", s.Image)
	msg := fmt.Sprintf("the data in %s was written by Appsmith %s (%s); asked for %s", layout.Root, recorded, state.Path(o.Dir), o.ImageRef())
	var hint string
	switch {
	case rok && aok && av.GreaterThan(rv):
		hint = fmt.Sprintf("install the recorded version %s (%s), then `%s`", recorded, same, appsmithCmd(o, "upgrade "+asked))
		msg += ": an install never upgrades"
	case rok && aok:
		hint = fmt.Sprintf("install the recorded version %s (%s), or restore a backup taken with %s", recorded, same, asked)
		msg += ": an older image on newer data breaks the instance (migrations cannot be undone)"
	default:
		hint = fmt.Sprintf("install the recorded version %s (%s)", recorded, same)
		msg += ": it may be another version, and an install never changes the version of kept data"
	}
	if s.Installing() {
		hint += fmt.Sprintf("; the first install never became ready: if %s holds nothing you need, remove it (`appsmith uninstall --purge --dir %s`) and install again", layout.Root, o.Dir)
	}
	obs.add("version", Fail, hint, "%s", msg)
}

func readEnvOrEmpty(l stacks.Layout) *stacks.EnvFile {
	if env, err := l.ReadEnv(); err == nil {
		return env
	}
	return &stacks.EnvFile{}
}

// checkFloatingTag: the recorded image has a floating tag (latest, release)
// and the local image is gone or was replaced since: pulling it again may
// bring a newer version than the one that wrote the data.
func (in *Installer) checkFloatingTag(obs *Observation, s *state.State, layout stacks.Layout) {
	if _, concrete := ParseVersion(refTag(s.Image)); concrete || strings.Contains(s.Image, "@") || s.Version == "" || s.ImageID == "" {
		return
	}
	if obs.Image != nil && obs.Image.ID == s.ImageID {
		return
	}
	how := "--version " + s.Version
	if s.Tag == "" {
		how = "--image " + instance.WithTag(s.Image, s.Version)
	}
	obs.add("version", Fail, "install the recorded version with "+how,
		"%s may no longer be %s, the version that wrote the data in %s: the local image is gone or was replaced",
		s.Image, s.Version, layout.Root)
}
