package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// A container that never becomes ready fails the install after --timeout
// with the log tail, and is kept (with its data) for inspection.
func TestNeverHealthyTimesOutWithTheLog(t *testing.T) {
	e := newEnv(t)
	ref := e.reg.Push(t, testenv.Image{Repo: "faults/never-healthy", Tag: "v1.9.2", Fault: "never-healthy"})
	args := append(e.installArgs("v1.9.2"), "--image", ref, "--timeout", "12s")
	r := e.run(nil, args...)
	if r.code != 4 {
		t.Fatalf("exit %d, want 4\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "not ready after 12s", "last log lines:", "appsmith logs")
	c, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{})
	if err != nil || !c.Container.State.Running {
		t.Fatalf("the container must be kept running for inspection: %v", err)
	}
	readEnv(t, e.dir) // the data stays
}

// Fatal starts fail fast, naming the cause, long before the timeout.
func TestFatalStartsFailFast(t *testing.T) {
	cases := []struct{ fault, want string }{
		{"crash", "the container stopped"},
		{"illegal-instruction", "Illegal instruction"},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			e := newEnv(t)
			ref := e.reg.Push(t, testenv.Image{Repo: "faults/" + c.fault, Tag: "v1.9.2", Fault: c.fault})
			r := e.run(nil, append(e.installArgs("v1.9.2"), "--image", ref, "--timeout", "90s")...)
			if r.code != 4 {
				t.Fatalf("exit %d, want 4\n%s", r.code, r.errOut)
			}
			contains(t, "stderr", r.errOut, c.want, "last log lines:")
			// Failing fast means failing on the cause, not on the timeout.
			if strings.Contains(r.errOut, "not ready after") {
				t.Errorf("a fatal start waited out the timeout:\n%s", r.errOut)
			}
		})
	}
}

// Ctrl-C while waiting stops cleanly (exit 130); the next run continues.
func TestInterruptedInstallResumes(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2", BootDelay: 6 * time.Second})
	r := e.runInterrupted("Wait until Appsmith is ready", e.installArgs("v1.9.2")...)
	if r.code != 130 {
		t.Fatalf("exit %d, want 130\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "interrupted")
	r = e.run(nil, e.installArgs("v1.9.2")...)
	e.mustSucceed(r, "resumed install")
	if strings.Contains(r.errOut, "Pull ") || strings.Contains(r.errOut, "Write docker.env") {
		t.Errorf("the resumed run redid finished steps:\n%s", r.errOut)
	}
	if s, code := e.status(); code != 0 || !s.Healthy {
		t.Fatalf("after resume: exit %d %+v", code, s)
	}
}

// Appsmith's images and their embedded MongoDB log INFO lines that name the
// featureCompatibilityVersion (the FCV at start, its raise after start):
// they are not failures, and an install that sees them succeeds.
func TestFCVInfoLinesAreNotFatal(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
	r := e.run(nil, e.installArgs("v1.9.38")...)
	e.mustSucceed(r, "install")
	if !strings.Contains(r.errOut, "featureCompatibilityVersion") {
		t.Fatalf("the stand-in's mongod did not log its FCV line during the wait; this test proves nothing:\n%s", r.errOut)
	}
}
