package kube

import (
	"fmt"

	"helm.sh/helm/v3/pkg/chartutil"
)

// UserValues are the user's --values files, merged in order (a later file
// wins, as with helm -f), after the checks that keep the pin.
type UserValues struct {
	Values Values
	// Overridden names the keys a file sets that the tool's values replace
	// ("file: key"), so a plan can say so instead of dropping them quietly.
	Overridden []string
}

// ValuesError is a values file that would undo what the tool guarantees.
type ValuesError struct{ File, Key, Reason string }

func (e *ValuesError) Error() string {
	return fmt.Sprintf("values file %s sets %s: %s", e.File, e.Key, e.Reason)
}

// LoadUserValues reads files and refuses what would beat the pin or turn
// the chart's auto-update on. version is the tag the tool pins.
func LoadUserValues(files []string, version string, generated Values) (*UserValues, error) {
	uv := &UserValues{Values: Values{}}
	for _, f := range files {
		vals, err := chartutil.ReadValuesFile(f)
		if err != nil {
			return nil, &FieldError{"values", f, err.Error()}
		}
		m := vals.AsMap()
		if err := checkUserValues(f, m, version); err != nil {
			return nil, err
		}
		for _, k := range overlap(m, generated, "") {
			uv.Overridden = append(uv.Overridden, f+": "+k)
		}
		uv.Values = merge(uv.Values, m)
	}
	return uv, nil
}

func checkUserValues(file string, m Values, version string) error {
	if old, ok := m["_image"]; ok && old != nil {
		if t, isMap := old.(map[string]any); !isMap || len(t) > 0 {
			for k := range t {
				return &ValuesError{file, "_image." + k, "the deprecated _image keys override image.* in the chart and would beat the pinned version: remove them (use --registry, --edition, --version)"}
			}
			return &ValuesError{file, "_image", "the deprecated _image keys override image.* in the chart: remove them"}
		}
	}
	// The tool finds the release's claim (data-<fullname>-0), workload and
	// pods by the names and labels the chart derives from the release
	// name; an override would move them out of its sight.
	for _, k := range []string{"fullnameOverride", "nameOverride"} {
		if v, ok := m[k]; ok && v != nil && v != "" {
			return &ValuesError{file, k, "renames the chart's objects and labels, which the tool finds by the release name: remove it (name the release with --release)"}
		}
	}
	if ac, ok := m[keyAppConfig].(map[string]any); ok {
		for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT"} {
			if v, ok := ac[k]; ok && v != nil && v != "" {
				// A second key beside the Secret's: whichever the pod's
				// env takes last wins, and data written under one cannot
				// be read under the other.
				return &ValuesError{file, keyAppConfig + "." + k, "the encryption keys live in the Secret the tool creates once (never in the chart's ConfigMap, in plain text): remove it"}
			}
		}
		for k, flag := range map[string]string{"APPSMITH_DB_URL": "--db-url", "APPSMITH_MONGODB_URI": "--db-url", "APPSMITH_REDIS_URL": "--redis-url"} {
			if v, ok := ac[k]; ok && v != nil && v != "" {
				return &ValuesError{file, keyAppConfig + "." + k, "give it as " + flag + ": the tool then turns the chart's own database off, keeps a URL with a password in the Secret, and backs up and upgrades that database"}
			}
		}
	}
	if au, ok := m["autoupdate"].(map[string]any); ok {
		if on, _ := au["enabled"].(bool); on {
			return &ValuesError{file, "autoupdate.enabled", "true would let the chart's imago CronJob move the image tag hourly, behind the pin: remove it (upgrades go through `appsmith upgrade`)"}
		}
	}
	if img, ok := m["image"].(map[string]any); ok {
		if tag, ok := img["tag"]; ok && tag != nil {
			s := fmt.Sprint(tag)
			switch {
			case s == "latest" || s == "release":
				return &ValuesError{file, "image.tag", fmt.Sprintf("%q floats: the tool pins a version tag (--version)", s)}
			case s != version:
				return &ValuesError{file, "image.tag", fmt.Sprintf("%q differs from the version being installed (%s): give it as --version instead", s, version)}
			}
		}
	}
	return nil
}

// overlap lists the leaf keys set in both a and b (dotted).
func overlap(a, b Values, prefix string) []string {
	var out []string
	for k, av := range a {
		bv, ok := b[k]
		if !ok {
			continue
		}
		am, aok := av.(map[string]any)
		bm, bok := bv.(map[string]any)
		if aok && bok {
			out = append(out, overlap(am, bm, prefix+k+".")...)
			continue
		}
		out = append(out, prefix+k)
	}
	return out
}

// merge returns dst with src deep-merged over it (src wins), as helm
// merges -f files. Maps are copied, never shared with the inputs.
func merge(dst, src Values) Values {
	out := make(Values, len(dst))
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := out[k].(map[string]any); ok {
				out[k] = merge(dm, sm)
				continue
			}
			out[k] = merge(Values{}, sm)
			continue
		}
		out[k] = v
	}
	return out
}

// Final is the values an install or hop hands to Helm: the user's files,
// with the tool's generated values over them.
func Final(user *UserValues, g *Generated) Values {
	base := Values{}
	if user != nil {
		base = user.Values
	}
	return merge(base, g.Values)
}
