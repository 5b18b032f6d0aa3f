package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
)

// A fake pod's port-forward, exec and logs go, through the real apiserver
// and kwok's kubelet-like server, where the test routed them.
func TestKubePortForwardExecLogs(t *testing.T) {
	k := StartKube(t)
	ns := k.Namespace(t)
	cfg, err := clientcmd.BuildConfigFromFlags("", k.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx := t.Context()

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "example/web:v1"}}},
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	until(t, "pod web Ready", func(ctx context.Context) (bool, string, error) {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		return podReady(p), describePod(p), nil
	})

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "info from %s", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	k.ForwardPort(t, ns, "web", 80, strings.TrimPrefix(srv.URL, "http://"))
	k.ExecLocally(t, ns, "web", t.TempDir(), "TESTENV_GREETING=hello")
	logFile := filepath.Join(t.TempDir(), "web.log")
	if err := os.WriteFile(logFile, []byte("2026-01-02T03:04:05.000000001Z stdout F line one\n2026-01-02T03:04:06.000000001Z stderr F line two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k.LogsFrom(t, ns, "web", logFile)

	// kwok picks the objects up through a watch: retry until it has.
	until(t, "a port-forward to web:80 to reach the test's server", func(ctx context.Context) (bool, string, error) {
		got, err := forwardGet(ctx, cfg, cs, ns, "web", 80, "/api/v1/info")
		return err == nil && got == "info from /api/v1/info", fmt.Sprintf("%q %v", got, err), nil
	})
	until(t, "an exec into web to run here", func(ctx context.Context) (bool, string, error) {
		req := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name("web").SubResource("exec").
			VersionedParams(&corev1.PodExecOptions{
				Container: "web", Command: []string{"sh", "-c", `echo "$TESTENV_GREETING from $(basename "$PWD")"`},
				Stdout: true, Stderr: true,
			}, scheme.ParameterCodec)
		exec, err := remotecommand.NewSPDYExecutor(cfg, "POST", req.URL())
		if err != nil {
			return false, "", err
		}
		var out, errb bytes.Buffer
		err = exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &out, Stderr: &errb})
		got := strings.TrimSpace(out.String())
		return err == nil && strings.HasPrefix(got, "hello from "), fmt.Sprintf("%q %q %v", got, errb.String(), err), nil
	})
	until(t, "web's logs to come from the file", func(ctx context.Context) (bool, string, error) {
		data, err := cs.CoreV1().Pods(ns).GetLogs("web", &corev1.PodLogOptions{Container: "web"}).DoRaw(ctx)
		return err == nil && string(data) == "line one\nline two\n", fmt.Sprintf("%q %v", data, err), nil
	})
}

// forwardGet port-forwards the pod's port to a local one for one GET.
func forwardGet(ctx context.Context, cfg *rest.Config, cs kubernetes.Interface, ns, pod string, port int, path string) (string, error) {
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return "", err
	}
	url := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, "POST", url)
	stop, ready := make(chan struct{}), make(chan struct{})
	defer close(stop)
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", port)}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		return "", err
	}
	errc := make(chan error, 1)
	go func() { errc <- fw.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-errc:
		return "", err
	case <-ctx.Done():
		return "", ctx.Err()
	}
	ports, err := fw.GetPorts()
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d%s", ports[0].Local, path), nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}
