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
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/tlsconf"
)

// TLSOptions are what every `appsmith tls` command shares.
type TLSOptions struct {
	IO      IO
	Deps    Deps
	Root    *rootOpts
	Timeout time.Duration // how long to wait for Appsmith after the restart
}

// NewCmdTLS builds `tls` and its commands.
func NewCmdTLS(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tls",
		Short: "Show or change TLS: certificate, Let's Encrypt, proxy mode, custom CA roots",
		Long: "Each change is checked before anything is written, then the container is restarted; if Appsmith\n" +
			"does not come back, the previous files are restored and it is restarted on them (exit 1).\n" +
			"A copy of the previous files is kept in <dir>/backups/tls-<time>/.",
	}
	cmd.PersistentFlags().Duration("timeout", install.Defaults().Timeout, "how long to wait for Appsmith after the restart")
	cmd.AddCommand(NewCmdTLSStatus(f, nil), NewCmdTLSUseCert(f, nil), NewCmdTLSUseLetsEncrypt(f, nil),
		NewCmdTLSProxy(f, nil), NewCmdTLSDisable(f, nil), NewCmdTLSAddCA(f, nil), NewCmdTLSRemoveCA(f, nil), NewCmdTLSRecover(f, nil))
	return cmd
}

// tlsOptions are the shared options as the command line gives them: the
// --timeout of `tls` (the default when a command is built on its own).
func tlsOptions(f *Factory, cmd *cobra.Command) TLSOptions {
	o := TLSOptions{IO: f.IO, Deps: f.Deps, Root: f.root, Timeout: install.Defaults().Timeout}
	if t, err := cmd.Flags().GetDuration("timeout"); err == nil {
		o.Timeout = t
	}
	return o
}

// TLSStatusOptions are `appsmith tls status`'s.
type TLSStatusOptions struct {
	TLSOptions
	JSON bool
}

// NewCmdTLSStatus builds `tls status`; runF replaces tlsStatusRun.
func NewCmdTLSStatus(f *Factory, runF func(*TLSStatusOptions) error) *cobra.Command {
	opts := &TLSStatusOptions{}
	cmd := &cobra.Command{Use: "status", Short: "Show the TLS mode, domain, certificate and CA roots", Args: cobra.NoArgs}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		opts.TLSOptions = tlsOptions(f, cmd)
		if runF != nil {
			return runF(opts)
		}
		return tlsStatusRun(cmd.Context(), opts)
	}
	return cmd
}

