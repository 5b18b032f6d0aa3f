package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Exec runs cmd in a running container through the Engine API, feeding it
// stdin (nil = none), and returns its stdout, stderr and exit code.
func Exec(ctx context.Context, cli *client.Client, containerID string, stdin io.Reader, cmd ...string) (stdout, stderr []byte, code int, err error) {
	ex, err := cli.ExecCreate(ctx, containerID, client.ExecCreateOptions{Cmd: cmd, AttachStdin: stdin != nil, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return nil, nil, -1, fmt.Errorf("exec %v: %w", cmd, err)
	}
	att, err := cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, nil, -1, fmt.Errorf("exec attach %v: %w", cmd, err)
	}
	defer att.Close()
	fed := make(chan error, 1)
	if stdin != nil {
		go func() {
			_, err := io.Copy(att.Conn, stdin)
			if cerr := att.CloseWrite(); err == nil {
				err = cerr
			}
			fed <- err
		}()
	} else {
		fed <- nil
	}
	var out, errb bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errb, att.Reader); err != nil {
		return nil, nil, -1, fmt.Errorf("exec %v output: %w", cmd, err)
	}
	if err := <-fed; err != nil {
		return nil, nil, -1, fmt.Errorf("exec %v stdin: %w", cmd, err)
	}
	for {
		res, err := cli.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
		if err != nil {
			return nil, nil, -1, fmt.Errorf("exec inspect %v: %w", cmd, err)
		}
		if !res.Running {
			return out.Bytes(), errb.Bytes(), res.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil, -1, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// MongoEval runs `appsmithctl mongo-eval SCRIPT` in the container (mongosh
// on the instance's own APPSMITH_DB_URL, as an operator would) and returns
// the value it printed last.
func MongoEval(tb testing.TB, cli *client.Client, containerID, script string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, errs, code, err := Exec(ctx, cli, containerID, nil, "appsmithctl", "mongo-eval", script)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	if code != 0 {
		tb.Fatalf("testenv: appsmithctl mongo-eval %.80q: exit %d: %s%s", script, code, out, errs)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// SeedDocuments inserts n documents into collection coll of the instance's
// database through mongosh, each with a distinct "seq" and a body of about
// 100 bytes.
func SeedDocuments(tb testing.TB, cli *client.Client, containerID, coll string, n int) {
	tb.Helper()
	const batch = 500
	for done := 0; done < n; {
		k := min(batch, n-done)
		docs := make([]string, k)
		for i := range docs {
			seq := done + i
			docs[i] = fmt.Sprintf(`{seq: %d, name: "document %d", body: "%s"}`, seq, seq, strings.Repeat("x", 64))
		}
		MongoEval(tb, cli, containerID, "db."+coll+".insertMany(["+strings.Join(docs, ",")+"])")
		done += k
	}
}

// CountDocuments counts the documents of collection coll through mongosh.
func CountDocuments(tb testing.TB, cli *client.Client, containerID, coll string) int {
	tb.Helper()
	s := MongoEval(tb, cli, containerID, "db."+coll+".countDocuments()")
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatalf("testenv: countDocuments on %s printed %q", coll, s)
	}
	return n
}

// MongoDump runs mongodump in the container and returns the archive it
// streamed to stdout. uri is the connection string (the instance's
// APPSMITH_DB_URL; a URI naming no database dumps them all, as --oplog needs).
func MongoDump(tb testing.TB, cli *client.Client, containerID, uri string, args ...string) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, errs, code, err := Exec(ctx, cli, containerID, nil, append([]string{"mongodump", "--uri=" + uri}, args...)...)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	if code != 0 {
		tb.Fatalf("testenv: mongodump %v: exit %d: %s", args, code, errs)
	}
	return out
}

// MongoRestore feeds archive to mongorestore in the container and returns
// its exit code and stderr.
func MongoRestore(tb testing.TB, cli *client.Client, containerID, uri string, archive []byte, args ...string) (int, string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, errs, code, err := Exec(ctx, cli, containerID, bytes.NewReader(archive), append([]string{"mongorestore", "--uri=" + uri}, args...)...)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	return code, string(errs)
}
