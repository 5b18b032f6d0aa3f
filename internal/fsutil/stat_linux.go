package fsutil

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// statTimes gives a stat's access, modification and change times; the
// field names differ between Linux and the BSDs.
func statTimes(st *syscall.Stat_t) (atime, mtime, ctime syscall.Timespec) {
	return st.Atim, st.Mtim, st.Ctim
}

// syncFS makes everything written to d's file system durable with one call
// (syncfs(2)) instead of one fsync per extracted file.
func syncFS(d *os.File) error { return unix.Syncfs(int(d.Fd())) }
