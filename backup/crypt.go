package backup

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// scryptWorkFactor is age's own default (2^18, about a second): archives
// leave the host (S3), so an offline guess must stay expensive. It costs
// 256 MiB of memory once, while the key is derived, at any archive size.
var scryptWorkFactor = 18

const maxScryptWorkFactor = 20

// encrypter wraps w in age for enc's passphrase or recipients; the returned
// closer must be closed to write the final chunk (it does not close w).
func encrypter(w io.Writer, enc Encrypt) (io.WriteCloser, error) {
	if len(enc.Passphrase) > 0 && len(enc.Recipients) > 0 {
		return nil, errors.New("encrypt: a passphrase and recipients cannot be used together (age allows a passphrase only alone)")
	}
	var rs []age.Recipient
	if len(enc.Passphrase) > 0 {
		r, err := age.NewScryptRecipient(string(enc.Passphrase))
		if err != nil {
			return nil, fmt.Errorf("encrypt: %w", err)
		}
		r.SetWorkFactor(scryptWorkFactor)
		rs = append(rs, r)
	}
	parsed, err := parseRecipients(enc.Recipients)
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return age.Encrypt(w, append(rs, parsed...)...)
}

// CheckRecipients says whether every recipient is an age public key, so a
// bad --recipient is refused before anything runs.
func CheckRecipients(recipients []string) error {
	_, err := parseRecipients(recipients)
	return err
}

func parseRecipients(recipients []string) ([]age.Recipient, error) {
	var rs []age.Recipient
	for i, s := range recipients {
		parsed, err := age.ParseRecipients(strings.NewReader(strings.TrimSpace(s)))
		if err != nil || len(parsed) != 1 {
			// Not quoted: a secret key given by mistake must not be printed.
			return nil, fmt.Errorf("--recipient %d of %d is not an age public key (age1…; `age-keygen -y KEYFILE` prints one)", i+1, len(recipients))
		}
		rs = append(rs, parsed...)
	}
	return rs, nil
}

// ageHeader reads the recipient types of an age header from the buffered
// first bytes ("scrypt", "X25519", …) without consuming them, so errors say
// which key the archive wants, and the header's length (0 if not within the
// buffer), so a failing chunk can be placed in the file.
func ageHeader(br *bufio.Reader) (passphrase, keys bool, size int) {
	head, _ := br.Peek(br.Size())
	for off := 0; off < len(head); {
		end := bytes.IndexByte(head[off:], '\n')
		if end < 0 {
			break
		}
		line := string(head[off : off+end])
		off += end + 1
		if strings.HasPrefix(line, "--- ") {
			size = off
			break
		}
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "->" {
			continue
		}
		if f[1] == "scrypt" {
			passphrase = true
		} else {
			keys = true
		}
	}
	return passphrase, keys, size
}

// age's payload: a 16-byte nonce, then chunks of 64 KiB plaintext + 16 bytes
// of tag, the last one shorter.
const (
	ageNonce = 16
	ageChunk = 64 << 10
	ageTag   = 16
)

