package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The real-kubelet tier: a plane whose one node is a real kubelet (built
// with the plane by scripts/kube-tools.sh) on a private containerd, so the
// stand-in images run as containers and the node's probes, exec,
// port-forward and volumes are Kubernetes' own, not kwok's. The pods get
// their network from the standard CNI bridge plugin on a bridge the plane
// makes; containerd pulls the images from the tests' registries on
// 127.0.0.1 (TrustRegistry). It needs root and these parts of the machine;
// a machine without them skips the tier, saying what is missing.

// KubeletNodeName is the node of a WithKubelet plane.
const KubeletNodeName = "kubelet-node-0"

// WithKubelet makes the plane's node a real kubelet instead of kwok's fake.
// The never-ready marker means nothing there: a bad release is an image
// whose health check fails for real (spec.FaultNeverHealthy, say).
func WithKubelet() KubeOption {
	return func(c *kubeConfig) { c.kubelet = true }
}

// kubeletParts are the programs a kubelet node runs besides the kubelet:
// Debian's containerd (which brings the runc shim) and runc come with
// docker.io, the CNI plugins with containernetworking-plugins, ip with
// iproute2.
var kubeletParts = []string{"containerd", "containerd-shim-runc-v2", "runc", "ctr", "ip"}

// cniBinDir holds the CNI plugins the node's network uses.
const cniBinDir = "/usr/lib/cni"

// kubeletMissing says what this machine lacks for a kubelet node, "" when
// nothing.
func kubeletMissing() string {
	if os.Geteuid() != 0 {
		return "root (a kubelet mounts volumes and makes network namespaces)"
	}
	var missing []string
	for _, p := range kubeletParts {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	for _, p := range []string{"bridge", "host-local", "loopback"} {
		if _, err := os.Stat(filepath.Join(cniBinDir, p)); err != nil {
			missing = append(missing, filepath.Join(cniBinDir, p))
		}
	}
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err != nil {
		if _, err := os.Stat("/sys/fs/cgroup/memory"); err != nil {
			missing = append(missing, "a cgroup v1 or v2 hierarchy under /sys/fs/cgroup")
		}
	}
	if len(missing) > 0 {
		return strings.Join(missing, ", ") + " (on Debian, `make engine tools` installs them)"
	}
	// Root in a container may still be refused network devices.
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	probe := "tkprobe" + hex.EncodeToString(b)
	if err := ipCmd("link", "add", probe, "type", "bridge"); err != nil {
		return "the right to make a network bridge (" + err.Error() + ")"
	}
	_ = ipCmd("link", "delete", probe)
	return ""
}

// kubeletNode is what a kubelet node adds to a plane, for its teardown.
type kubeletNode struct {
	dir      string
	ip       string // the node's InternalIP: the bridge's address
	bridge   string // the bridge pods are attached to
	socket   string // containerd's
	registry string // containerd's hosts.toml directory (TrustRegistry)
	kubelet  *kubeProc
	ctd      *kubeProc
	stopVols context.CancelFunc // openVolumes
}

// newKubeletNet picks the node's network: a bridge named after a random
// value, with 10.89.N.1/24, where N is a subnet no interface here has.
// The kubelet refuses a loopback node address, so the node's InternalIP
// (where the API server reaches its exec and port-forward) is the
// bridge's: still an address of this machine, routed nowhere else.
func newKubeletNet() (bridge string, n int, err error) {
	taken := map[int]bool{}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", 0, err
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip4 := ipn.IP.To4(); ip4 != nil && ip4[0] == 10 && ip4[1] == 89 {
				taken[int(ip4[2])] = true
			}
		}
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	for i := range 250 {
		n = 1 + (int(b[0])+i)%250
		if !taken[n] {
			return "tk" + hex.EncodeToString(b[1:]), n, nil
		}
	}
	return "", 0, errors.New("no free 10.89.N.0/24 subnet for the kubelet node")
}

func ipCmd(args ...string) error {
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// startKubelet brings up the node: the bridge, the CNI configuration,
// containerd with the sandbox image imported, then the kubelet, which
// registers the node itself.
func (k *Kube) startKubelet(dir, bins string, pki *kubePKI, bridge string, subnet int, port int) error {
	nd := &kubeletNode{dir: dir, bridge: bridge, ip: fmt.Sprintf("10.89.%d.1", subnet)}
	k.node = nd
	if err := ipCmd("link", "add", bridge, "type", "bridge"); err != nil {
		return err
	}
	if err := ipCmd("addr", "add", nd.ip+"/24", "dev", bridge); err != nil {
		return err
	}
	if err := ipCmd("link", "set", bridge, "up"); err != nil {
		return err
	}
	cni := filepath.Join(dir, "cni")
	if err := os.MkdirAll(filepath.Join(cni, "net.d"), 0o700); err != nil {
		return err
	}
	conf := fmt.Sprintf(`{"cniVersion":"0.4.0","name":"testenv","plugins":[`+
		`{"type":"bridge","bridge":%q,"isGateway":true,"ipMasq":false,"hairpinMode":true,`+
		`"ipam":{"type":"host-local","dataDir":%q,"ranges":[[{"subnet":"10.89.%d.0/24","gateway":%q}]],"routes":[{"dst":"0.0.0.0/0"}]}},`+
		`{"type":"loopback"}]}`, bridge, filepath.Join(cni, "ipam"), subnet, nd.ip)
	if err := os.WriteFile(filepath.Join(cni, "net.d", "10-testenv.conflist"), []byte(conf), 0o600); err != nil {
		return err
	}

	ctd := filepath.Join(dir, "containerd")
	nd.socket = filepath.Join(ctd, "containerd.sock")
	nd.registry = filepath.Join(ctd, "registries")
	if err := os.MkdirAll(nd.registry, 0o700); err != nil {
		return err
	}
	// restrict_oom_score_adj: containerd may not lower a score below its
	// own here (the tests may run in a container); the rest keeps
	// everything of this containerd under the plane's directory, the
	// pods' network namespaces included (the teardown's unmount frees
	// any the kubelet had not torn down yet, and their veths with them).
	ctdConf := fmt.Sprintf(`version = 2
root = %q
state = %q
[grpc]
  address = %q
[ttrpc]
  address = %q
[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  disable_apparmor = true
  netns_mounts_under_state_dir = true
  sandbox_image = %q
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %q
    conf_dir = %q
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = %q
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
`, filepath.Join(ctd, "root"), filepath.Join(ctd, "state"), nd.socket, nd.socket+".ttrpc",
		pauseRef, cniBinDir, filepath.Join(cni, "net.d"), nd.registry)
	if err := os.WriteFile(filepath.Join(ctd, "config.toml"), []byte(ctdConf), 0o600); err != nil {
		return err
	}
	p, err := startKubeProc(dir, "containerd", "containerd", nil, "--config", filepath.Join(ctd, "config.toml"))
	if err != nil {
		return err
	}
	nd.ctd = p
	k.procs = append(k.procs, p)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := k.waitFor(ctx, "containerd", func(ctx context.Context) error { return nd.ctr(ctx, "version") }); err != nil {
		return err
	}
	if err := nd.importPause(ctx); err != nil {
		return err
	}

	kl := filepath.Join(dir, "kubelet")
	if err := os.MkdirAll(filepath.Join(kl, "pod-logs"), 0o700); err != nil {
		return err
	}
	klConf := fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %s
port: %d
readOnlyPort: 0
healthzPort: 0
tlsCertFile: %s
tlsPrivateKeyFile: %s
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failSwapOn: false
containerRuntimeEndpoint: unix://%s
imageServiceEndpoint: unix://%s
podLogsDir: %s
evictionHard: {}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
localStorageCapacityIsolation: false
serializeImagePulls: false
resolvConf: ""
makeIPTablesUtilChains: false
`, nd.ip, port, pki.kwokCert, pki.kwokKey, nd.socket, nd.socket, filepath.Join(kl, "pod-logs"))
	// Above: the node's serving certificate (kwokCert also names the
	// node's address); anyone may call it, as the API server does for a
	// pod's exec; no QoS cgroups, eviction or disk accounting, which a
	// test machine shared with other tests would only trip.
	if err := os.WriteFile(filepath.Join(kl, "config.yaml"), []byte(klConf), 0o600); err != nil {
		return err
	}
	p, err = startKubeProc(dir, "kubelet", filepath.Join(bins, "kubelet"), nil,
		"--config="+filepath.Join(kl, "config.yaml"), "--kubeconfig="+k.Kubeconfig,
		"--root-dir="+filepath.Join(kl, "root"), "--hostname-override="+KubeletNodeName,
		"--node-ip="+nd.ip, "--v=1")
	if err != nil {
		return err
	}
	nd.kubelet = p
	k.procs = append(k.procs, p)
	vctx, stop := context.WithCancel(context.Background())
	nd.stopVols = stop
	go k.openVolumes(vctx)
	return nil
}

// openVolumes makes each hostPath volume's directory 0777 as soon as the
// provisioner has made it. Kubernetes' hostPath provisioner makes them
// 0750 root, which no non-root process in a pod may enter (the image's
// PostgreSQL runs as postgres); the provisioners of single-node clusters
// (local-path-provisioner in k3s and kind) make them 0777, as this does.
func (k *Kube) openVolumes(ctx context.Context) {
	for ctx.Err() == nil {
		paths, _ := k.hostPathVolumes(ctx)
		for _, p := range paths {
			if fi, err := os.Stat(p); err == nil && fi.Mode().Perm() != 0o777 {
				_ = os.Chmod(p, 0o777)
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// ctr runs containerd's client against the node's containerd, in the
// namespace the CRI uses.
func (nd *kubeletNode) ctr(ctx context.Context, args ...string) error {
	_, err := nd.ctrOut(ctx, args...)
	return err
}

func (nd *kubeletNode) ctrOut(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "ctr", append([]string{"--address", nd.socket, "--namespace", "k8s.io"}, args...)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ctr %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// TrustRegistry lets a kubelet plane's containerd pull from reg (plain
// HTTP on 127.0.0.1, as Docker does for a loopback registry); on a kwok
// plane, which pulls nothing, it does nothing.
func (k *Kube) TrustRegistry(tb testing.TB, reg *Registry) {
	tb.Helper()
	if k.node == nil {
		return
	}
	d := filepath.Join(k.node.registry, reg.Host())
	hosts := fmt.Sprintf("server = \"http://%s\"\n\n[host.\"http://%s\"]\n  capabilities = [\"pull\", \"resolve\"]\n", reg.Host(), reg.Host())
	if err := os.MkdirAll(d, 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "hosts.toml"), []byte(hosts), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// teardown stops the node so that nothing of it outlives the plane: the
// pods go first (the controllers are stopped so none comes back, and the
// kubelet takes down each sandbox and its network), then whatever the
// kubelet left in containerd, the kubelet, containerd, their mounts and
// the bridge.
func (nd *kubeletNode) teardown(k *Kube) {
	if nd.stopVols != nil {
		nd.stopVols()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for _, p := range k.procs {
		if p.name == "kube-controller-manager" || p.name == "kube-scheduler" {
			p.stop()
		}
	}
	if nd.kubelet != nil && nd.kubelet.exited() == nil && k.api != nil {
		var nss struct {
			Items []struct {
				Metadata struct{ Name string } `json:"metadata"`
			}
		}
		if _, err := k.api.get(ctx, "/api/v1/namespaces", &nss); err == nil {
			for _, ns := range nss.Items {
				_, _, _ = k.api.do(ctx, "DELETE", "/api/v1/namespaces/"+ns.Metadata.Name+"/pods?gracePeriodSeconds=1", nil)
			}
		}
		// The kubelet deletes a pod's object once its containers are
		// gone, and stops its sandbox (network included) right after.
		for ctx.Err() == nil {
			tasks, err := nd.ctrOut(ctx, "tasks", "ls", "-q")
			if err != nil || strings.TrimSpace(tasks) == "" {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	if nd.kubelet != nil {
		nd.kubelet.stop()
	}
	if nd.ctd != nil && nd.ctd.exited() == nil {
		kctx, kcancel := context.WithTimeout(context.Background(), 30*time.Second)
		if tasks, err := nd.ctrOut(kctx, "tasks", "ls", "-q"); err == nil {
			for _, id := range strings.Fields(tasks) {
				_ = nd.ctr(kctx, "tasks", "kill", "--signal", "SIGKILL", id)
				_ = nd.ctr(kctx, "tasks", "delete", "--force", id)
			}
		}
		kcancel()
		nd.ctd.stop()
	}
	unmountUnder(nd.dir)
	if nd.bridge != "" {
		_ = ipCmd("link", "delete", nd.bridge)
	}
}

// unmountUnder detaches every mount below dir, deepest first: what the
// kubelet (projected volumes) and containerd (rootfs) left mounted would
// otherwise keep the plane's directory from being removed.
func unmountUnder(dir string) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			points = append(points, unescapeMount(f[4]))
		}
	}
	for i := len(points) - 1; i >= 0; i-- {
		_ = unmountDetach(points[i])
	}
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
