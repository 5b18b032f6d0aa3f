package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/tlsconf"
)

func newTLSCmd(ro *rootOpts, stdio IO, deps Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tls",
		Short: "Show or change TLS: certificate, Let's Encrypt, proxy mode, custom CA roots",
		Long: "Each change is checked before anything is written, then the container is restarted; if Appsmith\n" +
			"does not come back, the previous files are restored and it is restarted on them (exit 1).\n" +
			"A copy of the previous files is kept in <dir>/backups/tls-<time>/.",
	}
	var timeout time.Duration
	cmd.PersistentFlags().DurationVar(&timeout, "timeout", install.Defaults().Timeout, "how long to wait for Appsmith after the restart")
	change := func(name string, build func(args []string) (tlsconf.Change, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			c, err := build(args)
			if err != nil {
				return err
			}
			c.Name = name
			return applyTLS(cmd.Context(), ro, stdio, deps, c, timeout)
		}
	}

	status := &cobra.Command{Use: "status", Short: "Show the TLS mode, domain, certificate and CA roots", Args: cobra.NoArgs}
	var asJSON bool
	status.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	status.RunE = func(cmd *cobra.Command, _ []string) error {
		in, err := locate(cmd.Context(), ro, stdio, deps)
		if err != nil {
			return err
		}
		st := tlsconf.Read(cmd.Context(), in.dir, in.httpsAddr(), deps.now())
		for i, p := range st.Problems {
			st.Problems[i] = hint.WithDir(p, in.dir)
		}
		if asJSON {
			enc := json.NewEncoder(stdio.Out)
			enc.SetIndent("", "  ")
			return enc.Encode(st)
		}
		printTLS(stdio, st)
		return nil
	}

	var cert, key, pass, domain string
	useCert := &cobra.Command{Use: "use-cert", Short: "Serve your own certificate (--cert, --key, optional --domain)", Args: cobra.NoArgs}
	useCert.Flags().StringVar(&cert, "cert", "", "PEM certificate chain")
	useCert.Flags().StringVar(&key, "key", "", "PEM private key")
	useCert.Flags().StringVar(&pass, "key-passphrase-file", "", "passphrase of an encrypted key (stored decrypted: Caddy cannot use it encrypted)")
	useCert.Flags().StringVar(&domain, "domain", "", "domain (default: the certificate's single DNS name)")
	useCert.RunE = change("use-cert", func([]string) (tlsconf.Change, error) {
		_, m, err := loadTLS(install.Options{TLS: install.TLSCustom, Cert: cert, Key: key, KeyPassphraseFile: pass, Domain: domain}, deps.now())
		if err != nil {
			return tlsconf.Change{}, err
		}
		d := m.KeyPair.Domain
		return tlsconf.Change{Mode: install.TLSCustom, Domain: &d, Material: m}, nil
	})

	var leDomain string
	useLE := &cobra.Command{Use: "use-letsencrypt", Short: "Let Caddy get a Let's Encrypt certificate for --domain", Args: cobra.NoArgs}
	useLE.Flags().StringVar(&leDomain, "domain", "", "the domain pointing at this machine")
	useLE.RunE = change("use-letsencrypt", func([]string) (tlsconf.Change, error) {
		o, _, err := loadTLS(install.Options{TLS: install.TLSLetsEncrypt, Domain: leDomain}, deps.now())
		if err != nil {
			return tlsconf.Change{}, err
		}
		return tlsconf.Change{Mode: install.TLSLetsEncrypt, Domain: &o.Domain, RemoveCert: true}, nil
	})

	none := ""
	proxy := &cobra.Command{Use: "proxy", Short: "Serve plain HTTP behind a TLS-terminating proxy (no domain: avoids redirect loops)", Args: cobra.NoArgs,
		RunE: change("proxy", func([]string) (tlsconf.Change, error) {
			return tlsconf.Change{Mode: install.TLSProxy, Domain: &none, RemoveCert: true}, nil
		})}
	disable := &cobra.Command{Use: "disable", Short: "Remove the domain and certificate", Args: cobra.NoArgs,
		RunE: change("disable", func([]string) (tlsconf.Change, error) {
			return tlsconf.Change{Mode: install.TLSNone, Domain: &none, RemoveCert: true}, nil
		})}

	addCA := &cobra.Command{Use: "add-ca FILE...", Short: "Trust custom CA roots (PEM or DER, bundles split)", Args: cobra.MinimumNArgs(1),
		RunE: change("add-ca", func(args []string) (tlsconf.Change, error) {
			_, m, err := loadTLS(install.Options{TLS: install.TLSKeep, CACerts: args}, deps.now())
			if err != nil {
				return tlsconf.Change{}, err
			}
			return tlsconf.Change{Mode: "", Material: m}, nil
		})}
	removeCA := &cobra.Command{Use: "remove-ca NAME...", Short: "Stop trusting CA roots (names as `appsmith tls status` shows them)", Args: cobra.MinimumNArgs(1)}
	removeCA.RunE = func(cmd *cobra.Command, args []string) error {
		in, err := locate(cmd.Context(), ro, stdio, deps)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, r := range tlsconf.Read(cmd.Context(), in.dir, "", deps.now()).CARoots {
			have[r.File] = true
		}
		var names []string
		for _, a := range args {
			n := a
			if !strings.HasSuffix(n, ".crt") && !have[n] {
				n += ".crt"
			}
			if !have[n] || strings.ContainsAny(n, "/\\") {
				return engine.UsageError("no CA root %q in %s/stacks/ca-certs (see `%s`)", a, in.dir, hint.Appsmith(in.dir, "tls status"))
			}
			names = append(names, n)
		}
		return applyTLS(cmd.Context(), ro, stdio, deps, tlsconf.Change{Name: "remove-ca", RemoveCAs: names}, timeout)
	}
	recoverCmd := &cobra.Command{Use: "recover", Short: "Roll back a TLS change that was interrupted (killed, power loss) and restart on the previous files", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return applyTLS(cmd.Context(), ro, stdio, deps, tlsconf.Change{Name: "recover"}, timeout)
		}}
	cmd.AddCommand(status, useCert, useLE, proxy, disable, addCA, removeCA, recoverCmd)
	return cmd
}

