package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// Under the real supervisord a backend that aborts at start is retried and
// left FATAL while the container keeps running; without the forwarder, what
// it printed reaches only its log file.
func TestKeepRunningWithoutForwarder(t *testing.T) {
	l := newRoot(t)
	setImage(t, l, "v2.0.1", spec.Config{BootDelay: "0s", Fault: spec.FaultNoForward, KeepRunning: true})
	if err := os.MkdirAll(l.stacks("configuration"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := "APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\nAPPSMITH_DB_URL=mongodb://appsmith:secret@db.example.com:27017/appsmith\n"
	if err := os.WriteFile(l.stacks("configuration", "docker.env"), []byte(env), 0o644); err != nil {
		t.Fatal(err)
	}
	// The external database was last used by a release before the checkpoints.
	if err := os.MkdirAll(l.stacks("data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeJSON(l.stacks("data", "standin-backend.json"), backendState{AppsmithVersion: "v1.8.15"}); err != nil {
		t.Fatal(err)
	}
	r := startApp(t, l)
	deadline := time.Now().Add(20 * time.Second)
	var states []string
	for {
		out, _ := ctl(t, l, "status", "backend")
		f := strings.Fields(out)
		if len(f) > 1 && f[0] == "backend" && (len(states) == 0 || states[len(states)-1] != f[1]) {
			states = append(states, f[1])
		}
		if strings.Contains(out, "FATAL") {
			break
		}
		select {
		case <-r.done:
			t.Fatalf("the container exited %d:\n%s", r.code, r.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("backend never FATAL (states %v):\n%s", states, r.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(strings.Join(states, " "), "BACKOFF") {
		t.Errorf("states %v, want BACKOFF before FATAL", states)
	}
	if code := r.status("/api/v1/health"); code != 502 {
		t.Errorf("health %d with the backend FATAL, want 502", code)
	}
	if out, _ := ctl(t, l, "status", "editor"); !strings.Contains(out, "RUNNING") {
		t.Errorf("the other programs must keep running: %s", out)
	}
	log, err := os.ReadFile(l.stacks("logs", "backend", "backend-testhost.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(log), "CHECKPOINT MISSED"); n != 1+startRetries {
		t.Errorf("the log file shows %d aborted starts, want %d:\n%s", n, 1+startRetries, log)
	}
	if strings.Contains(r.out.String(), "CHECKPOINT MISSED") || strings.Contains(r.out.String(), "backend stdout |") {
		t.Errorf("program output reached the console without a forwarder:\n%s", r.out)
	}
	if !strings.Contains(r.out.String(), "gave up: backend entered FATAL state") {
		t.Errorf("supervisord's own log lines belong on the console:\n%s", r.out)
	}
	if code := r.shutdown(); code != 0 {
		t.Errorf("exit %d after SIGTERM", code)
	}
}
