package install

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// LinkName is the day-two name the binary answers to.
const LinkName = "appsmith"

// linkNeeded: an install puts `appsmith` on PATH (--link-dir, by default
// /usr/local/bin, so in effect a root install) unless it is already there and
// points at this binary. A file there that is not a link is left alone
// (someone else's program), and so is a directory this user cannot write.
func (in *Installer) linkNeeded(linkDir string) bool {
	if linkDir == "" || in.Host.Executable == nil || unix.Access(linkDir, unix.W_OK) != nil {
		return false
	}
	exe, err := in.executable()
	if err != nil {
		return false
	}
	target, err := os.Readlink(filepath.Join(linkDir, LinkName))
	if err != nil {
		_, statErr := os.Lstat(filepath.Join(linkDir, LinkName))
		return os.IsNotExist(statErr)
	}
	return target != exe
}

func (in *Installer) executable() (string, error) {
	exe, err := in.Host.Executable()
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(exe)
}

// link replaces the link atomically: a new link beside it, then rename.
func (r *run) link(context.Context, engine.Reporter) error {
	exe, err := r.in.executable()
	if err != nil {
		return err
	}
	dst := filepath.Join(r.o.LinkDir, LinkName)
	tmp := fmt.Sprintf("%s.tmp-%d", dst, os.Getpid())
	_ = os.Remove(tmp)
	if err := os.Symlink(exe, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	r.linked = dst
	return nil
}

// OwnLink is the path of the `appsmith` link recorded in the state when it
// still points at an appsmith-install binary, else "" (never remove a link
// someone re-pointed at another program).
func OwnLink(link string) string {
	if link == "" {
		return ""
	}
	target, err := os.Readlink(link)
	if err != nil {
		return ""
	}
	if filepath.Base(target) == "appsmith-install" || filepath.Base(target) == LinkName {
		return link
	}
	return ""
}