func tlsStatusRun(ctx context.Context, opts *TLSStatusOptions) error {
	in, err := locate(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	st := tlsconf.Read(ctx, in.dir, in.httpsAddr(), opts.Deps.now())
	for i, p := range st.Problems {
		st.Problems[i] = hint.WithDir(p, in.dir)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	printTLS(opts.IO, st)
	return nil
}

// TLSUseCertOptions are `appsmith tls use-cert`'s.
type TLSUseCertOptions struct {
	TLSOptions
	Cert, Key, KeyPassphraseFile string // files
	Domain                       string // "": the certificate's single DNS name
}

// NewCmdTLSUseCert builds `tls use-cert`; runF replaces tlsUseCertRun.
func NewCmdTLSUseCert(f *Factory, runF func(*TLSUseCertOptions) error) *cobra.Command {
	opts := &TLSUseCertOptions{}
	cmd := &cobra.Command{Use: "use-cert", Short: "Serve your own certificate (--cert, --key, optional --domain)", Args: cobra.NoArgs}
	cmd.Flags().StringVar(&opts.Cert, "cert", "", "PEM certificate chain")
	cmd.Flags().StringVar(&opts.Key, "key", "", "PEM private key")
	cmd.Flags().StringVar(&opts.KeyPassphraseFile, "key-passphrase-file", "", "passphrase of an encrypted key (stored decrypted: Caddy cannot use it encrypted)")
	cmd.Flags().StringVar(&opts.Domain, "domain", "", "domain (default: the certificate's single DNS name)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		opts.TLSOptions = tlsOptions(f, cmd)
		if runF != nil {
			return runF(opts)
		}
		return tlsUseCertRun(cmd.Context(), opts)
	}
	return cmd
}

func tlsUseCertRun(ctx context.Context, opts *TLSUseCertOptions) error {
	_, m, err := loadTLS(install.Options{TLS: install.TLSCustom, Cert: opts.Cert, Key: opts.Key, KeyPassphraseFile: opts.KeyPassphraseFile, Domain: opts.Domain}, opts.Deps.now())
	if err != nil {
		return err
	}
	d := m.KeyPair.Domain
	return applyTLS(ctx, opts.TLSOptions, tlsconf.Change{Name: "use-cert", Mode: install.TLSCustom, Domain: &d, Material: m})
}

// TLSUseLetsEncryptOptions are `appsmith tls use-letsencrypt`'s.
type TLSUseLetsEncryptOptions struct {
	TLSOptions
	Domain string
}

// NewCmdTLSUseLetsEncrypt builds `tls use-letsencrypt`; runF replaces
// tlsUseLetsEncryptRun.
func NewCmdTLSUseLetsEncrypt(f *Factory, runF func(*TLSUseLetsEncryptOptions) error) *cobra.Command {
	opts := &TLSUseLetsEncryptOptions{}
	cmd := &cobra.Command{Use: "use-letsencrypt", Short: "Let Caddy get a Let's Encrypt certificate for --domain", Args: cobra.NoArgs}
	cmd.Flags().StringVar(&opts.Domain, "domain", "", "the domain pointing at this machine")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		opts.TLSOptions = tlsOptions(f, cmd)
		if runF != nil {
			return runF(opts)
		}
		return tlsUseLetsEncryptRun(cmd.Context(), opts)
	}
	return cmd
}

func tlsUseLetsEncryptRun(ctx context.Context, opts *TLSUseLetsEncryptOptions) error {
	o, _, err := loadTLS(install.Options{TLS: install.TLSLetsEncrypt, Domain: opts.Domain}, opts.Deps.now())
	if err != nil {
		return err
	}
	return applyTLS(ctx, opts.TLSOptions, tlsconf.Change{Name: "use-letsencrypt", Mode: install.TLSLetsEncrypt, Domain: &o.Domain, RemoveCert: true})
}

// NewCmdTLSProxy builds `tls proxy`; runF replaces tlsProxyRun.
func NewCmdTLSProxy(f *Factory, runF func(*TLSOptions) error) *cobra.Command {
	return tlsCmd(f, runF, tlsProxyRun, &cobra.Command{Use: "proxy", Short: "Serve plain HTTP behind a TLS-terminating proxy (no domain: avoids redirect loops)", Args: cobra.NoArgs})
}

func tlsProxyRun(ctx context.Context, opts *TLSOptions) error {
	none := ""
	return applyTLS(ctx, *opts, tlsconf.Change{Name: "proxy", Mode: install.TLSProxy, Domain: &none, RemoveCert: true})
}

// NewCmdTLSDisable builds `tls disable`; runF replaces tlsDisableRun.
func NewCmdTLSDisable(f *Factory, runF func(*TLSOptions) error) *cobra.Command {
	return tlsCmd(f, runF, tlsDisableRun, &cobra.Command{Use: "disable", Short: "Remove the domain and certificate", Args: cobra.NoArgs})
}

func tlsDisableRun(ctx context.Context, opts *TLSOptions) error {
	none := ""
	return applyTLS(ctx, *opts, tlsconf.Change{Name: "disable", Mode: install.TLSNone, Domain: &none, RemoveCert: true})
}

// NewCmdTLSRecover builds `tls recover`; runF replaces tlsRecoverRun.
func NewCmdTLSRecover(f *Factory, runF func(*TLSOptions) error) *cobra.Command {
	return tlsCmd(f, runF, tlsRecoverRun, &cobra.Command{Use: "recover", Short: "Roll back a TLS change that was interrupted (killed, power loss) and restart on the previous files", Args: cobra.NoArgs})
}

func tlsRecoverRun(ctx context.Context, opts *TLSOptions) error {
	return applyTLS(ctx, *opts, tlsconf.Change{Name: "recover"})
}

// tlsCmd wires a tls command whose options are only the shared ones.
func tlsCmd(f *Factory, runF func(*TLSOptions) error, run func(context.Context, *TLSOptions) error, cmd *cobra.Command) *cobra.Command {
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		opts := tlsOptions(f, cmd)
		if runF != nil {
			return runF(&opts)
		}
		return run(cmd.Context(), &opts)
	}
	return cmd
}

