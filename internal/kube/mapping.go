package kube

import (
	"fmt"
	"sort"
	"strings"
)

// Row is one line of a chart line's values mapping: which install option
// it reads, which chart key it writes, the rule in words (the README shows
// it), and the rule in code. Apply writes into v (chart values) and s (the
// keys of the tool's Secret; "" = a secret generated once, at install).
type Row struct {
	Option string // the install option, "(always)" when none
	Key    string // the chart key, dotted
	Rule   string
	Apply  func(in Input, o Options, v Values, s map[string]string)
}

// Line is a supported line of the official chart (major.minor).
type Line struct {
	Version string
	// Read says where the keys were checked in the chart's own sources.
	Read string
	Rows []Row
}

// Values are chart values, nested as in a values.yaml.
type Values = map[string]any

// set writes value at a dotted key, making the maps on the way.
func set(v Values, key string, value any) {
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := v[p].(Values)
		if !ok {
			next = Values{}
			v[p] = next
		}
		v = next
	}
	v[parts[len(parts)-1]] = value
}

// The keys this tool writes, named once.
const (
	keyRegistry   = "image.registry"
	keyRepository = "image.repository"
	keyTag        = "image.tag"
	// The deprecated _image keys: see oldImageWhy.
	keyOldRegistry   = "_image.registry"
	keyOldRepository = "_image.repository"
	keyAutoupdate    = "autoupdate.enabled"
	keyWorkload      = "workload.kind"
	keyAutoscaling   = "autoscaling.enabled"
	keyPersistence   = "persistence.enabled"
	keyPVCKeep       = "persistence.annotations"
	keySecretName    = "secretName"
	keyAppConfig     = "applicationConfig"
	keyMongoDB       = "mongodb.enabled"
	keyRedis         = "redis.enabled"
	keyIngress       = "ingress"
	keyCACert        = "customCAcert"
)

// oldImageWhy is why the registry and repository go into the deprecated
// `_image` keys too. Chart templates before Appsmith's image-merge fix
// (PR #41765, spring 2026; the deployment.yaml of the 3.7 line's MongoDB
// operator preview has the old code) build the image from `_image`
// alone, with `index.docker.io/appsmith/appsmith-ee` as its default, and
// ignore `image.registry` and `image.repository`: a CE install or a mirror
// would silently run the EE image from Docker Hub. Later templates merge
// `_image` over `image`, so the same values in both keys give the same
// image either way. `_image.tag` is never written: those templates fall
// back to `image.tag`, the key every hop pins.
const oldImageWhy = "charts before Appsmith's image-merge fix (the 3.7 line) take them from `_image` alone and ignore `image.*`; later ones merge `_image` over `image`, so equal values work on both (`_image.tag` is never written: both fall back to `image.tag`)"

// ResourcePolicyKeep is the annotation that makes Helm leave an object in
// place on uninstall and on an upgrade that drops it.
const ResourcePolicyKeep = "helm.sh/resource-policy"

