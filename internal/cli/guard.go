package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// guardUnfinished refuses a change while an earlier operation on the same
// install is unfinished (a run killed half-way): acting on top of it would
// mix two half-states. The refusal names the operation, where it stopped,
// and the command that finishes or undoes it (the journal's "recover"
// meta: arguments of `appsmith`). Call it holding the lock.
func guardUnfinished(dir string, skip func(*engine.Journal) bool) error {
	js, err := engine.Unfinished(instance.Layout{Dir: dir}.Journal())
	if err != nil {
		return &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "the journal under " + instance.Layout{Dir: dir}.Journal() + " is damaged; move it aside only once the instance is known good"}
	}
	var open []string
	fix := ""
	for _, j := range js {
		if skip != nil && skip(j) {
			continue
		}
		open = append(open, describeJournal(j))
		if c := j.Meta()["recover"]; c != "" && fix == "" {
			fix = "`" + hint.Appsmith(dir, c) + "` finishes or undoes it"
		}
	}
	if len(open) == 0 {
		return nil
	}
	return &engine.Error{Code: engine.ExitPreflight, Hint: fix,
		Err: fmt.Errorf("an earlier operation on %s did not finish: %s; nothing was changed", dir, strings.Join(open, "; "))}
}

func describeJournal(j *engine.Journal) string {
	s := fmt.Sprintf("%s (begun %s", j.Op(), j.Began().Local().Format(time.DateTime))
	if last := j.LastStep(); last != "" {
		s += ", stopped at step " + last
	}
	return s + ")"
}