// TLSCAOptions are `appsmith tls add-ca FILE...` and `remove-ca NAME...`'s.
type TLSCAOptions struct {
	TLSOptions
	Args []string // files to add, or names of roots to remove
}

// NewCmdTLSAddCA builds `tls add-ca`; runF replaces tlsAddCARun.
func NewCmdTLSAddCA(f *Factory, runF func(*TLSCAOptions) error) *cobra.Command {
	return tlsCACmd(f, runF, tlsAddCARun, &cobra.Command{Use: "add-ca FILE...", Short: "Trust custom CA roots (PEM or DER, bundles split)", Args: cobra.MinimumNArgs(1)})
}

func tlsAddCARun(ctx context.Context, opts *TLSCAOptions) error {
	_, m, err := loadTLS(install.Options{TLS: install.TLSKeep, CACerts: opts.Args}, opts.Deps.now())
	if err != nil {
		return err
	}
	return applyTLS(ctx, opts.TLSOptions, tlsconf.Change{Name: "add-ca", Mode: "", Material: m})
}

// NewCmdTLSRemoveCA builds `tls remove-ca`; runF replaces tlsRemoveCARun.
func NewCmdTLSRemoveCA(f *Factory, runF func(*TLSCAOptions) error) *cobra.Command {
	return tlsCACmd(f, runF, tlsRemoveCARun, &cobra.Command{Use: "remove-ca NAME...", Short: "Stop trusting CA roots (names as `appsmith tls status` shows them)", Args: cobra.MinimumNArgs(1)})
}

func tlsRemoveCARun(ctx context.Context, opts *TLSCAOptions) error {
	in, err := locate(ctx, opts.Root, opts.IO, opts.Deps)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, r := range tlsconf.Read(ctx, in.dir, "", opts.Deps.now()).CARoots {
		have[r.File] = true
	}
	var names []string
	for _, a := range opts.Args {
		n := a
		if !strings.HasSuffix(n, ".crt") && !have[n] {
			n += ".crt"
		}
		if !have[n] || strings.ContainsAny(n, "/\\") {
			return engine.UsageError("no CA root %q in %s/stacks/ca-certs (see `%s`)", a, in.dir, hint.Appsmith(in.dir, "tls status"))
		}
		names = append(names, n)
	}
	return applyTLS(ctx, opts.TLSOptions, tlsconf.Change{Name: "remove-ca", RemoveCAs: names})
}

func tlsCACmd(f *Factory, runF func(*TLSCAOptions) error, run func(context.Context, *TLSCAOptions) error, cmd *cobra.Command) *cobra.Command {
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		opts := &TLSCAOptions{TLSOptions: tlsOptions(f, cmd), Args: args}
		if runF != nil {
			return runF(opts)
		}
		return run(cmd.Context(), opts)
	}
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

func applyTLS(ctx context.Context, opts TLSOptions, c tlsconf.Change) error {
	ro, stdio, deps, timeout := opts.Root, opts.IO, opts.Deps, opts.Timeout
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
		if p := instance.PublishedPorts(*in.c); p.HTTPSPort != 0 {
			port = p.HTTPSPort
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
