package kube

import (
	"fmt"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
)

// TestMissingDependencies: the official chart declares Bitnami's Redis,
// MongoDB and PostgreSQL (on by default) and Prometheus (off); a checkout
// without them refuses what the values leave on, and only that.
func TestMissingDependencies(t *testing.T) {
	ch := &chart.Chart{
		Metadata: &chart.Metadata{Name: "appsmith", Version: "3.8.1", Dependencies: []*chart.Dependency{
			{Name: "redis", Condition: "redis.enabled"},
			{Name: "mongodb", Condition: "mongodb.enabled"},
			{Name: "postgresql", Condition: "postgresql.enabled"},
			{Name: "prometheus", Condition: "prometheus.enabled"},
			{Name: "tagged", Tags: []string{"extras"}},
		}},
		Values: map[string]any{
			"redis": map[string]any{"enabled": true}, "mongodb": map[string]any{"enabled": true},
			"postgresql": map[string]any{"enabled": true}, "prometheus": map[string]any{"enabled": false},
			"tags": map[string]any{"extras": false},
		},
	}
	ch.AddDependency(&chart.Chart{Metadata: &chart.Metadata{Name: "mongodb", Version: "12.1.16"}})
	for _, c := range []struct {
		vals Values
		want string
	}{
		{Values{}, "[redis postgresql]"},
		{Values{"redis": map[string]any{"enabled": false}, "postgresql": map[string]any{"enabled": false}}, "[]"},
		{Values{"prometheus": map[string]any{"enabled": true}, "redis": map[string]any{"enabled": false}}, "[postgresql prometheus]"},
		{Values{"tags": map[string]any{"extras": true}, "redis": map[string]any{"enabled": false}, "postgresql": map[string]any{"enabled": false}}, "[tagged]"},
	} {
		got, err := MissingDependencies(ch, c.vals)
		if err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("values %v: missing %v (%v), want %s", c.vals, got, err, c.want)
		}
	}
}
