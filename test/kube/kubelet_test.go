package kube

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/util/exec"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// The optional tier (testenv.WithKubelet): a real kubelet on a private
// containerd pulls the stand-in images from the test's registry and runs
// them; the chart's probes are the kubelet's, the pod's exec and
// port-forward go through it to the container, and the data claim is a
// real hostPath volume. The release runs on the image's embedded
// PostgreSQL (a localhost URL: its data live on the claim), so the
// upgrade's snapshot is a real pg_dump streamed out of the pod, and a bad
// hop's restore a real pg_restore into it.
func TestRealKubeletUpgradeKeepsData(t *testing.T) {
	t.Parallel()
	k := testenv.StartKube(t, testenv.WithKubelet())
	e := newEnvOn(t, k)
	const (
		good, next, bad = "v2.0.1", "v2.2.0", "v2.2.1"
		table           = "appsmith.kubelet_seed"
		rows            = 250
		marker          = "/appsmith-stacks/git-storage/kubelet-tier/kept.txt"
	)
	for _, img := range []testenv.Image{
		{Repo: "appsmith/appsmith-ce", Tag: good, RealPostgres: true},
		{Repo: "appsmith/appsmith-ce", Tag: next, RealPostgres: true},
		// Its backend never answers health: the readiness probe never
		// passes, for real.
		{Repo: "appsmith/appsmith-ce", Tag: bad, RealPostgres: true, Fault: spec.FaultNeverHealthy},
	} {
		e.reg.Push(t, img)
	}
	// The official chart's probes run once a minute; a user's values may
	// make them faster, as these do. The chart's Redis subchart runs too:
	// a workload and a pod of the release that are not Appsmith's.
	values := kubeletValues(t)
	e.must(e.run(e.installArgs(good, "--yes", "--progress", "plain", "--timeout", "4m", "--values", values,
		"--db-url", "postgresql://appsmith:kubelet-tier-pw@localhost:5432/appsmith")...), "install "+good)

	pod := e.podReadyOn(good)
	e.runningFor(pod, good)
	claim := e.claim()
	e.podMust("sh", "-c", `mkdir -p "$(dirname `+marker+`)" && printf kept > `+marker)
	e.podPSQL(fmt.Sprintf(`CREATE TABLE %s (id bigserial PRIMARY KEY, body text NOT NULL);
INSERT INTO %s (body) SELECT repeat('x', 96) FROM generate_series(1, %d);
ALTER TABLE %s OWNER TO appsmith;`, table, table, rows, table))
	e.podHasData(table, rows, marker)
	st, r := e.status()
	if !st.Healthy || st.Version != good || st.PodsReady != 1 {
		t.Fatalf("status on the real node: %s", r)
	}

	// A hop: the kubelet replaces the pod (a new container on the new
	// image), its probes decide Ready, /info is read through the
	// kubelet's port-forward; the rows and files are the claim's.
	r = e.must(e.run("upgrade", next, "--yes", "--progress", "plain", "--timeout", "4m"), "upgrade to "+next)
	contains(t, "upgrade's stderr", r.errOut, next)
	after := e.podReadyOn(next)
	if after.UID == pod.UID {
		t.Errorf("the hop to %s did not replace the pod", next)
	}
	e.runningFor(after, next)
	e.sameClaim(claim, "after the hop to "+next)
	e.podHasData(table, rows, marker)

	// A bad hop: the new pod runs, and its "migration" deletes rows,
	// but it never becomes Ready. The tool takes the release back to
	// next and restores the snapshot it took through the pod's exec.
	done := make(chan result, 1)
	go func() { done <- e.run("upgrade", bad, "--yes", "--progress", "plain", "--timeout", "45s") }()
	var last string
	err := wait.PollUntilContextTimeout(t.Context(), time.Second, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := e.cs.CoreV1().Pods(e.ns).Get(ctx, podName, metav1.GetOptions{})
		if err != nil || !strings.HasSuffix(p.Spec.Containers[0].Image, ":"+bad) || p.Status.Phase != corev1.PodRunning {
			return false, nil
		}
		out, errs, err := e.podExec(strings.NewReader("DELETE FROM "+table+" WHERE id > 10; SELECT count(*) FROM "+table), testenv.PSQL()...)
		last = fmt.Sprintf("%v %s %s", err, out, errs)
		return err == nil && strings.TrimSpace(out) == "10", nil
	})
	if err != nil {
		t.Fatalf("the bad pod on %s never ran (last: %s)", bad, last)
	}
	r = <-done
	if r.code != 4 || !strings.Contains(r.errOut, "restored from the snapshot") {
		t.Fatalf("upgrade to the never-healthy %s: want exit 4 with the snapshot restored:\n%s", bad, r)
	}
	back := e.podReadyOn(next)
	e.runningFor(back, next)
	e.sameClaim(claim, "after the failed hop")
	e.podHasData(table, rows, marker)
	if st, r := e.status(); !st.Healthy || st.Version != next || st.ImageTag != next {
		t.Errorf("status after the failed hop: %s", r)
	}
}

