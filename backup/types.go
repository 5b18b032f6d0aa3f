package backup

import (
	"bufio"
	"bytes"
	"os"
)

// Encrypt says how a new archive is encrypted. Both empty means unencrypted:
// only when the user chose --no-encrypt (the archive then carries no
// encryption password or salt: Manifest.KeysIncluded is false).
type Encrypt struct {
	Passphrase []byte   // age scrypt recipient
	Recipients []string // age X25519 public keys ("age1…")
}

// None reports an unencrypted archive.
func (e Encrypt) None() bool { return len(e.Passphrase) == 0 && len(e.Recipients) == 0 }

// Decrypt is what an archive may be opened with.
type Decrypt struct {
	Passphrase   []byte   // age scrypt, or the openssl passphrase of an appsmithctl .enc
	Identities   []byte   // contents of an age identity file (AGE-SECRET-KEY-… lines)
	IdentityFile string   // its path, named in errors
	PassFile     string   // the passphrase file's path, named in errors
	_            struct{} // keyed literals only
}

// Source is what an archive is written from.
type Source struct {
	// Dump is the spooled database dump (nil in cold mode); the manifest's
	// DB.Dump names its entry.
	Dump *os.File
	// Stacks is the stacks directory the stacks/ entries are read from.
	Stacks string
	// Skip leaves out a path relative to Stacks (slash-separated; a
	// directory skips its whole tree): online backups skip the raw database
	// directories.
	Skip func(rel string) bool
	// Env replaces configuration/docker.env's content in the archive when
	// non-nil (--no-encrypt strips the encryption password and salt).
	Env []byte
}

// Kind is what an archive is, judged by its first bytes, not its name.
type Kind int

const (
	KindUnknown        Kind = iota
	KindNative              // age-encrypted native archive
	KindNativePlain         // unencrypted native archive (zstd)
	KindAppsmithctl         // appsmithctl .tar.gz
	KindAppsmithctlEnc      // appsmithctl .tar.gz.enc (openssl enc, "Salted__")
)

func (k Kind) String() string {
	return [...]string{"not an archive", "encrypted archive", "unencrypted archive", "appsmithctl archive", "encrypted appsmithctl archive"}[k]
}

var (
	ageMagic    = []byte("age-encryption.org/v1\n")
	ageArmor    = []byte("-----BEGIN AGE ENCRYPTED FILE-----")
	zstdMagic   = []byte{0x28, 0xb5, 0x2f, 0xfd}
	gzipMagic   = []byte{0x1f, 0x8b}
	opensslSalt = []byte("Salted__")
)

// Sniff tells an archive's kind from its first bytes without consuming them.
func Sniff(r *bufio.Reader) Kind {
	head, _ := r.Peek(len(ageArmor))
	switch {
	case bytes.HasPrefix(head, ageMagic), bytes.HasPrefix(head, ageArmor):
		return KindNative
	case bytes.HasPrefix(head, zstdMagic):
		return KindNativePlain
	case bytes.HasPrefix(head, gzipMagic):
		return KindAppsmithctl
	case bytes.HasPrefix(head, opensslSalt):
		return KindAppsmithctlEnc
	}
	return KindUnknown
}