// rows38 is the mapping checked against the chart's values.yaml,
// templates and helm-unittest suites at 3.8.1 (image_test.yaml: _image is
// merged over image; workload_type_test.yaml: StatefulSet by default,
// Deployment with autoscaling; the defaults snapshot: the image string,
// /api/v1/health probes, APPSMITH_ENABLE_EMBEDDED_DB=0, data claim).
var rows38 = []Row{
	{"--edition", keyRepository + ", " + keyOldRepository, "`appsmith/appsmith-ce` or `appsmith/appsmith-ee`, in both keys: " + oldImageWhy,
		func(in Input, _ Options, v Values, _ map[string]string) {
			set(v, keyRepository, "appsmith/appsmith-"+in.Edition)
			set(v, keyOldRepository, "appsmith/appsmith-"+in.Edition)
		}},
	{"--registry", keyRegistry + ", " + keyOldRegistry, "the mirror, else `index.docker.io` written out (the chart's default), in both keys",
		func(in Input, _ Options, v Values, _ map[string]string) {
			r := in.Registry
			if r == "" {
				r = dockerHub
			}
			set(v, keyRegistry, r)
			set(v, keyOldRegistry, r)
		}},
	{"--version", keyTag, "always a `v` tag (latest is resolved to the newest release first); the deprecated `_image.*` keys, which the chart merges over `image.*`, are refused in values files",
		func(in Input, _ Options, v Values, _ map[string]string) { set(v, keyTag, in.Version) }},
	{"(always)", keyAutoupdate, "`false`: the chart's imago CronJob would move the tag behind the tool's back",
		func(_ Input, _ Options, v Values, _ map[string]string) { set(v, keyAutoupdate, false) }},
	{"(always)", keyWorkload + ", " + keyAutoscaling, "`StatefulSet`, `false`: one pod on one data claim, as on a host",
		func(_ Input, _ Options, v Values, _ map[string]string) {
			set(v, keyWorkload, "StatefulSet")
			set(v, keyAutoscaling, false)
		}},
	{"(always)", keyPersistence + ", " + keyPVCKeep, "`true`, `{helm.sh/resource-policy: keep}` on the `data` claim template, set at the first install (Kubernetes refuses to change a StatefulSet's claim templates later)",
		func(_ Input, _ Options, v Values, _ map[string]string) {
			set(v, keyPersistence, true)
			set(v, keyPVCKeep, Values{ResourcePolicyKeep: "keep"})
		}},
	{"(always)", keySecretName, "`<release>-appsmith-secrets`, a Secret the tool creates once and never regenerates: `APPSMITH_ENCRYPTION_PASSWORD`, `APPSMITH_ENCRYPTION_SALT` (13+ random alphanumerics, as on a host)",
		func(_ Input, o Options, v Values, s map[string]string) {
			set(v, keySecretName, o.SecretName())
			s["APPSMITH_ENCRYPTION_PASSWORD"] = ""
			s["APPSMITH_ENCRYPTION_SALT"] = ""
		}},
	{"--db-url", keyAppConfig + ".APPSMITH_DB_URL, " + keyMongoDB, "a URL without a password goes to `applicationConfig`; one with a password into the Secret; the MongoDB subchart is turned off. No URL: the chart's MongoDB subchart (Bitnami)",
		func(in Input, _ Options, v Values, s map[string]string) {
			if in.DBURL == "" {
				return
			}
			set(v, keyMongoDB, false)
			if hasPassword(in.DBURL) {
				s["APPSMITH_DB_URL"] = in.DBURL
				return
			}
			set(v, keyAppConfig+".APPSMITH_DB_URL", in.DBURL)
		}},
	{"--redis-url", keyAppConfig + ".APPSMITH_REDIS_URL, " + keyRedis, "as --db-url; no URL: the chart's Redis subchart (Bitnami)",
		func(in Input, _ Options, v Values, s map[string]string) {
			if in.RedisURL == "" {
				return
			}
			set(v, keyRedis, false)
			if hasPassword(in.RedisURL) {
				s["APPSMITH_REDIS_URL"] = in.RedisURL
				return
			}
			set(v, keyAppConfig+".APPSMITH_REDIS_URL", in.RedisURL)
		}},
	{"--telemetry", keyAppConfig + ".APPSMITH_DISABLE_TELEMETRY", "`\"true\"` unless --telemetry",
		func(in Input, _ Options, v Values, _ map[string]string) {
			if !in.Telemetry {
				set(v, keyAppConfig+".APPSMITH_DISABLE_TELEMETRY", "true")
			}
		}},
	{"--tls letsencrypt --domain D", keyIngress + ".*", "`enabled`, `hosts: [{host: D}]`, `tls`, `certManager: true`, `certManagerTls: [{hosts: [D], secretName: <release>-appsmith-tls}]` (cert-manager must run in the cluster with a default issuer, or one named in `ingress.annotations` of a `--values` file: the chart adds only `kubernetes.io/tls-acme`); `APPSMITH_CUSTOM_DOMAIN` stays empty: TLS ends at the ingress",
		func(in Input, o Options, v Values, _ map[string]string) {
			if tlsMode(in) == "letsencrypt" {
				setIngress(v, in.Domain, o.TLSSecretName(), true)
			}
		}},
	{"--tls custom --cert C --key K", keyIngress + ".*", "as letsencrypt with `certManager: false`; the tool creates the kubernetes.io/tls Secret `<release>-appsmith-tls` from C and K (the key never goes into the values)",
		func(in Input, o Options, v Values, _ map[string]string) {
			if tlsMode(in) == "custom" {
				setIngress(v, in.TLSFiles.KeyPair.Domain, o.TLSSecretName(), false)
			}
		}},
	{"--tls none|proxy", keyIngress + ".enabled", "`false`: the chart's Service only, for the user's own ingress or load balancer",
		func(in Input, _ Options, v Values, _ map[string]string) {
			if m := tlsMode(in); m == "none" || m == "proxy" {
				set(v, keyIngress+".enabled", false)
			}
		}},
	{"--ca-cert F", keyCACert, "`{<name>.crt: <PEM>}` per root; the chart makes the ConfigMap `<fullname>-trustedca`",
		func(in Input, _ Options, v Values, _ map[string]string) {
			if in.TLSFiles == nil || len(in.TLSFiles.CAs) == 0 {
				return
			}
			m := Values{}
			for _, ca := range in.TLSFiles.CAs {
				m[ca.Name] = string(ca.PEM)
			}
			set(v, keyCACert, m)
		}},
}

