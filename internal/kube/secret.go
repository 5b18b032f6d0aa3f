package kube

import (
	"context"
	"fmt"
	"sort"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// EnsureSecret makes the release's Secret hold keys: created on first use
// with a fresh secret (stacks.NewSecret, as a host install's docker.env)
// for each key whose value is "", and on later runs only completed with
// missing keys. A key already there is never changed or regenerated:
// losing the encryption password or salt makes every stored datasource
// credential unreadable. It returns the names of the keys it added.
func EnsureSecret(ctx context.Context, c Cluster, ns, name string, keys map[string]string) ([]string, error) {
	have, ok, err := c.Secret(ctx, ns, name)
	if err != nil {
		return nil, fmt.Errorf("reading secret %s/%s: %w", ns, name, err)
	}
	add := map[string][]byte{}
	var added []string
	for k, v := range keys {
		if _, there := have[k]; there {
			continue
		}
		if v == "" {
			if v, err = stacks.NewSecret(); err != nil {
				return nil, err
			}
		}
		add[k] = []byte(v)
		added = append(added, k)
	}
	sort.Strings(added)
	switch {
	case !ok:
		err = c.CreateSecret(ctx, ns, name, "Opaque", add)
	case len(add) > 0:
		err = c.AddSecretKeys(ctx, ns, name, add)
	}
	if err != nil {
		return nil, fmt.Errorf("writing secret %s/%s: %w", ns, name, err)
	}
	return added, nil
}
