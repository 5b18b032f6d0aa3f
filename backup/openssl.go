package backup

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
)

// The format of `openssl enc -aes-256-cbc -pbkdf2 -iter 100000 -k PASS`, the
// command appsmithctl encrypts its archives with: "Salted__", an 8-byte salt,
// then AES-256-CBC with PKCS#7 padding; key and IV are the 48 bytes of
// PBKDF2-HMAC-SHA256(passphrase, salt, 100000) (OpenSSL ≥ 1.1 digests with
// SHA-256 by default, and appsmithctl passes no -md).
const (
	opensslIter    = 100000
	opensslSaltLen = 8
	opensslHeader  = len("Salted__") + opensslSaltLen
	opensslChunk   = 64 << 10
)

// errBadPadding is what a wrong passphrase looks like at the end of the
// stream; after the content has shown the key right (a gzip header decrypted),
// the same symptom means a stream cut at a block boundary.
var errBadPadding = fmt.Errorf("openssl enc: bad padding at the end: %w", ErrWrongKey)

func opensslCipher(pass, salt []byte) (cipher.Block, []byte, error) {
	kiv, err := pbkdf2.Key(sha256.New, string(pass), salt, opensslIter, 32+aes.BlockSize)
	if err != nil {
		return nil, nil, err
	}
	block, err := aes.NewCipher(kiv[:32])
	if err != nil {
		return nil, nil, err
	}
	return block, kiv[32:], nil
}

// NewOpenSSLReader decrypts an `openssl enc -aes-256-cbc -pbkdf2 -iter 100000`
// stream as it is read, holding at most 64 KiB. An empty passphrase is
// ErrNeedKey; a stream not starting with "Salted__" is ErrNotArchive; a
// length that is not whole blocks is ErrTruncated; bad padding at the end
// (almost always a wrong passphrase) wraps ErrWrongKey and comes with the
// last Read, so only a reader that reaches EOF knows the content is whole.
func NewOpenSSLReader(r io.Reader, passphrase []byte) (io.Reader, error) {
	if len(passphrase) == 0 {
		return nil, ErrNeedKey
	}
	head := make([]byte, opensslHeader)
	if n, err := io.ReadFull(r, head); err != nil {
		if n > 0 && !bytes.HasPrefix(head[:n], opensslSalt[:min(n, len(opensslSalt))]) {
			return nil, fmt.Errorf("%w: no openssl \"Salted__\" header", ErrNotArchive)
		}
		return nil, fmt.Errorf("%w: %d bytes, shorter than the openssl header", ErrTruncated, n)
	}
	if !bytes.HasPrefix(head, opensslSalt) {
		return nil, fmt.Errorf("%w: no openssl \"Salted__\" header", ErrNotArchive)
	}
	block, iv, err := opensslCipher(passphrase, head[len(opensslSalt):])
	if err != nil {
		return nil, err
	}
	return &opensslReader{r: r, mode: cipher.NewCBCDecrypter(block, iv), buf: make([]byte, opensslChunk+aes.BlockSize), plain: make([]byte, opensslChunk+aes.BlockSize)}, nil
}

type opensslReader struct {
	r     io.Reader
	mode  cipher.BlockMode
	buf   []byte // ciphertext read, buf[:have] not yet decrypted
	have  int
	plain []byte // decrypted, out aliases it
	out   []byte
	err   error
}

func (o *opensslReader) Read(p []byte) (int, error) {
	for len(o.out) == 0 {
		if o.err != nil {
			return 0, o.err
		}
		o.fill()
	}
	n := copy(p, o.out)
	o.out = o.out[n:]
	return n, nil
}

// fill decrypts what the next read brings, always holding back the last
// whole block: only at EOF is it known to be the one carrying the padding.
func (o *opensslReader) fill() {
	m, err := o.r.Read(o.buf[o.have:])
	o.have += m
	switch {
	case err == io.EOF:
		o.final()
		return
	case err != nil:
		o.err = err
		return
	}
	full := o.have / aes.BlockSize * aes.BlockSize
	if full == o.have {
		full -= aes.BlockSize
	}
	if full <= 0 {
		return
	}
	o.mode.CryptBlocks(o.plain[:full], o.buf[:full])
	o.out = o.plain[:full]
	o.have = copy(o.buf, o.buf[full:o.have])
}

// final decrypts the held-back block(s) and strips the PKCS#7 padding.
func (o *opensslReader) final() {
	o.err = io.EOF
	if o.have == 0 || o.have%aes.BlockSize != 0 {
		o.err = fmt.Errorf("%w: the encrypted stream ends inside a block", ErrTruncated)
		return
	}
	o.mode.CryptBlocks(o.plain[:o.have], o.buf[:o.have])
	last := o.plain[:o.have]
	pad := int(last[len(last)-1])
	if pad == 0 || pad > aes.BlockSize || !bytes.Equal(last[len(last)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		o.out = nil
		o.err = errBadPadding
		return
	}
	o.out = last[:len(last)-pad]
	o.have = 0
}

// NewOpenSSLWriter encrypts what is written to w in the format appsmithctl
// writes (see NewOpenSSLReader), with a fresh random salt. Close writes the
// padding; it does not close w.
func NewOpenSSLWriter(w io.Writer, passphrase []byte) (io.WriteCloser, error) {
	if len(passphrase) == 0 {
		return nil, ErrNeedKey
	}
	head := make([]byte, opensslHeader)
	copy(head, opensslSalt)
	if _, err := rand.Read(head[len(opensslSalt):]); err != nil {
		return nil, err
	}
	block, iv, err := opensslCipher(passphrase, head[len(opensslSalt):])
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(head); err != nil {
		return nil, err
	}
	return &opensslWriter{w: w, mode: cipher.NewCBCEncrypter(block, iv), buf: make([]byte, 0, opensslChunk+aes.BlockSize)}, nil
}

type opensslWriter struct {
	w      io.Writer
	mode   cipher.BlockMode
	buf    []byte // plaintext not yet encrypted
	err    error
	closed bool
}

func (o *opensslWriter) Write(p []byte) (int, error) {
	if o.closed {
		return 0, errors.New("openssl enc: write after close")
	}
	n := 0
	for len(p) > 0 && o.err == nil {
		k := min(len(p), opensslChunk-len(o.buf))
		o.buf = append(o.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(o.buf) == opensslChunk {
			o.flush(opensslChunk)
		}
	}
	return n, o.err
}

// flush encrypts and writes the first n bytes of buf (whole blocks).
func (o *opensslWriter) flush(n int) {
	o.mode.CryptBlocks(o.buf[:n], o.buf[:n])
	if _, err := o.w.Write(o.buf[:n]); err != nil {
		o.err = err
	}
	o.buf = o.buf[:copy(o.buf, o.buf[n:])]
}

func (o *opensslWriter) Close() error {
	if o.closed {
		return o.err
	}
	o.closed = true
	if o.err != nil {
		return o.err
	}
	pad := aes.BlockSize - len(o.buf)%aes.BlockSize
	o.buf = append(o.buf, bytes.Repeat([]byte{byte(pad)}, pad)...)
	o.flush(len(o.buf))
	return o.err
}
