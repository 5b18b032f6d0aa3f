package kube

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// StacksDir is where the chart mounts the data claim in the appsmith
// container: the host's stacks directory, on a volume.
const StacksDir = "/appsmith-stacks"

// PodEnv is the environment the pod's container starts with, resolved as
// the kubelet resolves it: envFrom (ConfigMaps and Secrets, with their
// prefixes) first, then env (values and ConfigMap/Secret key references),
// later winning. Field and resource references are left out (none names an
// Appsmith setting). The values include secrets: callers keep them in
// memory or in 0600 files.
func (a *API) PodEnv(ctx context.Context, ns, pod, container string) (map[string]string, error) {
	p, err := a.Client.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	var c *corev1.Container
	for i := range p.Spec.Containers {
		if container == "" || p.Spec.Containers[i].Name == container {
			c = &p.Spec.Containers[i]
			break
		}
	}
	if c == nil {
		return nil, fmt.Errorf("pod %s has no container %q", pod, container)
	}
	r := envResolver{a: a, ctx: ctx, ns: ns, maps: map[string]map[string]string{}}
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		var data map[string]string
		var optional bool
		switch {
		case from.ConfigMapRef != nil:
			optional = from.ConfigMapRef.Optional != nil && *from.ConfigMapRef.Optional
			data, err = r.configMap(from.ConfigMapRef.Name)
		case from.SecretRef != nil:
			optional = from.SecretRef.Optional != nil && *from.SecretRef.Optional
			data, err = r.secret(from.SecretRef.Name)
		default:
			continue
		}
		if apierrors.IsNotFound(err) && optional {
			continue
		}
		if err != nil {
			return nil, err
		}
		for k, v := range data {
			env[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			if err := r.key(env, e.Name, ref.Name, ref.Key, ref.Optional, r.configMap); err != nil {
				return nil, err
			}
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			if err := r.key(env, e.Name, ref.Name, ref.Key, ref.Optional, r.secret); err != nil {
				return nil, err
			}
		}
	}
	return env, nil
}

type envResolver struct {
	a    *API
	ctx  context.Context
	ns   string
	maps map[string]map[string]string // "cm/NAME" or "secret/NAME"
}

func (r *envResolver) configMap(name string) (map[string]string, error) {
	if m, ok := r.maps["cm/"+name]; ok {
		return m, nil
	}
	cm, err := r.a.Client.CoreV1().ConfigMaps(r.ns).Get(r.ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("ConfigMap %s: %w", name, err)
	}
	r.maps["cm/"+name] = cm.Data
	return cm.Data, nil
}

func (r *envResolver) secret(name string) (map[string]string, error) {
	if m, ok := r.maps["secret/"+name]; ok {
		return m, nil
	}
	s, err := r.a.Client.CoreV1().Secrets(r.ns).Get(r.ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("Secret %s: %w", name, err)
	}
	m := map[string]string{}
	for k, v := range s.Data {
		m[k] = string(v)
	}
	r.maps["secret/"+name] = m
	return m, nil
}

func (r *envResolver) key(env map[string]string, name, obj, key string, optional *bool, get func(string) (map[string]string, error)) error {
	data, err := get(obj)
	opt := optional != nil && *optional
	if err != nil {
		if opt && apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	v, ok := data[key]
	if !ok {
		if opt {
			return nil
		}
		return fmt.Errorf("%s has no key %s (for %s)", obj, key, name)
	}
	env[name] = v
	return nil
}

// EffectiveEnv is the docker.env a pod's Appsmith runs with: the file on
// the data claim with the container's APPSMITH_* and MONGO_* variables
// over it (they override docker.env at start). It is what an archive of
// the pod carries, so the data restores with the keys it was written with.
func EffectiveEnv(file *stacks.EnvFile, env map[string]string) *stacks.EnvFile {
	out := file.Clone()
	keys := make([]string, 0, len(env))
	for k := range env {
		if (strings.HasPrefix(k, "APPSMITH_") || strings.HasPrefix(k, "MONGO_")) && envName.MatchString(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		out.Set(k, env[k])
	}
	return out
}

// envName is a name docker.env (sourced by bash) can hold.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
