package testenv

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

//go:embed kubedata/kwok-stages.yaml
var kwokStages string

// kubeStartTimeout bounds bringing a plane up: the apiserver alone takes
// tens of seconds on two busy cores.
const kubeStartTimeout = 5 * time.Minute

// startKube brings a plane up in dir from the binaries in bins: etcd, the
// apiserver, the bootstrap objects, then the controllers and kwok, and
// waits until the node is schedulable and the controller-manager serves.
// On an error whatever started is stopped; dir is left to the caller.
func startKube(dir, bins string, cfg kubeConfig) (k *Kube, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), kubeStartTimeout)
	defer cancel()
	k = &Kube{Dir: dir, NeverReady: cfg.neverReady, Node: KubeNodeName}
	var bridge string
	var subnet int
	var nodeIPs []net.IP
	if cfg.kubelet {
		k.Node = KubeletNodeName
		if bridge, subnet, err = newKubeletNet(); err != nil {
			return k, err
		}
		nodeIPs = append(nodeIPs, net.ParseIP(fmt.Sprintf("10.89.%d.1", subnet)))
	}
	began := time.Now()
	defer func() {
		if err != nil {
			logs := k.Logs()
			k.stop()
			err = fmt.Errorf("%w\n%s", err, logs)
		}
	}()
	pki, err := newKubePKI(dir, nodeIPs...)
	if err != nil {
		return k, fmt.Errorf("certificates: %w", err)
	}
	ports, err := freePorts(4)
	if err != nil {
		return k, err
	}
	bin := func(name string) string { return filepath.Join(bins, name) }
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	k.Server = "https://127.0.0.1:" + strconv.Itoa(ports[2])

	if err := k.run(dir, "etcd", bin("etcd"), nil,
		"--name=testenv", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=testenv="+peerURL,
		// Throwaway data: durability buys nothing and costs the tests time.
		"--unsafe-no-fsync", "--log-level=warn",
	); err != nil {
		return k, err
	}
	if err := k.waitFor(ctx, "etcd to be healthy", func(ctx context.Context) error {
		return etcdHealthy(ctx, etcdURL)
	}); err != nil {
		return k, err
	}

	if err := k.run(dir, "kube-apiserver", bin("kube-apiserver"), nil,
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(ports[2]),
		"--cert-dir="+filepath.Join(dir, "apiserver-certs"),
		"--tls-cert-file="+pki.serverCert, "--tls-private-key-file="+pki.serverKey,
		"--client-ca-file="+pki.caFile, "--anonymous-auth=false",
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+pki.saKey, "--service-account-signing-key-file="+pki.saKey,
		"--service-cluster-ip-range="+kubeServiceRange,
		"--allow-privileged=true",
		// The kubernetes service's endpoints would be 127.0.0.1, which the
		// API refuses for endpoints; nothing in the plane needs them.
		"--endpoint-reconciler-type=none",
		"--enable-priority-and-fairness=false", "--profiling=false",
		// Exec, logs and port-forward go to the node's kubelet: kwok, on
		// the node's InternalIP (127.0.0.1), never a name to resolve.
		"--kubelet-preferred-address-types=InternalIP", "--kubelet-certificate-authority="+pki.caFile,
	); err != nil {
		return k, err
	}
	if k.api, err = newKubeAPI(k.Server, pki); err != nil {
		return k, err
	}
	if err := k.waitFor(ctx, "kube-apiserver to be ready", k.api.readyz); err != nil {
		return k, err
	}
	k.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(k.Kubeconfig, pki.kubeconfig(k.Server), 0o600); err != nil {
		return k, err
	}
	if err := k.bootstrap(ctx, !cfg.kubelet); err != nil {
		return k, err
	}

	if err := k.run(dir, "kube-controller-manager", bin("kube-controller-manager"), nil,
		"--kubeconfig="+k.Kubeconfig, "--leader-elect=false", "--secure-port=0",
		"--cluster-name=testenv", "--use-service-account-credentials=false",
		"--root-ca-file="+pki.caFile, "--service-account-private-key-file="+pki.saKey,
		"--enable-hostpath-provisioner=true",
	); err != nil {
		return k, err
	}
	if err := k.run(dir, "kube-scheduler", bin("kube-scheduler"), nil,
		"--kubeconfig="+k.Kubeconfig, "--leader-elect=false", "--secure-port=0",
		// A pod whose claim the controller-manager binds while the pod is
		// being retried can be judged on the scheduler's stale copy of the
		// claim and parked as unschedulable with no event left to wake it
		// (kubernetes#73305's race; a CI run under load hit it): the
		// scheduler then retries it only after this long (5 minutes by
		// default), far past any test's wait. Real clusters live with that
		// rare 5-minute stall; a test plane retries within ~40 s instead.
		"--pod-max-in-unschedulable-pods-duration=10s",
	); err != nil {
		return k, err
	}
	if cfg.kubelet {
		if err := k.startKubelet(dir, bins, pki, bridge, subnet, ports[3]); err != nil {
			return k, err
		}
	} else if err := k.startKwok(dir, bins, pki, cfg, ports[3]); err != nil {
		return k, err
	}
	if err := k.waitFor(ctx, "node "+k.Node+" to be Ready and untainted", k.nodeSchedulable); err != nil {
		return k, err
	}
	// The service-account controller runs in the controller-manager: pods
	// are refused until their namespace's default account exists.
	if err := k.waitFor(ctx, "the default service account (kube-controller-manager)", func(ctx context.Context) error {
		found, err := k.api.get(ctx, "/api/v1/namespaces/default/serviceaccounts/default", nil)
		if err == nil && !found {
			err = errors.New("not created yet")
		}
		return err
	}); err != nil {
		return k, err
	}
	k.StartedIn = time.Since(began).Round(time.Millisecond)
	return k, nil
}

