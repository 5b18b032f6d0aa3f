package install

// WithCertDomain returns o with the domain a --tls custom install serves:
// --domain when given, else the one taken from the certificate. Without it
// docker.env gets no APPSMITH_CUSTOM_DOMAIN and the certificate is written
// but never served. The wizard calls it too, to show the plan and the
// equivalent command with the domain the install will use.
func WithCertDomain(o Options, m *TLSMaterial) Options {
	if o.TLS == TLSCustom && m != nil && m.KeyPair != nil && m.KeyPair.Domain != "" {
		o.Domain = m.KeyPair.Domain
	}
	return o
}