// loadTLS validates TLS inputs as an install does; errors name the flag.
func loadTLS(o install.Options, now time.Time) (install.Options, *install.TLSMaterial, error) {
	l := newLoader(install.Options{})
	o, err := install.NormalizeTLS(o)
	if err != nil {
		return o, nil, l.usage(err)
	}
	m, err := install.LoadTLS(o, now)
	return o, m, l.usage(err)
}

func applyTLS(ctx context.Context, ro *rootOpts, stdio IO, deps Deps, c tlsconf.Change, timeout time.Duration) error {
	mode, err := progress.ParseMode(ro.progress)
	if err != nil {
		return engine.UsageError("%v", err)
	}
	// A TLS change killed half-way is undone below, before a new one
	// starts; another operation left unfinished is not this command's.
	ro.guardSkip = tlsconf.IsTLS
	in, err := locateContainerForChange(ctx, ro, stdio, deps)
	if err != nil {
		return err
	}
	defer in.release()
	if c.Mode == "" && in.state != nil { // CA changes keep the mode
		c.Mode = in.state.TLS
	}
	if c.Material != nil {
		for _, w := range c.Material.Warnings {
			fmt.Fprintf(stdio.Err, "warning: %s\n", w)
		}
	}
	if c.Domain != nil {
		if w := install.HTTPSPortWarning(*c.Domain, httpsPort(in)); w != "" {
			fmt.Fprintf(stdio.Err, "warning: %s\n", w)
		}
	}
	want := ""
	if in.state != nil {
		want = in.state.Version
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	defer sink.Close()
	inst := tlsconf.Instance{Dir: in.dir, ContainerID: in.c.ID, BaseURL: in.baseURL(), HTTPSAddr: in.httpsAddr(), Version: want,
		Docker: in.d, HTTP: httpClient(deps), Timeout: timeout, Now: deps.now}
	n, err := tlsconf.Recover(ctx, inst, sink)
	if err != nil {
		return err
	}
	if c.Name == "recover" {
		if n == 0 {
			fmt.Fprintln(stdio.Err, "No interrupted TLS change: nothing to do.")
		}
		return nil
	}
	return tlsconf.Apply(ctx, inst, c, sink)
}

// httpsAddr is where the host reaches the instance's HTTPS port.
func (in *located) httpsAddr() string {
	port := 443
	if in.state != nil {
		port = in.state.HTTPSPort
	}
	host := strings.TrimSuffix(strings.TrimPrefix(in.baseURL(), "http://"), "/")
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = "127.0.0.1"
	}
	if in.c != nil {
		for _, p := range in.c.Ports {
			if p.ContainerPort == 443 {
				port = p.HostPort
			}
		}
	}
	return net.JoinHostPort(h, strconv.Itoa(port))
}

func printTLS(stdio IO, st tlsconf.Status) {
	w := stdio.Out
	fmt.Fprintf(w, "TLS: %s", st.Mode)
	if st.Domain != "" {
		fmt.Fprintf(w, " for %s", st.Domain)
	}
	fmt.Fprintln(w)
	if c := st.Certificate; c != nil {
		fmt.Fprintf(w, "  certificate (%s): %s, SANs %s, expires %s (%d days)\n", c.Source, c.Subject,
			strings.Join(c.SANs, ", "), c.NotAfter.Format("2006-01-02"), c.DaysLeft)
	}
	for _, r := range st.CARoots {
		note := ""
		if r.Ignored {
			note = " (not .crt: skipped by the OS store, taken by Java — see the problem below)"
		}
		fmt.Fprintf(w, "  CA root %s: %s, expires %s%s\n", r.File, r.Subject, r.NotAfter.Format("2006-01-02"), note)
	}
	for _, p := range st.Problems {
		fmt.Fprintf(w, "  problem: %s\n", p)
	}
}

// httpsPort is the host port the instance publishes HTTPS on.
func httpsPort(in *located) int {
	_, port, _ := net.SplitHostPort(in.httpsAddr())
	n, _ := strconv.Atoi(port)
	return n
}
