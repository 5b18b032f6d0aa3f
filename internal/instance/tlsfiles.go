package instance

import (
	"bytes"
	"os"
	"path/filepath"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/certs"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// WriteTLS writes a certificate pair and CA roots into the stacks, where
// the entrypoint reads them at start (ssl/fullchain.pem, ssl/privkey.pem,
// ca-certs/*.crt). A private key already there is kept beside the new one
// first (privkey.pem.bak-<stamp>): it is a secret, and secrets are never
// overwritten without a copy.
func WriteTLS(l stacks.Layout, m *certs.Material, stamp string) error {
	if m == nil {
		return nil
	}
	if kp := m.KeyPair; kp != nil {
		if err := fsutil.EnsureDir(l.SSLDir(), 0o755); err != nil {
			return err
		}
		if old, err := os.ReadFile(l.PrivkeyPEM()); err == nil && !bytes.Equal(old, kp.PrivkeyPEM) {
			if err := fsutil.WriteFileAtomic(l.PrivkeyPEM()+".bak-"+stamp, old, 0o600); err != nil {
				return err
			}
		}
		if err := fsutil.WriteFileAtomic(l.FullchainPEM(), kp.FullchainPEM, 0o644); err != nil {
			return err
		}
		if err := fsutil.WriteFileAtomic(l.PrivkeyPEM(), kp.PrivkeyPEM, 0o600); err != nil {
			return err
		}
	}
	if len(m.CAs) > 0 {
		if err := fsutil.EnsureDir(l.CACertsDir(), 0o755); err != nil {
			return err
		}
	}
	for _, ca := range m.CAs {
		if err := fsutil.WriteFileAtomic(filepath.Join(l.CACertsDir(), ca.Name), ca.PEM, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// StopTimeout is how long a stop waits before killing the container: the
// backend and the embedded databases need time to flush, and a kill after
// a short timeout risks the data this tool exists to protect. The
// container is created with it too, so a reboot waits as long.
const StopTimeout = 2 * time.Minute
