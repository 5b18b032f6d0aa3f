package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/klog/v2"

	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// InfoReader asks a pod what it runs: /api/v1/health and /info, through
// the API server (no Service, ingress or node address needs to be
// reachable from where the tool runs).
type InfoReader interface {
	// PodInfo is the version pod's /info reports; want ("" = any) is
	// checked with the same parsing a host's readiness uses
	// (instance.Probe), so a wrong version is an error that still
	// carries what /info said.
	PodInfo(ctx context.Context, ns string, pod Pod, want string) (instance.ReadyInfo, error)
}

var _ InfoReader = (*API)(nil)

// PodInfo port-forwards to the pod's HTTP port on 127.0.0.1:0 for the
// two requests, then closes the forward.
func (a *API) PodInfo(ctx context.Context, ns string, pod Pod, want string) (instance.ReadyInfo, error) {
	if a.Config == nil {
		return instance.ReadyInfo{}, errors.New("no REST config to port-forward with")
	}
	base, stop, err := a.forward(ctx, ns, pod.Name, pod.Port)
	if err != nil {
		return instance.ReadyInfo{}, err
	}
	defer stop()
	// One connection per request: a forwarded stream is not reused well.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return instance.Probe(ctx, hc, base, want)
}

// forward opens a port-forward to port of pod through the API server and
// returns the local base URL and the function that closes it.
func (a *API) forward(ctx context.Context, ns, pod string, port int) (string, func(), error) {
	rt, upgrader, err := spdy.RoundTripperFor(a.Config)
	if err != nil {
		return "", nil, err
	}
	u, err := portForwardURL(a.Config, ns, pod)
	if err != nil {
		return "", nil, err
	}
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: rt}, http.MethodPost, u)
	// The forwarder reports a failed stream through klog, which writes to
	// stderr: the tool's stderr is its own (progress, --progress json's
	// NDJSON), and the failure reaches the caller as the request's error.
	fctx, cancel := context.WithCancel(klog.NewContext(ctx, logr.Discard()))
	readyc := make(chan struct{})
	fw, err := portforward.NewOnAddressesWithContext(fctx, dialer, []string{"127.0.0.1"}, []string{"0:" + strconv.Itoa(port)}, readyc, io.Discard, io.Discard)
	if err != nil {
		cancel()
		return "", nil, err
	}
	errc := make(chan error, 1)
	go func() { errc <- fw.ForwardPorts() }()
	select {
	case <-readyc:
	case err := <-errc:
		cancel()
		return "", nil, fmt.Errorf("port-forward to pod %s port %d: %w", pod, port, err)
	case <-ctx.Done():
		cancel()
		<-errc
		return "", nil, fmt.Errorf("port-forward to pod %s port %d: %w", pod, port, ctx.Err())
	}
	stop := func() { cancel(); <-errc }
	ports, err := fw.GetPorts()
	if err != nil || len(ports) == 0 {
		stop()
		return "", nil, fmt.Errorf("port-forward to pod %s port %d: no local port (%v)", pod, port, err)
	}
	return fmt.Sprintf("http://127.0.0.1:%d", ports[0].Local), stop, nil
}

func portForwardURL(cfg *rest.Config, ns, pod string) (*url.URL, error) {
	return podURL(cfg, ns, pod, "portforward", nil)
}

// HTTPPort is the port the appsmith container serves HTTP on: its port
// named http (the official chart and the stand-in both name it so), else
// its first container port, else 80.
func HTTPPort(c corev1.Container) int {
	for _, p := range c.Ports {
		if p.Name == "http" {
			return int(p.ContainerPort)
		}
	}
	if len(c.Ports) > 0 {
		return int(c.Ports[0].ContainerPort)
	}
	return 80
}

// Desired is how many pods the release's workloads want: the
// StatefulSets' and Deployments' spec.replicas, or, for one an HPA
// scales, the HPA's desired count (its minimum before it has decided).
func (a *API) Desired(ctx context.Context, ns, selector string) (int, error) {
	opts := metav1.ListOptions{LabelSelector: selector}
	hpas, err := a.Client.AutoscalingV2().HorizontalPodAutoscalers(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	scaled := map[string]int{}
	for _, h := range hpas.Items {
		n := int(h.Status.DesiredReplicas)
		if n == 0 && h.Spec.MinReplicas != nil {
			n = int(*h.Spec.MinReplicas)
		}
		scaled[h.Spec.ScaleTargetRef.Kind+"/"+h.Spec.ScaleTargetRef.Name] = n
	}
	replicas := func(kind, name string, r *int32) int {
		if n, ok := scaled[kind+"/"+name]; ok {
			return n
		}
		if r == nil {
			return 1
		}
		return int(*r)
	}
	total := 0
	sets, err := a.Client.AppsV1().StatefulSets(ns).List(ctx, opts)
	if err != nil {
		return 0, err
	}
	for _, s := range sets.Items {
		total += replicas("StatefulSet", s.Name, s.Spec.Replicas)
	}
	deps, err := a.Client.AppsV1().Deployments(ns).List(ctx, opts)
	if err != nil {
		return 0, err
	}
	for _, d := range deps.Items {
		total += replicas("Deployment", d.Name, d.Spec.Replicas)
	}
	return total, nil
}

// VerifyInfo checks every Ready pod of the release on tag: health answers
// and /info reports tag. No answer is retried until timeout; a wrong
// version is final at once (the image says it is something else).
func VerifyInfo(ctx context.Context, pods PodOps, info InfoReader, o Options, tag string, timeout time.Duration) (instance.ReadyInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		list, err := pods.Pods(ctx, o.Namespace, o.PodSelector())
		if err != nil {
			last = err
		}
		checked := 0
		var got instance.ReadyInfo
		for _, p := range list {
			if !p.Ready || TagOf(p.Image) != tag {
				continue
			}
			got, err = info.PodInfo(ctx, o.Namespace, p, tag)
			if err != nil && got.Version != "" && got.Version != tag {
				return got, &WrongVersion{Pod: p.Name, Got: got.Version, Want: tag}
			}
			if err != nil {
				last, checked = fmt.Errorf("pod %s: %w", p.Name, err), 0
				break
			}
			checked++
		}
		if checked > 0 {
			return got, nil
		}
		if last == nil {
			last = fmt.Errorf("no Ready pod on %s", tag)
		}
		select {
		case <-ctx.Done():
			return instance.ReadyInfo{}, fmt.Errorf("%w: /api/v1/health and /info of the pods on %s did not answer within %s: %v", ErrInfoCheck, tag, timeout, last)
		case <-time.After(time.Second):
		}
	}
}

// ErrInfoCheck is in the error of a pod that did not pass the health and
// /info check: a wrong version, or no answer in time.
var ErrInfoCheck = errors.New("the health and /info check failed")

// WrongVersion is a pod whose /info reports another version than its tag.
type WrongVersion struct {
	Pod, Got, Want string
}

func (e *WrongVersion) Error() string {
	return fmt.Sprintf("pod %s runs the image tag %s, but its /info says version %s", e.Pod, e.Want, e.Got)
}

func (e *WrongVersion) Unwrap() error { return ErrInfoCheck }
