package fsutil

import (
	"os"
	"syscall"
)

// statTimes gives a stat's access, modification and change times; the
// field names differ between Linux and the BSDs.
func statTimes(st *syscall.Stat_t) (atime, mtime, ctime syscall.Timespec) {
	return st.Atimespec, st.Mtimespec, st.Ctimespec
}

// syncFS: macOS has no syncfs(2); a full sync of the file system the
// directory is on is what F_FULLFSYNC on the directory gives there.
func syncFS(d *os.File) error { return d.Sync() }