// startKwok starts kwok, the fake kubelet of KubeNodeName.
func (k *Kube) startKwok(dir, bins string, pki *kubePKI, cfg kubeConfig, port int) error {
	bin := func(name string) string { return filepath.Join(bins, name) }
	kwokConfig := filepath.Join(dir, "kwok.yaml")
	if err := os.WriteFile(kwokConfig, []byte(strings.ReplaceAll(kwokStages, "NEVER_READY_MARKER", cfg.neverReady)), 0o600); err != nil {
		return err
	}
	kwokHome := filepath.Join(dir, "kwok-home")
	if err := os.MkdirAll(kwokHome, 0o700); err != nil {
		return err
	}
	kwokAddr := "127.0.0.1:" + strconv.Itoa(port)
	podBin, err := podBinDir(dir)
	if err != nil {
		return err
	}
	// HOME: kwok also loads ~/.kwok/kwok.yaml when there is one. PATH:
	// exec commands are looked up there first (kube_podexec.go).
	if err := k.run(dir, "kwok", bin("kwok"), []string{"HOME=" + kwokHome, "PATH=" + podBin + string(os.PathListSeparator) + os.Getenv("PATH")},
		"--kubeconfig="+k.Kubeconfig, "--config="+kwokConfig,
		"--manage-all-nodes=true", "--node-ip=127.0.0.1", "--cidr="+kubePodRange,
		"--server-address="+kwokAddr, "--node-port="+strconv.Itoa(port),
		"--tls-cert-file="+pki.kwokCert, "--tls-private-key-file="+pki.kwokKey,
		"--enable-crds="+strings.Join(kwokCRDKinds, ","),
		// kwok renews the node's Lease only when told to: without one the
		// node lifecycle controller marks the node not Ready after its
		// 50s grace period, and kwok's node-initialize stage then drops
		// the node's addresses, so the API server can no longer reach
		// kwok for a pod's port-forward, exec or logs.
		"--node-lease-duration-seconds=40",
	); err != nil {
		return err
	}
	return nil
}

func (k *Kube) run(dir, name, bin string, env []string, args ...string) error {
	p, err := startKubeProc(dir, name, bin, env, args...)
	if err != nil {
		return err
	}
	k.procs = append(k.procs, p)
	return nil
}

