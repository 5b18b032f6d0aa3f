package doctor

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// Marker stands in for every secret value in a support bundle.
const Marker = "<redacted>"

// secretName: when in doubt, a key is a secret. Wider than stacks.IsSecret
// on purpose: a bundle leaves the machine.
var secretName = regexp.MustCompile(`(?i)PASS|SECRET|KEY|TOKEN|SALT|CREDENTIAL|AUTH|PRIVATE|CERT_?PEM`)

func secretKey(key string) bool { return stacks.IsSecret(key) || secretName.MatchString(key) }

// urlUserinfo matches scheme://user:password@ and scheme://token@.
var urlUserinfo = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://([^/?#@\s]+)@`)

// redactValue is what a bundle shows of key=value.
func redactValue(key, value string) string {
	if value == "" {
		return ""
	}
	if secretKey(key) || urlUserinfo.MatchString(value) {
		return Marker
	}
	return value
}

// scrubber replaces every known secret, in each encoding a file of the
// bundle may hold it in, by Marker.
type scrubber struct {
	secrets map[string]bool
	r       *strings.Replacer
}

// minSecret: shorter values ("no", "1") are settings, not secrets, and
// replacing them would shred every file.
const minSecret = 4

func (s *scrubber) add(v string) { s.addMin(v, minSecret) }

// addMin adds v when it has at least min characters.
func (s *scrubber) addMin(v string, min int) {
	v = strings.TrimSpace(v)
	if len(v) < min {
		return
	}
	if s.secrets == nil {
		s.secrets = map[string]bool{}
	}
	s.secrets[v] = true
	// The parts of a URL's userinfo are secrets on their own (a password
	// shows up alone in a log line), decoded and not.
	for _, m := range urlUserinfo.FindAllStringSubmatch(v, -1) {
		user, pass, found := strings.Cut(m[1], ":")
		if !found {
			pass = user
		}
		for _, p := range []string{pass, m[1]} {
			if len(p) >= minSecret {
				s.secrets[p] = true
				if d, err := url.PathUnescape(p); err == nil && len(d) >= minSecret {
					s.secrets[d] = true
				}
			}
		}
	}
	s.r = nil
}

// addEnv adds the values of secret keys in KEY=value lines, and the content
// of files that a *_FILE secret key names (a passphrase file).
func (s *scrubber) addEnv(environ []string) {
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			continue
		}
		// The process environment holds more than secrets: a longer
		// minimum keeps short settings that match by name ("AUTH=yes")
		// from shredding every file.
		if secretKey(k) || urlUserinfo.MatchString(v) {
			s.addMin(v, 8)
		}
		if strings.HasSuffix(strings.ToUpper(k), "_FILE") && secretKey(strings.TrimSuffix(strings.ToUpper(k), "_FILE")) {
			if fi, err := os.Stat(v); err == nil && fi.Mode().IsRegular() && fi.Size() <= 64<<10 {
				if data, err := os.ReadFile(v); err == nil {
					s.add(string(data))
				}
			}
		}
	}
}

func (s *scrubber) replacer() *strings.Replacer {
	if s.r != nil {
		return s.r
	}
	var forms []string
	seen := map[string]bool{}
	for v := range s.secrets {
		for _, f := range encodings(v) {
			if len(f) >= minSecret && !seen[f] {
				seen[f] = true
				forms = append(forms, f)
			}
		}
	}
	// Longest first: a secret that contains another is replaced whole.
	sort.Slice(forms, func(i, j int) bool {
		if len(forms[i]) != len(forms[j]) {
			return len(forms[i]) > len(forms[j])
		}
		return forms[i] < forms[j]
	})
	var pairs []string
	for _, f := range forms {
		pairs = append(pairs, f, Marker)
	}
	s.r = strings.NewReplacer(pairs...)
	return s.r
}

// encodings are the forms a secret takes in the files a bundle holds: as
// is, JSON-escaped, URL-encoded, base64 (both alphabets, padded or not).
func encodings(v string) []string {
	j, _ := json.Marshal(v)
	out := []string{v, strings.Trim(string(j), `"`), url.QueryEscape(v), url.PathEscape(v)}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		out = append(out, enc.EncodeToString([]byte(v)))
	}
	return out
}

func (s *scrubber) scrub(data []byte) []byte {
	if len(s.secrets) == 0 {
		return data
	}
	return []byte(s.replacer().Replace(string(data)))
}
