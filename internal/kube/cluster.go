package kube

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr"
	"helm.sh/helm/v3/pkg/action"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

// NewConfig connects Helm and the tool to the cluster o names (kubeconfig,
// context), for the release's namespace. Helm keeps its release records in
// Secrets, as the helm command does by default.
func NewConfig(o Options, log func(string, ...any)) (*action.Configuration, Cluster, error) {
	flags := genericclioptions.NewConfigFlags(true)
	if o.Kubeconfig != "" {
		flags.KubeConfig = &o.Kubeconfig
	}
	if o.Context != "" {
		flags.Context = &o.Context
	}
	ns := o.Namespace
	flags.Namespace = &ns
	if log == nil {
		log = func(string, ...any) {}
	}
	if err := kubeconfigExists(o.Kubeconfig); err != nil {
		return nil, nil, err
	}
	cfg := new(action.Configuration)
	if err := cfg.Init(flags, o.Namespace, "secret", log); err != nil {
		return nil, nil, fmt.Errorf("kubeconfig: %w", err)
	}
	rc, err := flags.ToRESTConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return nil, nil, err
	}
	return cfg, &API{Client: cs, Config: rc}, nil
}

// kubeconfigExists refuses a kubeconfig that names no file: client-go
// then quietly asks http://localhost:8080, and the user reads "connection
// refused" from a server they never named. Inside a pod (no file is
// needed there: the service account's) it says nothing.
func kubeconfigExists(explicit string) error {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return fmt.Errorf("kubeconfig: %w", err)
		}
		return nil
	}
	if os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return nil
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	for _, f := range rules.GetLoadingPrecedence() {
		if _, err := os.Stat(f); err == nil {
			return nil
		}
	}
	if env := os.Getenv("KUBECONFIG"); env != "" {
		return fmt.Errorf("kubeconfig: $KUBECONFIG (%s) names no file that exists", env)
	}
	return fmt.Errorf("kubeconfig: none found: give --kubeconfig, set $KUBECONFIG, or create %s", clientcmd.RecommendedHomeFile)
}

// API is Cluster over client-go.
type API struct {
	Client kubernetes.Interface
	// Config is what the port-forwards to a pod dial with (PodInfo).
	Config *rest.Config
	// Poll is how often WaitReady looks (default 2s).
	Poll time.Duration
}

var _ Cluster = (*API)(nil)

// EnsureNamespace creates ns when it is missing.
func (a *API) EnsureNamespace(ctx context.Context, ns string) error {
	_, err := a.Client.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
	if err == nil {
		return nil
	}
	if !apierrors.IsNotFound(err) {
		return err
	}
	_, err = a.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// Secret reads a Secret's data.
func (a *API) Secret(ctx context.Context, ns, name string) (map[string][]byte, bool, error) {
	s, err := a.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return s.Data, true, nil
}

// CreateSecret creates a Secret, annotated to say who made it and that
// Helm does not own it (an uninstall leaves it).
func (a *API) CreateSecret(ctx context.Context, ns, name, typ string, data map[string][]byte) error {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns,
			Labels:      map[string]string{"app.kubernetes.io/managed-by": "appsmith-install"},
			Annotations: map[string]string{"appsmith-install/note": "created once by appsmith-install; never regenerated: the encryption keys in it unlock the stored credentials"}},
		Type: corev1.SecretType(typ),
		Data: data,
	}
	_, err := a.Client.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{})
	return err
}

// AddSecretKeys adds keys to a Secret, leaving every key it has alone.
func (a *API) AddSecretKeys(ctx context.Context, ns, name string, data map[string][]byte) error {
	s, err := a.Client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range data {
		if _, ok := s.Data[k]; !ok {
			s.Data[k] = v
		}
	}
	_, err = a.Client.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{})
	return err
}

// KeepPVC annotates the claim helm.sh/resource-policy: keep when it lacks it.
func (a *API) KeepPVC(ctx context.Context, ns, name string) (bool, bool, error) {
	pvc, err := a.Client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false, false, nil
	}
	if err != nil {
		return false, false, err
	}
	if pvc.Annotations[ResourcePolicyKeep] == "keep" {
		return true, false, nil
	}
	if pvc.Annotations == nil {
		pvc.Annotations = map[string]string{}
	}
	pvc.Annotations[ResourcePolicyKeep] = "keep"
	_, err = a.Client.CoreV1().PersistentVolumeClaims(ns).Update(ctx, pvc, metav1.UpdateOptions{})
	return true, err == nil, err
}

