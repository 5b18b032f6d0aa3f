package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// LogsOptions are `appsmith logs [PROGRAM]`'s.
type LogsOptions struct {
	IO      IO
	Deps    Deps
	Root    *rootOpts
	Program string // "": the container's own output
	Follow  bool
	Tail    string // a number of lines, or all
	File    string // with Program: another file of its log folder
}

// NewCmdLogs builds `logs`; runF replaces logsRun.
func NewCmdLogs(f *Factory, runF func(*LogsOptions) error) *cobra.Command {
	opts := &LogsOptions{IO: f.IO, Deps: f.Deps, Root: f.root}
	cmd := &cobra.Command{
		Use:   "logs [PROGRAM]",
		Short: "Show the container log, or one program's log (backend, rts, editor, mongodb, redis, postgres, ...)",
		Long: "Without PROGRAM: the container's own output (the entrypoint and supervisor).\n" +
			"With PROGRAM: that process's log files from <dir>/stacks/logs/PROGRAM, readable even when the container is down:\n" +
			"the current container's files (stdout and stderr labelled when they are apart), not earlier containers' or other files.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Program = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return logsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Follow, "follow", "f", false, "keep printing new lines")
	cmd.Flags().StringVarP(&opts.Tail, "tail", "n", "200", "lines from the end to show first, or all")
	cmd.Flags().StringVar(&opts.File, "file", "", "with PROGRAM: show this file of its log folder instead (an earlier container's, starting_page_init.log, ...)")
	return cmd
}

func logsRun(ctx context.Context, opts *LogsOptions) error {
	stdio := opts.IO
	n := -1
	if opts.Tail != "all" {
		v, err := strconv.Atoi(opts.Tail)
		if err != nil || v < 0 {
			return engine.UsageError("invalid --tail %q: want a number of lines or all", opts.Tail)
		}
		n = v
	}
	if opts.Program != "" {
		// The files are readable without the engine; it only helps find
		// the install when no dir is named.
		d, _ := opts.Deps.Docker(ctx)
		dir, _, err := opts.Root.findDir(ctx, stdio, d)
		if err != nil {
			return err
		}
		if !holdsInstall(dir) {
			return engine.Errorf(engine.ExitNotFound, "pass the install dir with --dir (or APPSMITH_DIR)", "no Appsmith installed in %s", dir)
		}
		err = programLog(ctx, stdio.Out, instance.Layout{Dir: dir}.Stacks(), opts.Program, currentHost(ctx, d, dir), opts.File, n, opts.Follow)
		return endOfFollow(ctx, err)
	}
	in, err := locateContainer(ctx, opts.Root, stdio, opts.Deps)
	if err != nil {
		return err
	}
	err = in.d.ContainerLogs(ctx, in.c.ID, docker.LogsOptions{Follow: opts.Follow, Tail: opts.Tail}, stdio.Out, stdio.Err)
	return endOfFollow(ctx, err)
}

// endOfFollow: Ctrl-C is how one ends `logs -f`, not a failure.
func endOfFollow(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}

// programLog prints the log of a program from the current container's
// files: one file, or its stdout and stderr labelled as `tail` labels files
// ("==> name <=="); with follow, it keeps printing what any of them gains,
// labelling each switch. file picks another file of the folder by name.
func programLog(ctx context.Context, w io.Writer, l stacks.Layout, program, host, file string, tail int, follow bool) error {
	dir := l.LogsDir(program)
	if strings.ContainsAny(program, "/\\") || program == "." || program == ".." {
		return engine.UsageError("invalid program %q", program)
	}
	var files []logFile
	if file != "" {
		if strings.ContainsAny(file, "/\\") {
			return engine.UsageError("invalid --file %q: a file name in %s", file, dir)
		}
		if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
			return engine.UsageError("no file %q in %s (%s)", file, dir, strings.Join(fileNames(dir), ", "))
		}
		files = []logFile{{path: filepath.Join(dir, file)}}
	} else if files = programFiles(dir, program, host); len(files) == 0 {
		if names := fileNames(dir); len(names) > 0 {
			return engine.UsageError("no log of program %q in %s; its files: %s (pick one with --file)", program, dir, strings.Join(names, ", "))
		}
		known, _ := os.ReadDir(filepath.Dir(dir))
		var names []string
		for _, k := range known {
			if k.IsDir() {
				names = append(names, k.Name())
			}
		}
		return engine.UsageError("no logs for program %q in %s (programs with logs: %s)", program, filepath.Dir(dir), strings.Join(names, ", "))
	}
	labelled := len(files) > 1
	last := ""
	offsets := make([]int64, len(files))
	emit := func(i int, data []byte) error {
		if len(data) == 0 {
			return nil
		}
		if labelled && last != files[i].path {
			sep := ""
			if last != "" {
				sep = "\n"
			}
			if _, err := io.WriteString(w, sep+"==> "+filepath.Base(files[i].path)+" <==\n"); err != nil {
				return err
			}
		}
		last = files[i].path
		_, err := w.Write(data)
		return err
	}
	for i, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		offsets[i] = int64(len(data))
		if err := emit(i, lastLines(data, tail)); err != nil {
			return err
		}
	}
	for follow {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		for i, f := range files {
			st, err := os.Stat(f.path)
			if err != nil {
				continue
			}
			if st.Size() < offsets[i] { // truncated in place
				offsets[i] = 0
			}
			if st.Size() > offsets[i] {
				fh, err := os.Open(f.path)
				if err != nil {
					continue
				}
				data, _ := io.ReadAll(io.NewSectionReader(fh, offsets[i], st.Size()-offsets[i]))
				fh.Close()
				offsets[i] += int64(len(data))
				if err := emit(i, data); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func fileNames(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	return names
}

// lastLines returns the last n lines of data (n < 0: all).
func lastLines(data []byte, n int) []byte {
	if n < 0 {
		return data
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end--
	}
	i := end
	for count := 0; i > 0; i-- {
		if data[i-1] == '\n' {
			if count++; count == n {
				break
			}
		}
	}
	if n == 0 {
		return nil
	}
	return bytes.Clone(data[i:])
}

// currentHost is the host name of the install's current container, ""
// when the engine cannot say.
func currentHost(ctx context.Context, d Engine, dir string) string {
	if d == nil {
		return ""
	}
	cs, err := instance.Find(ctx, d, dir)
	if err != nil || cs.Current == nil {
		return ""
	}
	return instance.HostName(*cs.Current)
}
