package backup

import "errors"

// What can be wrong with an archive, for errors.Is: the CLI maps each to a
// message naming the file or the flag to fix.
var (
	ErrWrongKey   = errors.New("wrong passphrase or identity")
	ErrNeedKey    = errors.New("the archive is encrypted: a passphrase or identity is needed")
	ErrTruncated  = errors.New("the archive is truncated")
	ErrCorrupt    = errors.New("the archive is corrupt")
	ErrNotArchive = errors.New("not a backup archive")
)
