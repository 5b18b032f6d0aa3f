package bundle

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/fsutil"
)

// Key files are two lines of text, in the manner of minisign: a comment
// line that says what the file is (and, for a public key, its ID), then the
// key in base64. The private key file holds the ed25519 seed (32 bytes);
// the public key file the 32-byte public key. The key ID is the first 8
// bytes of the public key's sha256, in hex: what a bundle's signature and
// `bundle verify` name, so a user can tell keys apart without printing one.
const (
	privateHeader = "appsmith bundle private key (ed25519)"
	publicHeader  = "appsmith bundle public key (ed25519)"
	sigHeader     = "appsmith bundle signature (ed25519)"
)

// PublicKey is a bundle signer's public key.
type PublicKey struct{ key ed25519.PublicKey }

// PrivateKey signs bundles.
type PrivateKey struct{ key ed25519.PrivateKey }

// ID names a public key: 16 hex digits.
func (k PublicKey) ID() string {
	sum := sha256.Sum256(k.key)
	return hex.EncodeToString(sum[:8])
}

// Public is the private key's public half.
func (k PrivateKey) Public() PublicKey { return PublicKey{key: k.key.Public().(ed25519.PublicKey)} }

// GenerateKey writes a new key pair: path (0600, created, never
// overwritten) and path.pub. It returns the public key.
func GenerateKey(path string) (PublicKey, error) {
	for _, p := range []string{path, path + ".pub"} {
		if _, err := os.Lstat(p); err == nil {
			return PublicKey{}, fmt.Errorf("%s exists: a key is never overwritten (remove it first, or pick another name)", p)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return PublicKey{}, err
	}
	pk := PublicKey{key: pub}
	privText := privateHeader + " " + pk.ID() + "\n" + base64.StdEncoding.EncodeToString(priv.Seed()) + "\n"
	if err := fsutil.WriteFileAtomic(path, []byte(privText), 0o600); err != nil {
		return PublicKey{}, err
	}
	if err := fsutil.WriteFileAtomic(path+".pub", []byte(marshalPublic(pk)), 0o644); err != nil {
		return PublicKey{}, err
	}
	return pk, nil
}

func marshalPublic(k PublicKey) string {
	return publicHeader + " " + k.ID() + "\n" + base64.StdEncoding.EncodeToString(k.key) + "\n"
}

// ReadPrivateKey reads a key file GenerateKey wrote. Errors name the file
// but never quote its content.
func ReadPrivateKey(path string) (PrivateKey, error) {
	b, err := readKeyFile(path, privateHeader, ed25519.SeedSize)
	if err != nil {
		return PrivateKey{}, err
	}
	return PrivateKey{key: ed25519.NewKeyFromSeed(b)}, nil
}

// ReadPublicKey reads a public key file (FILE.pub of `bundle keygen`).
func ReadPublicKey(path string) (PublicKey, error) {
	b, err := readKeyFile(path, publicHeader, ed25519.PublicKeySize)
	if err != nil {
		return PublicKey{}, err
	}
	return PublicKey{key: ed25519.PublicKey(b)}, nil
}

func readKeyFile(path, header string, size int) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], header) {
		return nil, fmt.Errorf("%s is not an %s file", path, header)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(lines[1]))
	if err != nil || len(b) != size {
		return nil, fmt.Errorf("%s: the key line is not a %d-byte base64 key", path, size)
	}
	return b, nil
}

// sign is the signature member's text: it names the key, carries the
// public key (so a bundle's signature can be checked for consistency
// without a trusted key, which proves integrity but not origin) and the
// signature of msg.
func sign(k PrivateKey, msg []byte) []byte {
	pub := k.Public()
	sig := ed25519.Sign(k.key, msg)
	return []byte(sigHeader + " " + pub.ID() + "\n" +
		base64.StdEncoding.EncodeToString(pub.key) + "\n" +
		base64.StdEncoding.EncodeToString(sig) + "\n")
}

// ErrBadSignature is a signature that does not match (tampered checksums,
// or another key than the trusted one).
var ErrBadSignature = errors.New("the signature does not match")

// checkSignature verifies the signature member over msg and returns the
// signing key. With trusted set, the signing key must be it.
func checkSignature(sigText, msg []byte, trusted *PublicKey) (PublicKey, error) {
	lines := strings.Split(strings.TrimSpace(string(sigText)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], sigHeader) {
		return PublicKey{}, fmt.Errorf("%s is not a bundle signature", SignatureName)
	}
	pub, err1 := base64.StdEncoding.DecodeString(lines[1])
	sig, err2 := base64.StdEncoding.DecodeString(lines[2])
	if err1 != nil || err2 != nil || len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
		return PublicKey{}, fmt.Errorf("%s is malformed", SignatureName)
	}
	signer := PublicKey{key: pub}
	if trusted != nil && !bytes.Equal(trusted.key, signer.key) {
		return signer, fmt.Errorf("%w: the bundle is signed by key %s, not by the trusted key %s", ErrBadSignature, signer.ID(), trusted.ID())
	}
	if !ed25519.Verify(signer.key, msg, sig) {
		return signer, fmt.Errorf("%w: %s was changed after key %s signed it", ErrBadSignature, ChecksumsName, signer.ID())
	}
	return signer, nil
}