// Pods lists the pods matching selector with their appsmith container's image.
func (a *API) Pods(ctx context.Context, ns, selector string) ([]Pod, error) {
	list, err := a.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	var out []Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp != nil {
			continue // going away: neither good nor bad any more
		}
		pod := Pod{Name: p.Name}
		if len(p.Spec.Containers) > 0 {
			pod.Image = p.Spec.Containers[0].Image
			pod.Container = p.Spec.Containers[0].Name
			pod.Port = HTTPPort(p.Spec.Containers[0])
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				pod.Ready = true
			}
		}
		out = append(out, pod)
	}
	return out, nil
}

// DeletePod deletes a pod; its controller makes a new one from the
// (rolled back) template.
func (a *API) DeletePod(ctx context.Context, ns, name string) error {
	err := a.Client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// WaitTemplate polls until every StatefulSet and Deployment whose pods
// match selector runs tag in its template and its controller has observed
// that generation.
func (a *API) WaitTemplate(ctx context.Context, ns, selector, tag string, timeout time.Duration) error {
	last, ok := a.until(ctx, timeout, func(ctx context.Context) (bool, error) { return a.templateSeen(ctx, ns, selector, tag) })
	switch {
	case ok:
		return nil
	case last != nil:
		return fmt.Errorf("the workload's controller did not take up %s within %s: %w", tag, timeout, last)
	}
	return fmt.Errorf("the workload's controller did not take up %s within %s", tag, timeout)
}

// until calls done every a.Poll (default 2s) until it says so (ok) or
// timeout passes; last is done's last error, if any.
func (a *API) until(ctx context.Context, timeout time.Duration, done func(context.Context) (bool, error)) (last error, ok bool) {
	poll := a.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		finished, err := done(ctx)
		if finished {
			return nil, true
		}
		select {
		case <-ctx.Done():
			return err, false
		case <-time.After(poll):
		}
	}
}

func (a *API) templateSeen(ctx context.Context, ns, selector, tag string) (bool, error) {
	opts := metav1.ListOptions{LabelSelector: selector}
	sets, err := a.Client.AppsV1().StatefulSets(ns).List(ctx, opts)
	if err != nil {
		return false, err
	}
	for _, s := range sets.Items {
		if s.Status.ObservedGeneration < s.Generation || !templateRuns(s.Spec.Template.Spec.Containers, tag) {
			return false, nil
		}
	}
	deps, err := a.Client.AppsV1().Deployments(ns).List(ctx, opts)
	if err != nil {
		return false, err
	}
	for _, d := range deps.Items {
		if d.Status.ObservedGeneration < d.Generation || !templateRuns(d.Spec.Template.Spec.Containers, tag) {
			return false, nil
		}
	}
	return true, nil
}

func templateRuns(cs []corev1.Container, tag string) bool {
	return len(cs) > 0 && TagOf(cs[0].Image) == tag
}

// WaitReady polls until a pod matching selector runs tag and is Ready.
func (a *API) WaitReady(ctx context.Context, ns, selector, tag string, timeout time.Duration) error {
	_, ok := a.until(ctx, timeout, func(ctx context.Context) (bool, error) {
		pods, err := a.Pods(ctx, ns, selector)
		for _, p := range pods {
			if p.Ready && TagOf(p.Image) == tag {
				return true, nil
			}
		}
		return false, err
	})
	if !ok {
		return fmt.Errorf("no Ready pod on %s after %s", tag, timeout)
	}
	return nil
}

// Connect is a Helm for the release o names, on the cluster o names.
func Connect(o Options, timeout time.Duration) (*Helm, error) {
	// client-go reports failed streams (exec, port-forward) through klog
	// as well as to the caller: the tool's stderr is its own (progress,
	// --progress json's NDJSON), and the caller says what failed.
	klog.SetLogger(logr.Discard())
	cfg, c, err := NewConfig(o, nil)
	if err != nil {
		return nil, err
	}
	api, _ := c.(*API)
	return &Helm{Cfg: cfg, Cluster: c, Opts: o, Timeout: timeout, Info: api, Data: api}, nil
}