// decrypter opens an age stream with dec's passphrase or identities. src
// tells how many bytes the file had and whether it ended, to tell a
// truncated file from a damaged one. Errors, then and while reading, wrap
// ErrNeedKey, ErrWrongKey, ErrTruncated or ErrCorrupt and name the flag or
// file to change.
func decrypter(br *bufio.Reader, src *counter, dec Decrypt) (io.Reader, error) {
	pass, keys, hdrLen := ageHeader(br)
	want := "--passphrase-file or --identity"
	switch {
	case pass && !keys:
		want = "--passphrase-file"
	case keys && !pass:
		want = "--identity"
	}
	var ids []age.Identity
	if len(dec.Passphrase) > 0 {
		id, err := age.NewScryptIdentity(string(dec.Passphrase))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrWrongKey, orName(dec.PassFile, "the passphrase"), err)
		}
		// 2^20 (1 GiB of memory) at most: archives are written at 2^18, and a
		// hostile header must not make a restore allocate 4 GiB (age's 2^22).
		id.SetMaxWorkFactor(maxScryptWorkFactor)
		ids = append(ids, id)
	}
	if len(dec.Identities) > 0 {
		parsed, err := age.ParseIdentities(bytes.NewReader(dec.Identities))
		if err != nil {
			// age's parse errors never quote the secret line.
			return nil, fmt.Errorf("%w: %s is not an age identity file: %v", ErrWrongKey, orName(dec.IdentityFile, "--identity"), err)
		}
		ids = append(ids, parsed...)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: give %s", ErrNeedKey, want)
	}
	var in io.Reader = br
	if head, _ := br.Peek(len(ageArmor)); bytes.Equal(head, ageArmor) {
		in = armor.NewReader(br) // age -a: the same file in PEM-like text
	}
	r, err := age.Decrypt(in, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		switch {
		case errors.As(err, &nm):
			gave := "--identity"
			if len(dec.Passphrase) > 0 {
				gave = "--passphrase-file"
			}
			if want == gave || (len(dec.Passphrase) > 0 && len(dec.Identities) > 0) {
				return nil, fmt.Errorf("%w: %s does not open it: it is not the key this archive was encrypted with", ErrWrongKey, keyNames(dec))
			}
			return nil, fmt.Errorf("%w: %s does not open it: the archive was encrypted for %s", ErrWrongKey, keyNames(dec), want)
		case hdrLen == 0 && src.eof, errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%w: it ends within its encryption header (%d bytes)", ErrTruncated, src.n)
		}
		return nil, fmt.Errorf("%w: its encryption header: %v", ErrCorrupt, err)
	}
	lr := &layer{r: r}
	lr.classify = func(err error) error {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: it ends after %d bytes, between two parts", ErrTruncated, src.n)
		}
		// age tried the failing chunk as the last one when it was short:
		// a file cut within a chunk, or damage to its very end.
		start := int64(hdrLen) + ageNonce + lr.n/ageChunk*(ageChunk+ageTag)
		if src.eof && hdrLen > 0 && src.n-start < ageChunk+ageTag {
			return fmt.Errorf("%w: it ends after %d bytes, within a part (or its last part is damaged)", ErrTruncated, src.n)
		}
		return fmt.Errorf("%w: the encrypted data after %d bytes of content does not authenticate: %v", ErrCorrupt, lr.n, err)
	}
	return lr, nil
}

// counter counts what is read from an archive file and whether it ended.
type counter struct {
	r   io.Reader
	n   int64
	eof bool
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err == io.EOF {
		c.eof = true
	}
	return n, err
}

// layer types the errors of one reading layer (age, zstd) as they happen,
// so tar's own reading errors are told from those beneath it.
type layer struct {
	r        io.Reader
	n        int64
	classify func(error) error
}

func (l *layer) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if err != nil && err != io.EOF && !typed(err) {
		err = l.classify(err)
	}
	return n, err
}

// typed: err already says what is wrong (or that the work was cancelled).
func typed(err error) bool {
	for _, s := range []error{ErrTruncated, ErrCorrupt, ErrWrongKey, ErrNeedKey, ErrNotArchive, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func orName(name, alt string) string {
	if name != "" {
		return name
	}
	return alt
}

// keyNames names the keys that were tried, by their files, never their content.
func keyNames(dec Decrypt) string {
	var n []string
	if len(dec.Passphrase) > 0 {
		n = append(n, "the passphrase"+inFile(dec.PassFile))
	}
	if len(dec.Identities) > 0 {
		n = append(n, "the identity"+inFile(dec.IdentityFile))
	}
	return strings.Join(n, " and ")
}

func inFile(f string) string {
	if f == "" {
		return ""
	}
	return " in " + f
}
