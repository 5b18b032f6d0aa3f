package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// guardUnfinished refuses a change while an earlier operation on the same
// install is unfinished (a run killed half-way): acting on top of it would
// mix two half-states. The refusal names the operation, where it stopped,
// and the command that finishes or undoes it. Call it holding the lock.
func guardUnfinished(dir string, skip func(*engine.Journal) bool) error {
	js, err := engine.Unfinished(engine.JournalDir(dir))
	if err != nil {
		return &engine.Error{Code: engine.ExitFailure, Err: err, Hint: "the journal under " + engine.JournalDir(dir) + " is damaged; move it aside only once the instance is known good"}
	}
	var open []string
	hint := ""
	for _, j := range js {
		if skip != nil && skip(j) {
			continue
		}
		open = append(open, describeJournal(j))
		if c := j.Meta()["recover"]; c != "" && hint == "" {
			hint = "`" + withDir(c, dir) + "` finishes it"
		}
	}
	if len(open) == 0 {
		return nil
	}
	return &engine.Error{Code: engine.ExitPreflight, Hint: hint,
		Err: fmt.Errorf("an earlier operation on %s did not finish: %s; nothing was changed", dir, strings.Join(open, "; "))}
}

func describeJournal(j *engine.Journal) string {
	s := fmt.Sprintf("%s (begun %s", j.Op(), j.Began().Local().Format(time.DateTime))
	if last := j.LastStep(); last != "" {
		s += ", stopped at step " + last
	}
	return s + ")"
}

// withDir adds --dir to an appsmith command when the install is not in the
// default dir, so the hint works as printed.
func withDir(command, dir string) string {
	if dir == defaultDir() {
		return command
	}
	name, rest, _ := strings.Cut(command, " ")
	return strings.TrimSpace(name + " --dir " + dir + " " + rest)
}

func defaultDir() string { return install.Defaults().Dir }
