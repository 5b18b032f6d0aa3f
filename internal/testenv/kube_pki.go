package testenv

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// kubePKI is the throwaway trust a control plane runs on: one CA that signs
// the apiserver's serving certificate and an admin client certificate in
// system:masters (which every component and test client uses: RBAC lets
// that group do anything, as Helm needs), plus the service-account signing
// key. All files are 0600 in the plane's directory.
type kubePKI struct {
	caPEM                  []byte
	adminCertPEM, adminKey []byte // PEM
	caFile, saKey          string // paths
	serverCert, serverKey  string // paths
	kwokCert, kwokKey      string // paths: kwok's kubelet-like server
}

// nodeIPs are addresses of a kubelet node beside 127.0.0.1 (kwok's), which
// the node's serving certificate names too.
func newKubePKI(dir string, nodeIPs ...net.IP) (*kubePKI, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	// Valid from an hour ago: a plane shared by a long test binary must not
	// see its certificates expire, and clocks of the components agree.
	now := time.Now().Add(-time.Hour)
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "appsmith-install testenv CA"},
		NotBefore:             now,
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	p := &kubePKI{caPEM: pemBlock("CERTIFICATE", caDER)}

	issue := func(tmpl *x509.Certificate) (certPEM, keyPEM []byte, err error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, nil, err
		}
		tmpl.SerialNumber, tmpl.NotBefore, tmpl.NotAfter = serial(), now, now.Add(7*24*time.Hour)
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return nil, nil, err
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		return pemBlock("CERTIFICATE", der), pemBlock("EC PRIVATE KEY", keyDER), nil
	}

	serverCert, serverKey, err := issue(&x509.Certificate{
		Subject: pkix.Name{CommonName: "kube-apiserver"},
		// 127.0.0.1 is where everything connects; the in-cluster names and
		// the first service IP are what pods would use, kept for realism.
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP(kubeAPIServiceIP)},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, err
	}
	// The apiserver reaches a pod's exec, logs and port-forward through
	// the node's address, 127.0.0.1, where kwok serves them.
	kwokCert, kwokKey, err := issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: KubeNodeName},
		IPAddresses: append([]net.IP{net.ParseIP("127.0.0.1")}, nodeIPs...),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return nil, err
	}
	p.adminCertPEM, p.adminKey, err = issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "testenv-admin", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, err
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	saDER, err := x509.MarshalECPrivateKey(saKey)
	if err != nil {
		return nil, err
	}

	p.caFile = filepath.Join(dir, "ca.crt")
	p.serverCert = filepath.Join(dir, "apiserver.crt")
	p.serverKey = filepath.Join(dir, "apiserver.key")
	p.saKey = filepath.Join(dir, "sa.key")
	p.kwokCert = filepath.Join(dir, "kwok.crt")
	p.kwokKey = filepath.Join(dir, "kwok.key")
	for path, data := range map[string][]byte{
		p.caFile: p.caPEM, p.serverCert: serverCert, p.serverKey: serverKey,
		p.kwokCert: kwokCert, p.kwokKey: kwokKey,
		p.saKey: pemBlock("EC PRIVATE KEY", saDER),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// kubeconfig is an admin kubeconfig for the apiserver at server, with the
// credentials inline so the file alone is enough (Helm, client-go, kwok).
func (p *kubePKI) kubeconfig(server string) []byte {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: testenv-admin
  user:
    client-certificate-data: %s
    client-key-data: %s
contexts:
- name: testenv
  context:
    cluster: testenv
    user: testenv-admin
    namespace: default
current-context: testenv
`, server, b64(p.caPEM), b64(p.adminCertPEM), b64(p.adminKey))
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return n
}
