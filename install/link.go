package install

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// LinkName is the day-two name the binary answers to.
const LinkName = "appsmith"

// observeLink: an install puts `appsmith` on PATH (--link-dir, by default
// /usr/local/bin, so in effect a root install) unless it is already there and
// points at this binary. A file there that is not a link is left alone
// (someone else's program). The link is optional, so a link dir that is
// missing or not writable is a warning, never a failure, but it is said:
// the user was told `appsmith` would be on PATH.
func (in *Installer) observeLink(obs *Observation, linkDir string) {
	if linkDir == "" || in.Host.Executable == nil {
		return
	}
	exe, err := in.executable()
	if err != nil {
		return
	}
	hint := "create it (`mkdir -p " + linkDir + "`) and re-run, or pass --link-dir with a directory on PATH (empty: do not link)"
	switch st, err := os.Stat(linkDir); {
	case err != nil:
		obs.add("link", Warn, hint, "--link-dir %s: %v: the appsmith command will not be linked", linkDir, unwrapPath(err))
		return
	case !st.IsDir():
		obs.add("link", Warn, "pass --link-dir with a directory on PATH (empty: do not link)", "--link-dir %s is not a directory: the appsmith command will not be linked", linkDir)
		return
	case unix.Access(linkDir, unix.W_OK) != nil:
		obs.add("link", Warn, "run as root (sudo), or pass --link-dir with a directory on PATH this user can write",
			"cannot write --link-dir %s: the appsmith command will not be linked (run it as %s)", linkDir, exe)
		return
	}
	path := filepath.Join(linkDir, LinkName)
	fi, err := os.Lstat(path)
	switch {
	case os.IsNotExist(err):
		obs.LinkNeeded = true
	case err != nil:
	case fi.Mode()&os.ModeSymlink == 0:
		obs.add("link", Warn, "", "%s exists and is not a link: left alone (run day-two commands as %s)", path, exe)
	case PointsAt(path, exe):
		obs.Link = path
	default:
		obs.LinkNeeded = true // a stale link (an older installer, a moved binary)
	}
}

// PointsAt reports whether the link at path resolves to the binary exe.
func PointsAt(path, exe string) bool {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return false
	}
	real, err := filepath.EvalSymlinks(exe)
	return err == nil && target == real
}

// unwrapPath drops the path an *os.PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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

// ContainerLister is what finding the installs that share a link needs of
// the engine: an uninstall asks no more of it.
type ContainerLister interface {
	ContainerList(ctx context.Context, labels map[string]string) ([]docker.Container, error)
}

var _ ContainerLister = (*docker.Client)(nil)

// RemovableLink is the `appsmith` link an uninstall of dir may remove, or
// "": the one its state recorded, only while it still points at this binary
// (never a link someone re-pointed at another program or another installer),
// and only when no other install on the engine may use it. users lists
// those installs' dirs, to say why the link stays.
func RemovableLink(ctx context.Context, d ContainerLister, dir, link string, executable func() (string, error)) (remove string, users []string, err error) {
	if link == "" || executable == nil {
		return "", nil, nil
	}
	exe, err := executable()
	if err != nil || !PointsAt(link, exe) {
		return "", nil, nil
	}
	if users, err = LinkUsers(ctx, d, dir, link); err != nil || len(users) > 0 {
		return "", users, err
	}
	return link, nil, nil
}

// LinkUsers lists, sorted, the install dirs of the engine's managed
// containers other than dir that may use link: those whose link-dir label
// names the link's dir; for containers of older installers (no label), all
// but those whose state records another link — one without a readable
// state, or one that found the link already there, may rely on it.
func LinkUsers(ctx context.Context, d ContainerLister, dir, link string) ([]string, error) {
	cs, err := d.ContainerList(ctx, map[string]string{state.LabelManaged: "true"})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	seen := map[string]bool{}
	var dirs []string
	for _, c := range cs {
		od := c.Labels[state.LabelDir]
		if od == "" || od == dir || seen[od] {
			continue
		}
		seen[od] = true
		if ld, ok := c.Labels[state.LabelLinkDir]; ok {
			if ld != filepath.Dir(link) {
				continue // it links elsewhere, or nowhere
			}
		} else if s, err := state.Load(od); err == nil && s.Link != "" && s.Link != link {
			continue // an older installer's container: its state says
		}
		dirs = append(dirs, od)
	}
	sort.Strings(dirs)
	return dirs, nil
}
