package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestExecStdinEnvAndExitCode(t *testing.T) {
	f := newFakeEngine(t)
	f.handle("POST /containers/{id}/exec", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Cmd, Env                                []string
			AttachStdin, AttachStdout, AttachStderr bool
			Tty                                     bool
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("exec create body: %v", err)
		}
		if !reflect.DeepEqual(req.Cmd, []string{"appsmithctl", "import_db"}) || !reflect.DeepEqual(req.Env, []string{"PGPASSWORD=hunter2"}) {
			t.Errorf("exec create: Cmd %q Env %q", req.Cmd, req.Env)
		}
		if !req.AttachStdin || !req.AttachStdout || !req.AttachStderr || req.Tty {
			t.Errorf("exec create attaches: %+v", req)
		}
		writeJSON(w, http.StatusCreated, map[string]string{"Id": "exec1"})
	})
	f.handle("POST /exec/{id}/start", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = buf.WriteString("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
		_ = buf.Flush()
		// Stdin must arrive in full and then be closed, or the command
		// would wait for more forever.
		in, err := io.ReadAll(buf)
		if err != nil {
			t.Errorf("read stdin: %v", err)
		}
		_, _ = conn.Write(frame(1, "read "+string(in)))
		_, _ = conn.Write(frame(2, "warning\n"))
	})
	var inspects atomic.Int32
	f.handle("GET /exec/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		// The first answer still says running, as the engine may just after
		// the stream ends.
		if inspects.Add(1) == 1 {
			writeJSON(w, http.StatusOK, map[string]any{"ID": "exec1", "Running": true, "ExitCode": nil})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"ID": "exec1", "Running": false, "ExitCode": 3})
	})
	c := f.start()

	// A stdin that is never closed would hang the command: fail instead.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.Exec(ctx, "appsmith", []string{"appsmithctl", "import_db"},
		[]string{"PGPASSWORD=hunter2"}, strings.NewReader("secret-on-stdin"))
	if err != nil {
		t.Fatal(err)
	}
	want := ExecResult{ExitCode: 3, Stdout: []byte("read secret-on-stdin"), Stderr: []byte("warning\n")}
	if res.ExitCode != want.ExitCode || !bytes.Equal(res.Stdout, want.Stdout) || !bytes.Equal(res.Stderr, want.Stderr) {
		t.Errorf("Exec = {%d %q %q}, want {%d %q %q}", res.ExitCode, res.Stdout, res.Stderr, want.ExitCode, want.Stdout, want.Stderr)
	}
	if n := inspects.Load(); n != 2 {
		t.Errorf("exec inspected %d times, want 2", n)
	}
}

func TestExecMissingContainer(t *testing.T) {
	f := newFakeEngine(t)
	f.handle("POST /containers/{id}/exec", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusConflict, map[string]string{"message": "Container abc is not running"})
	})
	c := f.start()
	_, err := c.Exec(context.Background(), "abc", []string{"true"}, nil, nil)
	if err == nil || err.Error() != `run "true" in container abc: Container abc is not running` {
		t.Errorf("err = %v", err)
	}
}
