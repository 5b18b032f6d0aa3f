package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/appsmith-install/appsmith-install/install"
)

// verdict is what validation says about one answer.
type verdict struct {
	level install.Level // OK, Warn (shown, does not block) or Fail (blocks)
	msg   string
}

func (v verdict) err() error {
	if v.level == install.Fail {
		return errors.New(v.msg)
	}
	return nil
}

// tlsFields are the answers env.CheckTLS judges.
var tlsFields = map[string]bool{"tls": true, "domain": true, "cert": true, "key": true, "key-passphrase-file": true, "ca-cert": true}

// check validates the answer named name in the context of all the others.
// Option validity comes from install.Options.Normalize, so a message reads
// exactly as the CLI's for the same flag; what needs the machine (a port in
// use, a file that cannot be read) comes from env. Only a problem with this
// answer is reported: the others are judged in their turn, and all of them
// again before the summary.
//
// deep adds env.CheckTLS, which reads and parses certificates and may
// resolve the domain: it runs when an answer is submitted, not on every
// keystroke.
func check(env Env, a *answers, name string, deep bool) verdict {
	fail := func(msg string) verdict { return verdict{install.Fail, msg} }
	owned := func(err error) (verdict, bool) {
		var fe *install.FieldError
		if errors.As(err, &fe) && fe.Field == name {
			return fail(fe.Error()), true
		}
		return verdict{}, false
	}
	o, err := a.options()
	if err != nil {
		v, _ := owned(err)
		return v
	}
	n, err := o.Normalize()
	if v, ok := owned(err); ok {
		return v
	}
	switch name {
	case "http-port", "https-port":
		port := o.HTTPPort
		if name == "https-port" {
			port = o.HTTPSPort
		}
		if env.PortFree != nil {
			if err := env.PortFree(o.BindAddress, port); err != nil {
				// Worded as the preflight check words it.
				return fail(fmt.Sprintf("port %d on %s is in use: %s", port, o.BindAddress, lastPart(err)))
			}
		}
	case "version":
		return releaseVerdict(a, o.Version)
	case "db-url", "redis-url":
		if _, p := splitPassword(strings.TrimSpace(*a.ptr(name))); p != "" {
			return verdict{install.Warn, "this field shows what is typed: leave the password out of the URL and type it in the password field that follows, which hides it"}
		}
	case "cert", "key", "key-passphrase-file", "ca-cert":
		paths := map[string][]string{"cert": {o.Cert}, "key": {o.Key}, "key-passphrase-file": {o.KeyPassphraseFile}}[name]
		if name == "ca-cert" {
			paths = o.CACerts
		}
		for _, p := range paths {
			if v := readable(env, name, p); v.level == install.Fail {
				return v
			}
		}
	}
	if deep && err == nil && tlsFields[name] && env.CheckTLS != nil {
		err := env.CheckTLS(n)
		if v, ok := owned(err); ok {
			return v
		}
		var fe *install.FieldError
		if err != nil && !errors.As(err, &fe) && name == lastTLSField(a.TLS) {
			return fail(err.Error())
		}
	}
	return verdict{level: install.OK}
}

// releaseVerdict flags at once a version the registry does not list: the
// pull would fail at the end of the wizard otherwise. A warning only, since
// the list holds release tags and a registry may serve others (an rc).
func releaseVerdict(a *answers, v string) verdict {
	if t, err := install.NormalizeVersion(v); err == nil {
		v = t // as the tag is spelt: 1.9.2 is v1.9.2
	}
	if a.image() != "" || len(a.releases) == 0 || v == "" || v == "latest" {
		return verdict{level: install.OK}
	}
	for _, t := range a.releases {
		if t == v {
			return verdict{level: install.OK}
		}
	}
	newest := ""
	if cs := versionChoices(a.releases, ""); len(cs) > 1 {
		newest = ", the newest is " + cs[1].Tag
	}
	return verdict{install.Warn, fmt.Sprintf("%s is not in the registry's list of releases%s: the pull will fail unless the registry has it", v, newest)}
}

// lastTLSField is where a TLS error that names no option is shown: the
// last TLS answer asked in that mode.
func lastTLSField(mode string) string {
	if mode == tlsCustom || mode == tlsLetsEncrypt {
		return "domain"
	}
	return "ca-cert"
}

func readable(env Env, name, path string) verdict {
	if path == "" || env.FileReadable == nil {
		return verdict{level: install.OK}
	}
	if err := env.FileReadable(path); err != nil {
		var pe *fs.PathError
		reason := err.Error()
		if errors.As(err, &pe) {
			reason = pe.Err.Error() // the path is in the message already
		}
		return verdict{install.Fail, (&install.FieldError{Field: name, Value: path, Reason: reason}).Error()}
	}
	return verdict{level: install.OK}
}

// lastPart drops the "listen tcp 0.0.0.0:80:" prefix of a net.OpError, as
// the preflight check does, so both say the same thing.
func lastPart(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// visibleFields are the answers asked for, in order: an --image fixes the
// edition and version, and the TLS mode decides which files are asked.
func visibleFields(a *answers) []string {
	f := []string{"dir", "edition", "version", "http-port", "https-port", "tls"}
	if a.image() != "" {
		f = []string{"dir", "http-port", "https-port", "tls"}
	}
	switch a.TLS {
	case tlsLetsEncrypt:
		f = append(f, "domain")
	case tlsCustom:
		f = append(f, "cert", "key", "key-passphrase-file", "domain")
	}
	return append(f, "ca-cert", "db-url", "redis-url")
}

// checkAll is the gate before the summary: the first answer that fails, by
// name, or "" when all pass.
func checkAll(env Env, a *answers) (string, verdict) {
	for _, name := range visibleFields(a) {
		if v := check(env, a, name, true); v.level == install.Fail {
			return name, v
		}
	}
	o, err := a.options()
	if err == nil {
		_, err = o.Normalize()
	}
	if err != nil {
		var fe *install.FieldError
		if errors.As(err, &fe) {
			return fe.Field, verdict{install.Fail, fe.Error()}
		}
		return "", verdict{install.Fail, err.Error()}
	}
	return "", verdict{level: install.OK}
}
