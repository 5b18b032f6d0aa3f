package testenv

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"path"
	"strings"
	"testing"
)

// No kubelet runs a kwok pod's containers, so its exec, logs and
// port-forward (which the apiserver sends to the node, kwok) go where a
// test says, through kwok's namespaced Exec, Logs and PortForward objects:
// a pod's port to a server the test runs on 127.0.0.1, an exec to a local
// command, its logs to a local file.

//go:embed kubedata/kwok-crd-*.yaml
var kwokCRDs embed.FS

// kwokCRDKinds are the kinds kwok is told to watch (--enable-crds); their
// CRDs are the embedded ones.
var kwokCRDKinds = []string{"PortForward", "Exec", "Logs"}

func (k *Kube) installKwokCRDs(ctx context.Context) error {
	files, err := kwokCRDs.ReadDir("kubedata")
	if err != nil {
		return err
	}
	var names []string
	for _, f := range files {
		data, err := kwokCRDs.ReadFile(path.Join("kubedata", f.Name()))
		if err != nil {
			return err
		}
		if err := k.api.create(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", yamlDoc(data)); err != nil {
			return fmt.Errorf("%s: %w", f.Name(), err)
		}
		plural := strings.TrimSuffix(strings.TrimPrefix(f.Name(), "kwok-crd-"), ".yaml")
		names = append(names, plural+".kwok.x-k8s.io")
	}
	// kwok lists them as it starts: they must be served by then.
	for _, name := range names {
		if err := k.waitFor(ctx, "CRD "+name+" to be established", func(ctx context.Context) error {
			var crd struct {
				Status struct {
					Conditions []struct{ Type, Status string }
				}
			}
			if _, err := k.api.get(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"+name, &crd); err != nil {
				return err
			}
			for _, c := range crd.Status.Conditions {
				if c.Type == "Established" && c.Status == "True" {
					return nil
				}
			}
			return errors.New("not established")
		}); err != nil {
			return err
		}
	}
	return nil
}

// ForwardPort makes port-forwards to the pod's port reach addr
// ("127.0.0.1:PORT", a server the test runs) instead.
func (k *Kube) ForwardPort(tb testing.TB, namespace, pod string, port int, addr string) {
	tb.Helper()
	host, p, ok := strings.Cut(addr, ":")
	var target int
	if _, err := fmt.Sscan(p, &target); !ok || err != nil || host != "127.0.0.1" {
		tb.Fatalf("testenv: ForwardPort to %q: want 127.0.0.1:PORT", addr)
	}
	k.createKwok(tb, namespace, "portforwards", map[string]any{
		"kind": "PortForward", "metadata": map[string]any{"name": pod},
		"spec": map[string]any{"forwards": []any{map[string]any{
			"ports": []int{port}, "target": map[string]any{"address": host, "port": target},
		}}},
	})
}

// ExecLocally makes execs into the pod run the command on this machine
// instead, in workDir with env ("NAME=value") added to kwok's environment.
func (k *Kube) ExecLocally(tb testing.TB, namespace, pod, workDir string, env ...string) {
	tb.Helper()
	var envs []any
	for _, e := range env {
		name, value, _ := strings.Cut(e, "=")
		envs = append(envs, map[string]string{"name": name, "value": value})
	}
	k.createKwok(tb, namespace, "execs", map[string]any{
		"kind": "Exec", "metadata": map[string]any{"name": pod},
		"spec": map[string]any{"execs": []any{map[string]any{
			"local": map[string]any{"workDir": workDir, "envs": envs},
		}}},
	})
}

// LogsFrom makes the pod's logs (every container's) the content of file,
// which is in the CRI log format a kubelet keeps: one
// "<RFC 3339 time> stdout|stderr F <line>" per line.
func (k *Kube) LogsFrom(tb testing.TB, namespace, pod, file string) {
	tb.Helper()
	k.createKwok(tb, namespace, "logs", map[string]any{
		"kind": "Logs", "metadata": map[string]any{"name": pod},
		"spec": map[string]any{"logs": []any{map[string]any{"logsFile": file, "follow": false}}},
	})
}

func (k *Kube) createKwok(tb testing.TB, namespace, plural string, obj map[string]any) {
	tb.Helper()
	obj["apiVersion"] = "kwok.x-k8s.io/v1alpha1"
	p := "/apis/kwok.x-k8s.io/v1alpha1/namespaces/" + namespace + "/" + plural
	// A later call for the same pod replaces the earlier one.
	name := obj["metadata"].(map[string]any)["name"].(string)
	if err := k.api.delete(tb.Context(), p+"/"+name); err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	if err := k.api.create(tb.Context(), p, obj); err != nil {
		tb.Fatalf("testenv: %v", err)
	}
}
