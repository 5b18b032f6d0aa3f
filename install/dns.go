package install

import (
	"context"
	"strings"
	"time"
)

// checkDNS warns when the Let's Encrypt domain does not resolve to this
// machine: Caddy's ACME challenge would fail, and Appsmith would serve a
// certificate error. Only a warning: DNS is often set up in parallel.
func (in *Installer) checkDNS(ctx context.Context, obs *Observation, o Options) {
	if o.HTTPPort != 80 || o.HTTPSPort != 443 {
		obs.add("dns", Warn, "publish on ports 80 and 443, or use --tls custom",
			"Let's Encrypt needs ports 80 and 443 reachable from the internet; this install uses %d and %d", o.HTTPPort, o.HTTPSPort)
	}
	if in.Host.LookupHost == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := in.Host.LookupHost(ctx, o.Domain)
	if err != nil || len(addrs) == 0 {
		obs.add("dns", Warn, "create an A/AAAA record for "+o.Domain+" pointing at this machine; Caddy retries once it resolves",
			"%s does not resolve yet: Let's Encrypt cannot issue a certificate until it does", o.Domain)
		return
	}
	var ours []string
	if in.Host.PublicIPs != nil {
		ours, _ = in.Host.PublicIPs(ctx)
	}
	for _, a := range addrs {
		for _, b := range ours {
			if a == b {
				obs.add("dns", OK, "", "%s resolves to this machine (%s)", o.Domain, a)
				return
			}
		}
	}
	if len(ours) > 0 {
		obs.add("dns", Warn, "point "+o.Domain+" at this machine, or ignore this if a NAT or load balancer forwards ports 80/443 here",
			"%s resolves to %s, but this machine's addresses are %s", o.Domain, strings.Join(addrs, ", "), strings.Join(ours, ", "))
	}
}
