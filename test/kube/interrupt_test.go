package kube

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// Ctrl-C during a hop (the new pod is up on the new tag, not Ready) still
// recovers: the release goes back to the old tag, Ready, instead of being
// left failed on the new one for the user to mend with helm.
func TestKubeInterruptedHop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.install("v2.0.1")
	claim := e.claim()

	cmd, out, errOut, done := e.upgradeUntilBadPod("--no-snapshot", "--no-db-check") // kwok's pods have no exec here
	var err error
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-done:
	case <-time.After(4 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("the interrupted upgrade did not end\nstderr:\n%s", errOut.String())
	}
	t.Logf("interrupted upgrade: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	if err == nil {
		t.Error("the interrupted upgrade exited 0")
	}
	contains(t, "the interrupted upgrade's stderr", errOut.String(), "helm upgrade to "+badTag+": interrupted", "rolled back", "runs v2.0.1 again")
	rel := e.last()
	if rel.Info.Status.String() != "deployed" || tagOf(rel.Config) != "v2.0.1" {
		t.Errorf("after the interrupt: revision %d %s on %q, want deployed on v2.0.1", rel.Version, rel.Info.Status, tagOf(rel.Config))
	}
	e.podReadyOn("v2.0.1")
	e.sameClaim(claim, "after the interrupt")
	// The next upgrade is not blocked by a release left mid-operation.
	r := e.must(e.run("upgrade", "--plan"), "upgrade --plan after the interrupt")
	contains(t, "upgrade --plan", r.out, "from v2.0.1 to "+badTag)
}

// A run killed (SIGKILL) in the middle of a hop leaves the release on the
// new tag with its revision pending (Helm's lock), and the install's
// journal open: status says so (not healthy, naming the command), every
// command that would act on top of it refuses (exit 3) and names
// `upgrade --resume`, which takes the release back to the revision the
// upgrade began on, Ready on its tag, with the claim kept; the revision
// the killed run left is marked failed, and a second --resume has nothing
// to do.
func TestKubeKilledUpgradeResumes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.install("v2.0.1")
	claim := e.claim()

	cmd, _, errOut, done := e.upgradeUntilBadPod("--no-snapshot", "--no-db-check") // kwok's pods have no exec here
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-done
	t.Logf("killed upgrade's stderr:\n%s", errOut.String())
	if rel := e.last(); rel.Info.Status.String() != "pending-upgrade" || tagOf(rel.Config) != badTag {
		t.Fatalf("after the kill: revision %d %s on %q, want the hop pending on %s", rel.Version, rel.Info.Status, tagOf(rel.Config), badTag)
	}

	st, r := e.status()
	if r.code != 4 || st.Healthy || len(st.Unfinished) != 1 || !strings.Contains(st.Unfinished[0].Fix, "upgrade --resume") {
		t.Errorf("status after the kill: want exit 4, not healthy, the unfinished upgrade and its command:\n%s", r)
	}
	for _, args := range [][]string{
		{"upgrade", badTag, "--yes", "--no-snapshot", "--no-db-check"},
		{"rollback", "--yes"},
	} {
		r := e.run(args...)
		if r.code != 3 || !strings.Contains(r.errOut, "did not finish") || !strings.Contains(r.errOut, "upgrade --resume") {
			t.Errorf("%v after the kill: want exit 3 naming upgrade --resume:\n%s", args, r)
		}
	}
	if n := len(e.history()); n != 2 {
		t.Errorf("the refused commands changed the release: %d revisions", n)
	}

	r = e.must(e.run("upgrade", "--resume", "--timeout", "2m", "--progress", "plain"), "upgrade --resume")
	contains(t, "upgrade --resume", r.errOut, "was rolled back", "runs v2.0.1", "revision 2 was left pending by the interrupted run: marked failed")
	rel := e.last()
	if rel.Info.Status.String() != "deployed" || tagOf(rel.Config) != "v2.0.1" {
		t.Errorf("after --resume: revision %d %s on %q, want deployed on v2.0.1", rel.Version, rel.Info.Status, tagOf(rel.Config))
	}
	for _, h := range e.history() {
		if tagOf(h.Config) == badTag && h.Info.Status.String() != "failed" {
			t.Errorf("revision %d on %s is %s, want failed", h.Version, badTag, h.Info.Status)
		}
	}
	e.podReadyOn("v2.0.1")
	e.sameClaim(claim, "after --resume")
	if st, r := e.status(); !st.Healthy || len(st.Unfinished) != 0 || st.ImageTag != "v2.0.1" {
		t.Errorf("status after --resume: %s", r)
	}
	r = e.must(e.run("upgrade", "--resume"), "a second upgrade --resume")
	contains(t, "a second upgrade --resume", r.errOut, "nothing to do")
}

// upgradeUntilBadPod starts an upgrade to badTag with more arguments and
// returns once the pod runs the new tag, mid-hop; done yields the
// command's end.
func (e *env) upgradeUntilBadPod(more ...string) (cmd *exec.Cmd, out, errOut *bytes.Buffer, done chan error) {
	t := e.t
	t.Helper()
	cmd = exec.Command(binary, append([]string{"--dir", e.dir, "upgrade", badTag, "--yes", "--timeout", "2m"}, more...)...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "HOME="+filepath.Join(t.TempDir(), "home"), "KUBECONFIG=/nonexistent")
	out, errOut = &bytes.Buffer{}, &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	err := wait.PollUntilContextTimeout(t.Context(), 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := e.cs.CoreV1().Pods(e.ns).Get(ctx, podName, metav1.GetOptions{})
		return err == nil && strings.HasSuffix(p.Spec.Containers[0].Image, ":"+badTag), nil
	})
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("the pod never moved to %s: %v\nstderr:\n%s", badTag, err, errOut.String())
	}
	return cmd, out, errOut, done
}