// runningFor checks what the kubelet reports of the pod's one container:
// started, ready, on the tag's image as containerd pulled it (a digest
// from the test's registry).
func (e *env) runningFor(p *corev1.Pod, tag string) {
	e.t.Helper()
	if len(p.Status.ContainerStatuses) != 1 {
		e.t.Fatalf("pod %s: container statuses %+v", p.Name, p.Status.ContainerStatuses)
	}
	c := p.Status.ContainerStatuses[0]
	if !c.Ready || c.State.Running == nil || c.Started == nil || !*c.Started {
		e.t.Errorf("container %s on %s: ready %v, state %+v", c.Name, tag, c.Ready, c.State)
	}
	if !strings.HasPrefix(c.ImageID, e.reg.Host()+"/appsmith/appsmith-ce@sha256:") || !strings.HasSuffix(c.Image, ":"+tag) {
		e.t.Errorf("container %s: image %s (%s), want %s's from %s", c.Name, c.Image, c.ImageID, tag, e.reg.Host())
	}
}

// podHasData checks the rows and the file the test wrote are in the pod.
func (e *env) podHasData(table string, rows int, marker string) {
	e.t.Helper()
	if got := e.podPSQL("SELECT count(*) FROM " + table); got != strconv.Itoa(rows) {
		e.t.Errorf("%s has %s rows, want %d", table, got, rows)
	}
	if got := e.podMust("cat", marker); got != "kept" {
		e.t.Errorf("%s holds %q, want kept", marker, got)
	}
}

// podPSQL runs sql with psql in the release's pod.
func (e *env) podPSQL(sql string) string {
	e.t.Helper()
	out, errs, err := e.podExec(strings.NewReader(sql), testenv.PSQL()...)
	if err != nil {
		e.t.Fatalf("psql %.60q in %s: %v %s", sql, podName, err, errs)
	}
	return strings.TrimSpace(out)
}

// podMust runs cmd in the release's pod.
func (e *env) podMust(cmd ...string) string {
	e.t.Helper()
	out, errs, err := e.podExec(nil, cmd...)
	if err != nil {
		e.t.Fatalf("%v in %s: %v %s", cmd, podName, err, errs)
	}
	return strings.TrimSpace(out)
}

// podExec runs cmd in appsmith-0 through the API server and the kubelet,
// as kubectl exec does; a non-zero exit is an error naming the code.
func (e *env) podExec(stdin io.Reader, cmd ...string) (stdout, stderr string, err error) {
	req := e.cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(e.ns).Name(podName).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: "appsmith", Command: cmd, Stdin: stdin != nil, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	ex, err := remotecommand.NewSPDYExecutor(e.rest, http.MethodPost, req.URL())
	if err != nil {
		return "", "", err
	}
	ctx, cancel := context.WithTimeout(e.t.Context(), 2*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: &out, Stderr: &errOut})
	if ce, ok := err.(exec.CodeExitError); ok {
		err = fmt.Errorf("exit %d", ce.Code)
	}
	return out.String(), errOut.String(), err
}
