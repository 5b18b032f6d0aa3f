//go:build !linux

package backup

import "os"

// syncFS: without syncfs, fsync of the directory is the best there is; the
// caller syncs what it renames.
func syncFS(d *os.File) error { return d.Sync() }
