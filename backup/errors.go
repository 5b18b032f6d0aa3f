package backup

import "errors"

// Sentinel errors of reading an archive. They are wrapped with the detail
// (the file, the entry, the flag to use), so errors.Is tells the CLI which
// message and exit code a failure gets.
var (
	ErrWrongKey   = errors.New("the passphrase or identity does not open this archive")
	ErrNeedKey    = errors.New("the archive is encrypted and no key was given")
	ErrTruncated  = errors.New("the archive is truncated")
	ErrCorrupt    = errors.New("the archive is corrupt")
	ErrNotArchive = errors.New("not a backup archive")
)
