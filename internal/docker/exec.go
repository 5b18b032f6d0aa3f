package docker

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Exec runs cmd inside a running container and collects its output. Secrets
// reach the command through env and stdin only: the command line of an exec
// is visible in the engine's API and in the container's process list.
// A non-zero exit code is a result, not an error.
func (c *Client) Exec(ctx context.Context, id string, cmd []string, env []string, stdin io.Reader) (ExecResult, error) {
	var stdout, stderr bytes.Buffer
	code, err := c.ExecStream(ctx, id, cmd, env, stdin, &stdout, &stderr)
	if err != nil {
		return ExecResult{}, err
	}
	return ExecResult{ExitCode: code, Stdout: stdout.Bytes(), Stderr: stderr.Bytes()}, nil
}

// ExecStream is Exec for output too large to hold in memory (database dumps):
// it copies the command's output to stdout and stderr (either may be nil) as
// it comes, and returns the exit code.
func (c *Client) ExecStream(ctx context.Context, id string, cmd []string, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	op := fmt.Sprintf("run %q in container %s", firstWord(cmd), id)
	created, err := c.api.ExecCreate(ctx, id, client.ExecCreateOptions{
		Cmd:          cmd,
		Env:          env,
		AttachStdin:  stdin != nil,
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return 0, wrap(op, err)
	}
	att, err := c.api.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return 0, wrap(op, err)
	}
	defer att.Close()
	// The hijacked connection outlives the request's context; tie it back so
	// cancelling ctx stops a command that never ends.
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()

	if stdin != nil {
		go func() {
			// A command may exit without reading all of stdin; the write
			// error that follows is not the command's failure.
			_, _ = io.Copy(att.Conn, stdin)
			_ = att.CloseWrite()
		}()
	}
	if _, err := stdcopy.StdCopy(orDiscard(stdout), orDiscard(stderr), att.Reader); err != nil {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, fmt.Errorf("%s: reading output: %w", op, err)
	}
	return c.execExitCode(ctx, op, created.ID)
}

// execExitCode waits for the engine to record the exit code: the output
// stream can end a moment before the exec is marked as finished.
func (c *Client) execExitCode(ctx context.Context, op, execID string) (int, error) {
	for delay := time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		res, err := c.api.ExecInspect(ctx, execID, client.ExecInspectOptions{})
		if err != nil {
			return 0, wrap(op, err)
		}
		if !res.Running {
			return res.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(delay):
		}
	}
}

func firstWord(cmd []string) string {
	if len(cmd) == 0 {
		return ""
	}
	return cmd[0]
}
