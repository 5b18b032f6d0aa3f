package tlsconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/certs"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// Status is the documented output of `appsmith tls status --json`.
type Status struct {
	Mode        string      `json:"mode"`   // none, letsencrypt, custom, proxy
	Domain      string      `json:"domain"` // APPSMITH_CUSTOM_DOMAIN
	Certificate *CertStatus `json:"certificate,omitempty"`
	CARoots     []CARoot    `json:"ca_roots"`
	Problems    []string    `json:"problems,omitempty"`
}

// CertStatus is the certificate in use, and where it was read.
type CertStatus struct {
	Source string `json:"source"` // "served" (read from the HTTPS port) or "file" (ssl/fullchain.pem)
	certs.Info
}

// CARoot is one file of ca-certs/.
type CARoot struct {
	File string `json:"file"`
	certs.Info
	// Ignored: not .crt, so the OS trust store skips it — while Appsmith's
	// entrypoint still feeds it to the Java truststore (a precedence slip
	// in its find): half-trusted, which Problems reports.
	Ignored bool `json:"ignored,omitempty"`
}

// Read reports the TLS of the install in dir; httpsAddr ("127.0.0.1:443")
// is dialled to read the certificate actually served, when the domain is set.
func Read(ctx context.Context, dir, httpsAddr string, now time.Time) Status {
	l := instance.Layout{Dir: dir}.Stacks()
	st := Status{CARoots: []CARoot{}}
	if env, err := l.ReadEnv(); err == nil {
		st.Domain, _ = env.Get(stacks.KeyCustomDomain)
	} else {
		st.Problems = append(st.Problems, err.Error())
	}
	_, certErr := os.Stat(l.FullchainPEM())
	switch s, _ := state.Load(dir); {
	case st.Domain != "" && certErr == nil:
		st.Mode = state.TLSCustom
	case st.Domain != "":
		st.Mode = state.TLSLetsEncrypt
	case s != nil && s.TLS == state.TLSProxy:
		st.Mode = state.TLSProxy
	default:
		st.Mode = state.TLSNone
	}
	if st.Domain != "" {
		if c, err := served(ctx, httpsAddr, st.Domain); err == nil {
			st.Certificate = &CertStatus{Source: "served", Info: certs.Describe(c, now)}
		} else {
			st.Problems = append(st.Problems, "cannot read the served certificate: "+err.Error())
		}
	}
	if st.Certificate == nil && certErr == nil {
		if data, err := os.ReadFile(l.FullchainPEM()); err == nil {
			if cs, err := certs.ReadPEMCerts(data); err == nil && len(cs) > 0 {
				st.Certificate = &CertStatus{Source: "file", Info: certs.Describe(cs[0], now)}
			}
		}
	}
	if c := st.Certificate; c != nil && c.DaysLeft < 30 {
		st.Problems = append(st.Problems, "the certificate expires in "+strconv.Itoa(c.DaysLeft)+" days")
	}
	var caProblems []string
	st.CARoots, caProblems = caRoots(l, now)
	st.Problems = append(st.Problems, caProblems...)
	js, err := Unfinished(dir)
	if err != nil {
		st.Problems = append(st.Problems, err.Error())
	}
	for _, j := range js {
		st.Problems = append(st.Problems, "a TLS change ("+j.Op()+", begun "+j.Began().Format(time.RFC3339)+") was interrupted: `appsmith tls recover` rolls it back (the next TLS change also does, before its own)")
	}
	return st
}

func served(ctx context.Context, addr, domain string) (*x509.Certificate, error) {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 3 * time.Second},
		// Reading what is served, not trusting it: the point is to report it.
		Config: &tls.Config{ServerName: domain, InsecureSkipVerify: true}} //nolint:gosec // inspection only
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.(*tls.Conn).ConnectionState().PeerCertificates[0], nil
}

func caRoots(l stacks.Layout, now time.Time) ([]CARoot, []string) {
	out := []CARoot{}
	var problems []string
	entries, _ := os.ReadDir(l.CACertsDir())
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		crt := filepath.Ext(e.Name()) == ".crt"
		data, err := os.ReadFile(filepath.Join(l.CACertsDir(), e.Name()))
		if err != nil {
			problems = append(problems, "ca-certs/"+e.Name()+": "+err.Error())
			continue
		}
		cs, err := certs.ReadPEMCerts(data)
		if err != nil || len(cs) == 0 {
			// The entrypoint hands every file there to keytool: one that is
			// not a certificate makes that import fail at each start.
			problems = append(problems, "ca-certs/"+e.Name()+" is not a PEM certificate, but the container's entrypoint feeds every file in ca-certs/ to the Java truststore: remove it (`appsmith tls add-ca FILE` adds CA roots as .crt)")
			continue
		}
		if !crt {
			problems = append(problems, "ca-certs/"+e.Name()+" is not a .crt file: the OS trust store skips it while the Java truststore takes it, so only some connections trust it; rename it to .crt, or remove it")
		}
		out = append(out, CARoot{File: e.Name(), Info: certs.Describe(cs[0], now), Ignored: !crt})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
	return out, problems
}
