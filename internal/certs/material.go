package certs

// Material is TLS input read and checked, ready to be written into the
// stacks: the certificate pair for a custom certificate and the CA roots.
type Material struct {
	KeyPair  *KeyPair // a custom certificate
	CAs      []CA
	Notes    []string // fix-ups made (a reordered chain, a decrypted key)
	Warnings []string // expiring soon, non-CA roots, ...
}
