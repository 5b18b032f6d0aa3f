// Command podexec is the command a kwok pod's exec runs when the test put
// a real container behind the pod (testenv Kube.BackPod): kwok runs exec
// commands on this machine, found on its PATH, where podexec is installed
// under the names of the image's tools. With TESTENV_EXEC_CONTAINER set
// (the pod's Exec object sets it) it runs the same command line in that
// container through the Engine API, streaming stdin, stdout and stderr
// and exiting with the command's code; without it, it runs the machine's
// own command of that name, so testenv's ExecLocally keeps working.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

func main() {
	name := filepath.Base(os.Args[0])
	id := os.Getenv("TESTENV_EXEC_CONTAINER")
	if id == "" {
		passThrough(name)
	}
	ctx := context.Background()
	d, err := docker.New(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "podexec: %v\n", err)
		os.Exit(126)
	}
	code, err := d.ExecStream(ctx, id, append([]string{name}, os.Args[1:]...), nil, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "podexec: exec %s in %s: %v\n", name, id, err)
		os.Exit(126)
	}
	os.Exit(code)
}

// passThrough execs the first program called name on PATH that is not
// podexec itself (kwok found this one there, under that name).
func passThrough(name string) {
	self, _ := os.Executable()
	self, _ = filepath.EvalSymlinks(self)
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		p := filepath.Join(dir, name)
		fi, err := os.Stat(p)
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			continue
		}
		if real, _ := filepath.EvalSymlinks(p); real == self {
			continue
		}
		err = syscall.Exec(p, os.Args, os.Environ())
		fmt.Fprintf(os.Stderr, "podexec: %v\n", err)
		os.Exit(126)
	}
	fmt.Fprintf(os.Stderr, "podexec: %s: not found on PATH\n", name)
	os.Exit(127)
}
