package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

func newLogsCmd(ro *rootOpts, stdio IO, deps Deps) *cobra.Command {
	var follow bool
	var tail string
	cmd := &cobra.Command{
		Use:   "logs [PROGRAM]",
		Short: "Show the container log, or one program's log (backend, rts, editor, mongodb, redis, postgres, ...)",
		Long: "Without PROGRAM: the container's own output (the entrypoint and supervisor).\n" +
			"With PROGRAM: that process's log files from <dir>/stacks/logs/PROGRAM, readable even when the container is down.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			n := -1
			if tail != "all" {
				v, err := strconv.Atoi(tail)
				if err != nil || v < 0 {
					return engine.UsageError("invalid --tail %q: want a number of lines or all", tail)
				}
				n = v
			}
			if len(args) == 1 {
				// The files are readable without the engine; it only
				// helps find the install when no dir is named.
				d, _ := deps.Docker(ctx)
				dir, _, err := ro.findDir(ctx, stdio, d)
				if err != nil {
					return err
				}
				err = programLog(ctx, stdio.Out, instance.Layout{Dir: dir}.Stacks(), args[0], n, follow)
				return endOfFollow(ctx, err)
			}
			in, err := locateContainer(ctx, ro, stdio, deps)
			if err != nil {
				return err
			}
			err = in.d.ContainerLogs(ctx, in.c.ID, docker.LogsOptions{Follow: follow, Tail: tail}, stdio.Out, stdio.Err)
			return endOfFollow(ctx, err)
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new lines")
	cmd.Flags().StringVarP(&tail, "tail", "n", "200", "lines from the end to show first, or all")
	return cmd
}

// endOfFollow: Ctrl-C is how one ends `logs -f`, not a failure.
func endOfFollow(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}

// programLog prints the newest log file of a program and, with follow,
// keeps printing as it grows (switching to a newer file on rotation).
func programLog(ctx context.Context, w io.Writer, l stacks.Layout, program string, tail int, follow bool) error {
	dir := l.LogsDir(program)
	if strings.ContainsAny(program, "/\\") || program == "." || program == ".." {
		return engine.UsageError("invalid program %q", program)
	}
	file, err := newestLog(dir)
	if err != nil {
		known, _ := os.ReadDir(filepath.Dir(dir))
		var names []string
		for _, k := range known {
			if k.IsDir() {
				names = append(names, k.Name())
			}
		}
		return engine.UsageError("no logs for program %q in %s (programs with logs: %s)", program, filepath.Dir(dir), strings.Join(names, ", "))
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if _, err := w.Write(lastLines(data, tail)); err != nil {
		return err
	}
	offset := int64(len(data))
	for follow {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		if newest, err := newestLog(dir); err == nil && newest != file {
			file, offset = newest, 0
		}
		st, err := os.Stat(file)
		if err != nil {
			continue
		}
		if st.Size() < offset { // truncated in place
			offset = 0
		}
		if st.Size() > offset {
			f, err := os.Open(file)
			if err != nil {
				continue
			}
			n, _ := io.Copy(w, io.NewSectionReader(f, offset, st.Size()-offset))
			f.Close()
			offset += n
		}
	}
	return nil
}

func newestLog(dir string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	type f struct {
		path string
		mod  time.Time
	}
	var files []f
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			files = append(files, f{filepath.Join(dir, e.Name()), info.ModTime()})
		}
	}
	if len(files) == 0 {
		return "", errors.New("no log files")
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.After(files[j].mod) })
	return files[0].path, nil
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
