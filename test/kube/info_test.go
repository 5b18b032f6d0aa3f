package kube

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
)

// lyingTag is a release whose pod becomes Ready but whose /info reports
// lyingVersion: an image that is not what its tag says (a broken build, a
// tag moved). The tool must not take Ready for "runs the hop's version".
const (
	lyingTag     = "v2.1.0"
	lyingVersion = "v2.0.9"
)

// infoServer stands in for what runs inside the pods kwok does not run:
// port-forwards to appsmith-0's HTTP port reach it (testenv ForwardPort),
// and it answers /api/v1/health and /info with the version of the tag the
// pod runs at the time of the request, looked up through the API server.
type infoServer struct {
	addr string
	mu   sync.Mutex
	ns   string
}

func (e *env) startInfoServer() {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	s := &infoServer{addr: ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/health", func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.version(r.Context(), e); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"responseMeta":{"status":200,"success":true},"data":"Appsmith is healthy"}`))
	})
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, r *http.Request) {
		v, err := s.version(r.Context(), e)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"version": v, "commitSha": "0000000", "imageBuiltAt": "2026-01-01T00:00:00Z"})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	e.t.Cleanup(func() { _ = srv.Close() })
	e.info = s
	e.forwardInfo()
}

// version is what the pod's image says it is: its tag, but lyingVersion
// on lyingTag.
func (s *infoServer) version(ctx context.Context, e *env) (string, error) {
	s.mu.Lock()
	ns := s.ns
	s.mu.Unlock()
	p, err := e.cs.CoreV1().Pods(ns).Get(ctx, podName, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	img := p.Spec.Containers[0].Image
	tag := img[strings.LastIndex(img, ":")+1:]
	if tag == lyingTag {
		return lyingVersion, nil
	}
	return tag, nil
}

// forwardInfo points appsmith-0's port 80 (the chart's http container
// port) in e.ns at the info server. A namespace the install is to create
// is waited for in the background: kwok's PortForward lives in it.
func (e *env) forwardInfo() {
	e.t.Helper()
	e.info.mu.Lock()
	e.info.ns = e.ns
	e.info.mu.Unlock()
	ns := e.ns
	ctx := e.t.Context()
	if _, err := e.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); err == nil {
		e.k.ForwardPort(e.t, ns, podName, 80, e.info.addr)
		return
	}
	go func() {
		err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			_, err := e.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			return err == nil, nil
		})
		if err == nil {
			e.k.ForwardPort(goTB{e.t}, ns, podName, 80, e.info.addr)
		}
	}()
}

// goTB is a testing.TB for a goroutine other than the test's: Fatalf
// reports and ends that goroutine only.
type goTB struct{ testing.TB }

func (g goTB) Fatalf(format string, args ...any) {
	g.TB.Errorf(format, args...)
	runtime.Goexit()
}
