package tlsconf

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/instance"
)

func caPEM(t *testing.T, name string) []byte {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour * 24 * 365), KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// The entrypoint feeds every file in ca-certs/ to the Java truststore, while
// the OS store takes only .crt: tls status flags every other file there.
func TestStatusFlagsWhatTheCAFolderShouldNotHold(t *testing.T) {
	dir := t.TempDir()
	l := instance.Layout{Dir: dir}.Stacks()
	if err := l.Ensure(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(l.DockerEnv(), []byte("APPSMITH_CUSTOM_DOMAIN=\n"), 0o600)
	os.WriteFile(filepath.Join(l.CACertsDir(), "corp.crt"), caPEM(t, "Corp"), 0o644)
	os.WriteFile(filepath.Join(l.CACertsDir(), "other.pem"), caPEM(t, "Other"), 0o644)
	os.WriteFile(filepath.Join(l.CACertsDir(), "notes.txt"), []byte("remember to rotate"), 0o644)
	st := Read(context.Background(), dir, "", time.Now())
	if len(st.CARoots) != 2 || st.CARoots[0].File != "corp.crt" || st.CARoots[0].Ignored || !st.CARoots[1].Ignored {
		t.Errorf("CA roots %+v", st.CARoots)
	}
	all := strings.Join(st.Problems, "\n")
	for _, want := range []string{"ca-certs/other.pem is not a .crt file", "ca-certs/notes.txt is not a PEM certificate"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "corp.crt") {
		t.Errorf("a good .crt root is reported:\n%s", all)
	}
}
