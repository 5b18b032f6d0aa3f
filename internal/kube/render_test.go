package kube

import (
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"
)

const standin = "../../test/charts/appsmith"

func loadStandin(t *testing.T) *chart.Chart {
	t.Helper()
	ch, err := LoadChart(standin)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// docs splits a manifest into objects by kind/name.
func docs(t *testing.T, manifest string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, d := range releaseutil.SplitManifests(manifest) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(d), &m); err != nil {
			t.Fatalf("%v in\n%s", err, d)
		}
		if m == nil {
			continue
		}
		md, _ := m["metadata"].(map[string]any)
		out[m["kind"].(string)+"/"+md["name"].(string)] = m
	}
	return out
}

func dig(m map[string]any, path ...any) any {
	var cur any = m
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, _ := cur.(map[string]any)
			cur = mm[k]
		case int:
			l, _ := cur.([]any)
			if k >= len(l) {
				return nil
			}
			cur = l[k]
		}
	}
	return cur
}

func render(t *testing.T, vals Values) map[string]map[string]any {
	t.Helper()
	m, err := Render(loadStandin(t), vals, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	return docs(t, m)
}

// TestRenderGenerated: the generated values, rendered with the stand-in
// chart as `helm template` would, give the objects the tool relies on.
func TestRenderGenerated(t *testing.T) {
	ch := loadStandin(t)
	l, err := ChartLine(ch)
	if err != nil {
		t.Fatal(err)
	}
	g, err := Generate(l, Input{Edition: "ce", Version: "v1.9.2", Registry: "127.0.0.1:5000"}, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	objs := render(t, g.Values)
	sts := objs["StatefulSet/appsmith"]
	if sts == nil {
		t.Fatalf("no StatefulSet/appsmith in %v", keys(objs))
	}
	c := dig(sts, "spec", "template", "spec", "containers", 0).(map[string]any)
	if c["image"] != "127.0.0.1:5000/appsmith/appsmith-ce:v1.9.2" {
		t.Errorf("image %v", c["image"])
	}
	if p := dig(c, "readinessProbe", "httpGet", "path"); p != "/api/v1/health" {
		t.Errorf("readiness path %v", p)
	}
	if a := dig(sts, "spec", "volumeClaimTemplates", 0, "metadata", "annotations", ResourcePolicyKeep); a != "keep" {
		t.Errorf("data claim annotation %v", a)
	}
	if n := dig(sts, "spec", "volumeClaimTemplates", 0, "metadata", "name"); n != "data" {
		t.Errorf("claim template name %v", n)
	}
	if s := dig(c, "envFrom", 1, "secretRef", "name"); s != Defaults().SecretName() {
		t.Errorf("envFrom secret %v", s)
	}
	for k := range objs {
		if strings.HasSuffix(k, "/imago") {
			t.Errorf("%s rendered with autoupdate off", k)
		}
	}
	if cm := objs["ConfigMap/appsmith"]; dig(cm, "data", "APPSMITH_DISABLE_TELEMETRY") != "true" {
		t.Errorf("configmap %v", cm["data"])
	}
}

// On a 3.7 chart, whose templates take the image's registry and
// repository from the deprecated _image alone, the generated values still
// give the edition and mirror asked for, with the pinned tag (the values
// write both keys; image.* alone would give Docker Hub's EE image there).
func TestRender37Image(t *testing.T) {
	ch := loadStandin(t)
	ch.Metadata.Version = "3.7.0"
	l, err := ChartLine(ch)
	if err != nil || l.Version != "3.7" {
		t.Fatalf("line %v (%v)", l.Version, err)
	}
	g, err := Generate(l, Input{Edition: "ce", Version: "v1.9.2", Registry: "127.0.0.1:5000"}, Defaults())
	if err != nil {
		t.Fatal(err)
	}
	image := func(vals Values) any {
		m, err := Render(ch, vals, Defaults())
		if err != nil {
			t.Fatal(err)
		}
		return dig(docs(t, m)["StatefulSet/appsmith"], "spec", "template", "spec", "containers", 0, "image")
	}
	if got := image(g.Values); got != "127.0.0.1:5000/appsmith/appsmith-ce:v1.9.2" {
		t.Errorf("3.7 chart image %v", got)
	}
	hop, err := HopValues(g.Values, "v1.9.38")
	if err != nil {
		t.Fatal(err)
	}
	if got := image(hop); got != "127.0.0.1:5000/appsmith/appsmith-ce:v1.9.38" {
		t.Errorf("3.7 chart image after a hop %v", got)
	}
	// Without the _image keys, the 3.7 templates ignore image.*: what the
	// values guard against.
	bare := merge(Values{}, g.Values)
	delete(bare, "_image")
	if got := image(bare); got != "index.docker.io/appsmith/appsmith-ee:v1.9.2" {
		t.Errorf("the stand-in's 3.7 templates do not model the old image code: %v", got)
	}
}

// TestStandinMirrorsChart: the stand-in behaves as the official chart on
// the keys the tool's checks are about (its helm-unittest cases).
func TestStandinMirrorsChart(t *testing.T) {
	objs := render(t, Values{"image": Values{"registry": "quay.io", "repository": "myorg/base", "tag": "2.1.0"},
		"_image": Values{"repository": "myorg/override", "pullPolicy": "Always"}})
	c := dig(objs["StatefulSet/appsmith"], "spec", "template", "spec", "containers", 0).(map[string]any)
	if c["image"] != "quay.io/myorg/override:2.1.0" || c["imagePullPolicy"] != "Always" {
		t.Errorf("_image over image: %v %v", c["image"], c["imagePullPolicy"])
	}
	objs = render(t, Values{"image": Values{"tag": "v1.9.2"}, "_image": Values{"tag": "v1.9.0"}})
	c = dig(objs["StatefulSet/appsmith"], "spec", "template", "spec", "containers", 0).(map[string]any)
	if c["image"] != "index.docker.io/appsmith/appsmith-ee:v1.9.0" {
		t.Errorf("a leftover _image.tag must beat image.tag, as in the official chart: %v", c["image"])
	}
	if got := ImageTag(Values{"image": Values{"tag": "v1.9.2"}, "_image": Values{"tag": "v1.9.0"}}); got != "v1.9.0" {
		t.Errorf("ImageTag %q", got)
	}

	objs = render(t, Values{"autoscaling": Values{"enabled": true}})
	if objs["Deployment/appsmith"] == nil || objs["HorizontalPodAutoscaler/appsmith"] == nil || objs["PersistentVolumeClaim/appsmith"] == nil {
		t.Errorf("autoscaling: %v", keys(objs))
	}
	objs = render(t, Values{"workload": Values{"kind": "Deployment"}, "replicas": 3})
	if d := objs["Deployment/appsmith"]; d == nil || dig(d, "spec", "replicas") != float64(3) {
		t.Errorf("workload.kind Deployment: %v", keys(objs))
	}
	objs = render(t, Values{"autoupdate": Values{"enabled": true}})
	for _, k := range []string{"CronJob/imago", "ServiceAccount/imago", "Role/imago", "RoleBinding/imago"} {
		if objs[k] == nil {
			t.Errorf("autoupdate on: no %s in %v", k, keys(objs))
		}
	}
	objs = render(t, Values{"customCAcert": Values{"corp.crt": "PEM"}})
	if dig(objs["ConfigMap/appsmith-trustedca"], "data", "corp.crt") != "PEM" {
		t.Errorf("customCAcert: %v", keys(objs))
	}
	objs = render(t, Values{"ingress": Values{"enabled": true, "tls": true, "hosts": []any{Values{"host": "a.example"}},
		"certManagerTls": []any{Values{"hosts": []any{"a.example"}, "secretName": "s"}}}})
	if dig(objs["Ingress/appsmith"], "spec", "tls", 0, "secretName") != "s" {
		t.Errorf("ingress: %v", objs["Ingress/appsmith"])
	}
}

func keys(m map[string]map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
