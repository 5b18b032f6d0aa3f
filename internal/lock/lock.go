// Package lock keeps two appsmith-install processes from changing the same
// install dir at once (cloud-init re-running while an operator upgrades, two
// terminals).
//
// The lock is a listening socket in Linux's abstract namespace, named after
// the install dir: binding it is atomic, the kernel releases it when the
// process dies (a killed run leaves no stale lock), and it writes nothing on
// disk, so a run that fails before changing anything leaves no trace.
package lock

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// ErrBusy means another process holds the lock.
var ErrBusy = errors.New("locked")

// Lock is a held lock; Release it when done.
type Lock struct{ l net.Listener }

func address(dir string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(dir)))
	return "@appsmith-install/" + hex.EncodeToString(sum[:16])
}

// Acquire takes the lock of dir without waiting. When another process holds
// it, the error wraps ErrBusy and names that process.
func Acquire(dir string) (*Lock, error) {
	l, err := net.Listen("unix", address(dir))
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("%w: another appsmith-install (%s) is changing %s", ErrBusy, holder(dir), dir)
	}
	if err != nil {
		return nil, err
	}
	// Whoever finds the lock taken may ask who holds it. Not the arguments:
	// they may carry a database password.
	me := fmt.Sprintf("pid %d, %s", os.Getpid(), filepath.Base(os.Args[0]))
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, me)
			c.Close()
		}
	}()
	return &Lock{l: l}, nil
}

func holder(dir string) string {
	c, err := net.DialTimeout("unix", address(dir), time.Second)
	if err != nil {
		return "pid unknown"
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	b, _ := io.ReadAll(io.LimitReader(c, 256))
	if len(b) == 0 {
		return "pid unknown"
	}
	return string(b)
}

// Release drops the lock.
func (l *Lock) Release() error {
	if l == nil || l.l == nil {
		return nil
	}
	return l.l.Close()
}
