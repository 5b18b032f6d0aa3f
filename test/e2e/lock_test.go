package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// Two installs on one dir at once: the second fails at once naming the
// first, and the first finishes undisturbed.
func TestConcurrentInstallIsRefused(t *testing.T) {
	e := newEnv(t)
	// A long boot keeps the first run busy for the whole check.
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2", BootDelay: 8 * time.Second})
	first := make(chan result, 1)
	go func() { first <- e.run(nil, e.installArgs("v1.9.2")...) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := e.cli.ContainerInspect(context.Background(), e.name, client.ContainerInspectOptions{}); err == nil {
			break // the first run is past its create step, waiting for ready
		}
		if time.Now().After(deadline) {
			t.Fatal("the first install never created its container")
		}
		time.Sleep(50 * time.Millisecond)
	}
	second := e.run(nil, e.installArgs("v1.9.2")...)
	if second.code != 1 || !strings.Contains(second.errOut, "another appsmith-install (pid ") {
		t.Fatalf("second install: exit %d\n%s", second.code, second.errOut)
	}
	// Refused at once, not after waiting for the lock: the first run is
	// still going when the second has ended.
	select {
	case r := <-first:
		t.Fatalf("the first install ended before the refusal came back: the second waited for it (exit %d)", r.code)
	default:
	}
	e.mustSucceed(<-first, "first install")
	if s, code := e.status(); code != 0 || !s.Healthy {
		t.Fatalf("after both: exit %d %+v", code, s)
	}
}
