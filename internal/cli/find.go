package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// givenDir is the install dir the user named (--dir, else APPSMITH_DIR) and
// where it came from; "" when none was named.
func (ro *rootOpts) givenDir(stdio IO) (dir, source string, err error) {
	d, src := ro.dir, "--dir"
	if d == "" {
		d, src = stdio.Getenv("APPSMITH_DIR"), "APPSMITH_DIR"
	}
	if d == "" {
		return "", "", nil
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		return "", "", engine.UsageError("invalid %s %q: %v", src, d, err)
	}
	if err := checkDirNotFile(abs, src); err != nil {
		return "", "", err
	}
	return filepath.Clean(abs), src, nil
}

// checkDirNotFile: an install dir that is a file is a typo, not a damaged
// install; say so by the flag or variable that named it.
func checkDirNotFile(dir, source string) error {
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		return engine.UsageError("%s %s is a file, not a directory: name the install directory (the one holding %s and stacks/)", source, dir, state.FileName)
	}
	return nil
}

// holdsInstall: the dir has a state file, or the stacks of an install whose
// first start failed before the state was written.
func holdsInstall(dir string) bool {
	for _, p := range []string{state.Path(dir), instance.Layout{Dir: dir}.Stacks().DockerEnv()} {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	return false
}

// findDir is the install dir of a day-two command: the one named, else the
// default when it holds an install, else the only install the Docker engine
// knows (by its container labels). With several, the user must choose: a
// command acting on the wrong instance is worse than a question.
// d may be nil (no engine): the default is then the answer.
func (ro *rootOpts) findDir(ctx context.Context, stdio IO, d install.ContainerLister) (dir, source string, err error) {
	defer func() { ro.usedDir = dir }()
	if dir, source, err = ro.givenDir(stdio); dir != "" || err != nil {
		return dir, source, err
	}
	def := hint.DefaultDir
	if holdsInstall(def) || d == nil {
		return def, "", nil
	}
	cs, err := d.ContainerList(ctx, map[string]string{state.LabelManaged: "true"})
	if err != nil {
		return def, "", nil // the command's own engine call reports it
	}
	seen := map[string]bool{}
	var dirs []string
	for _, c := range cs {
		if l := c.Labels[state.LabelDir]; l != "" && !seen[l] {
			seen[l] = true
			dirs = append(dirs, l)
		}
	}
	sort.Strings(dirs)
	switch len(dirs) {
	case 0:
		return def, "", nil
	case 1:
		fmt.Fprintf(stdio.Err, "Using the install in %s (the only one on this Docker engine).\n", dirs[0])
		return dirs[0], "", nil
	}
	return "", "", engine.Errorf(engine.ExitUsage, "`"+hint.Appsmith(dirs[0], "status")+"`, for example",
		"%d Appsmith installs on this Docker engine, none in %s: choose one with --dir (or APPSMITH_DIR):\n  %s",
		len(dirs), def, strings.Join(dirs, "\n  "))
}

// guardPurge: deleting data is never done on an install this tool guessed.
// `uninstall --purge` acts on the default dir or on a dir the user named;
// the only install found on the engine must be named to be purged.
func guardPurge(root *cobra.Command, ro *rootOpts, stdio IO) {
	for _, c := range root.Commands() {
		if c.Name() != "uninstall" || c.Flags().Lookup("purge") == nil {
			continue
		}
		prev := c.PreRunE
		c.PreRunE = func(c *cobra.Command, args []string) error {
			purge, _ := c.Flags().GetBool("purge")
			// A bad named dir is reported by the command itself.
			if dir, _, err := ro.givenDir(stdio); purge && dir == "" && err == nil && !holdsInstall(hint.DefaultDir) {
				return engine.UsageError("--purge deletes an install's data: name its dir with --dir (or APPSMITH_DIR); %s holds no install", hint.DefaultDir)
			}
			if prev != nil {
				return prev(c, args)
			}
			return nil
		}
	}
}