// waitFor polls check until it passes, a component exits or ctx ends.
func (k *Kube) waitFor(ctx context.Context, what string, check func(context.Context) error) error {
	for {
		for _, p := range k.procs {
			if err := p.exited(); err != nil {
				return fmt.Errorf("waiting for %s: %w", what, err)
			}
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := check(cctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last: %v)", what, ctx.Err(), err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// bootstrap creates what a cluster installer would: the default
// StorageClass and the fake node kwok manages.
func (k *Kube) bootstrap(ctx context.Context, kwok bool) error {
	sc := map[string]any{
		"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
		"metadata": map[string]any{
			"name":        KubeStorageClass,
			"annotations": map[string]string{"storageclass.kubernetes.io/is-default-class": "true"},
		},
		"provisioner": "kubernetes.io/host-path", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
	}
	if err := k.api.create(ctx, "/apis/storage.k8s.io/v1/storageclasses", sc); err != nil {
		return err
	}
	if !kwok {
		return nil // a kubelet registers its node itself
	}
	if err := k.installKwokCRDs(ctx); err != nil {
		return err
	}
	resources := map[string]string{"cpu": "32", "memory": "256Gi", "pods": "110"}
	node := map[string]any{
		"apiVersion": "v1", "kind": "Node",
		"metadata": map[string]any{
			"name": KubeNodeName,
			"labels": map[string]string{
				"kubernetes.io/hostname": KubeNodeName, "kubernetes.io/os": "linux",
				"kubernetes.io/arch": runtime.GOARCH, "type": "kwok",
			},
			"annotations": map[string]string{"node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake"},
		},
		"status": map[string]any{"allocatable": resources, "capacity": resources},
	}
	return k.api.create(ctx, "/api/v1/nodes", node)
}

func (k *Kube) nodeSchedulable(ctx context.Context) error {
	var node struct {
		Spec struct {
			Taints []struct{ Key, Effect string }
		}
		Status struct {
			Conditions []struct{ Type, Status string }
		}
	}
	if _, err := k.api.get(ctx, "/api/v1/nodes/"+k.Node, &node); err != nil {
		return err
	}
	ready := false
	for _, c := range node.Status.Conditions {
		ready = ready || c.Type == "Ready" && c.Status == "True"
	}
	switch {
	case !ready:
		return errors.New("not Ready")
	case len(node.Spec.Taints) > 0:
		return fmt.Errorf("tainted %v", node.Spec.Taints)
	}
	return nil
}

// stop removes the hostPath volumes' directories the plane made, then
// stops the components, last started first.
func (k *Kube) stop() {
	if k.node != nil {
		k.node.teardown(k)
	}
	if k.api != nil {
		k.removeHostPathVolumes()
	}
	for i := len(k.procs) - 1; i >= 0; i-- {
		k.procs[i].stop()
	}
}

// hostPathPVDir is where the controller-manager's hostPath provisioner puts
// volumes (fixed in Kubernetes). Claims deleted while the plane runs take
// theirs along; this removes the rest when the plane stops.
const hostPathPVDir = "/tmp/hostpath_pv/"

func (k *Kube) removeHostPathVolumes() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	paths, err := k.hostPathVolumes(ctx)
	if err != nil {
		return
	}
	for _, p := range paths {
		_ = os.RemoveAll(p)
	}
	_ = os.Remove(hostPathPVDir) // only if no other plane's volume is there
}

// hostPathVolumes are the directories of the plane's volumes the hostPath
// provisioner made.
func (k *Kube) hostPathVolumes(ctx context.Context) ([]string, error) {
	var list struct {
		Items []struct {
			Spec struct {
				HostPath *struct{ Path string } `json:"hostPath"`
			}
		}
	}
	if _, err := k.api.get(ctx, "/api/v1/persistentvolumes", &list); err != nil {
		return nil, err
	}
	var paths []string
	for _, pv := range list.Items {
		if hp := pv.Spec.HostPath; hp != nil && strings.HasPrefix(filepath.Clean(hp.Path), hostPathPVDir) {
			paths = append(paths, hp.Path)
		}
	}
	return paths, nil
}

func etcdHealthy(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/health", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/health: %s", resp.Status)
	}
	return nil
}

// freePorts returns n distinct ports free on 127.0.0.1 now (held open
// together so they differ).
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
