package install

import "fmt"

// HTTPSPortWarning is said when a domain is served on an HTTPS port other
// than 443: Appsmith's HTTP→HTTPS redirect (Caddy, with
// APPSMITH_CUSTOM_DOMAIN set) sends browsers to https://DOMAIN/ without
// the port, so they land on 443, not on Appsmith. "" when there is nothing
// to say.
func HTTPSPortWarning(domain string, httpsPort int) string {
	if domain == "" || httpsPort == 443 {
		return ""
	}
	return fmt.Sprintf("HTTPS on port %d with the domain %s: Appsmith's redirect from HTTP drops the port and sends browsers to https://%s/ (port 443); publish HTTPS on 443 (--https-port 443), or serve it behind a proxy that listens on 443 (--tls proxy)", httpsPort, domain, domain)
}

func (in *Installer) checkHTTPSPort(obs *Observation, o Options) {
	domain := envOptions(o).CustomDomain
	if w := HTTPSPortWarning(domain, o.HTTPSPort); w != "" && !obs.HasEnv {
		obs.add("tls", Warn, "use --https-port 443, or --tls proxy behind a proxy on 443", "%s", w)
	}
}
