package kube

import (
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
)

// MissingDependencies names the subcharts the chart declares, the values
// enable, and the chart does not hold (a checkout of deploy/helm without
// `helm dependency build`). Helm's library renders such a chart without
// them, and the official chart's pod then waits forever in its init
// containers for a Redis or PostgreSQL that was never made; the helm
// command refuses a chart missing any of its dependencies, enabled or not.
// This refuses only those the release would use, with the values that
// decide it: a dependency's condition (its first path the values set),
// else its tags, else enabled, as Helm decides.
func MissingDependencies(ch *chart.Chart, vals Values) ([]string, error) {
	if ch.Metadata == nil || len(ch.Metadata.Dependencies) == 0 {
		return nil, nil
	}
	cvals, err := chartutil.CoalesceValues(ch, vals)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, d := range ch.Dependencies() {
		have[d.Name()] = true
	}
	var missing []string
	for _, d := range ch.Metadata.Dependencies {
		if have[d.Name] || !enabled(d, cvals) {
			continue
		}
		missing = append(missing, d.Name)
	}
	return missing, nil
}

func enabled(d *chart.Dependency, vals chartutil.Values) bool {
	for _, path := range strings.Split(d.Condition, ",") {
		if path = strings.TrimSpace(path); path == "" {
			continue
		}
		if v, err := vals.PathValue(path); err == nil {
			if b, ok := v.(bool); ok {
				return b
			}
		}
	}
	tags, _ := vals["tags"].(map[string]any)
	on, decided := false, false
	for _, t := range d.Tags {
		if b, ok := tags[t].(bool); ok {
			on, decided = on || b, true
		}
	}
	return !decided || on
}