func setIngress(v Values, host, secret string, certManager bool) {
	set(v, keyIngress, Values{
		"enabled":        true,
		"hosts":          []any{Values{"host": host}},
		"tls":            true,
		"certManager":    certManager,
		"certManagerTls": []any{Values{"hosts": []any{host}, "secretName": secret}},
	})
}

// Lines are the supported chart lines. 3.7 shares 3.8's rows: compared
// key by key (3.7.0's values and schema, the 3.7-era templates against
// 3.8.1's), the keys this tool writes and their defaults are the same but
// for how the image is built (oldImageWhy), which the rows cover for both.
var Lines = []Line{
	{Version: "3.7", Read: "3.7.0 values and schema, the 3.7-era deployment.yaml (MongoDB operator preview) and the 3.8.1 sources, key by key: the same keys and defaults but the image, which these templates build from `_image` alone (both keys are written); no 3.7.1+ Chart.yaml was to be found", Rows: rows38},
	{Version: "3.8", Read: "values.yaml, templates and helm-unittest suites at chart 3.8.1", Rows: rows38},
}

// DefaultLine is the line values are generated for when no chart is given.
const DefaultLine = "3.8"

// LineOf finds the mapping of a chart version ("3.8.1" → 3.8).
func LineOf(chartVersion string) (Line, error) {
	parts := strings.SplitN(strings.TrimPrefix(chartVersion, "v"), ".", 3)
	if len(parts) >= 2 {
		mm := parts[0] + "." + parts[1]
		for _, l := range Lines {
			if l.Version == mm {
				return l, nil
			}
		}
	}
	var known []string
	for _, l := range Lines {
		known = append(known, l.Version)
	}
	return Line{}, fmt.Errorf("chart version %s is not a supported line (%s): its values may mean something else", chartVersion, strings.Join(known, ", "))
}

// Generated is what a mapping produces.
type Generated struct {
	Line   string
	Values Values
	// SecretKeys are the keys of the tool's Secret; the value "" marks a
	// secret generated at the first install and kept after.
	SecretKeys map[string]string
}

// SecretKeyNames lists the Secret's keys (never their values), sorted.
func (g *Generated) SecretKeyNames() []string {
	var ks []string
	for k := range g.SecretKeys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Generate maps in onto the values of chart line l.
func Generate(l Line, in Input, o Options) (*Generated, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	g := &Generated{Line: l.Version, Values: Values{}, SecretKeys: map[string]string{}}
	for _, r := range l.Rows {
		r.Apply(in, o, g.Values, g.SecretKeys)
	}
	return g, nil
}
