package install

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// What appsmith-install creates in an install dir, and so all that
// `uninstall --purge` may delete: the dir itself is removed only when
// nothing else is left in it. Anything else there belongs to someone else.
var ownedEntries = instance.Owned

// isOwned: one of ownedEntries, or a temp file a killed atomic write of the
// state file left behind (fsutil names them .<name>.tmp-*).
func isOwned(name string) bool {
	for _, o := range ownedEntries {
		if name == o {
			return true
		}
	}
	return strings.HasPrefix(name, "."+state.FileName+".tmp-")
}

// lost+found is the filesystem's, on a dir that is a mount point: it is
// neither ours nor a sign of someone's files.
const lostFound = "lost+found"

// Directories an install never goes into: the root, and well-known system
// dirs, whose other content an install would be mixed with. Their
// subdirectories are fine (/opt/appsmith is the default), except under
// pseudo and volatile filesystems and the engine's own data root.
var (
	systemDirs = map[string]bool{
		"/": true, "/bin": true, "/boot": true, "/dev": true, "/etc": true, "/home": true,
		"/lib": true, "/lib32": true, "/lib64": true, "/libx32": true, "/lost+found": true,
		"/media": true, "/mnt": true, "/opt": true, "/proc": true, "/root": true, "/run": true,
		"/sbin": true, "/snap": true, "/srv": true, "/sys": true, "/tmp": true, "/usr": true,
		"/usr/bin": true, "/usr/include": true, "/usr/lib": true, "/usr/lib32": true, "/usr/lib64": true,
		"/usr/libexec": true, "/usr/local": true, "/usr/local/bin": true, "/usr/local/etc": true,
		"/usr/local/lib": true, "/usr/local/sbin": true, "/usr/local/share": true, "/usr/sbin": true,
		"/usr/share": true, "/usr/src": true, "/var": true, "/var/backups": true, "/var/cache": true,
		"/var/lib": true, "/var/local": true, "/var/lock": true, "/var/log": true, "/var/mail": true,
		"/var/opt": true, "/var/run": true, "/var/spool": true, "/var/tmp": true,
	}
	// Everything under these is lost at reboot, is not a file system at
	// all, or belongs to the Docker engine.
	systemTrees = []string{"/proc", "/sys", "/dev", "/run", "/var/run", "/boot", "/var/lib/docker"}
)

// protectedDir says why dir (absolute, clean) must not be an install dir, or
// "" when it may be. homes are the user's home directories.
func protectedDir(dir string, homes []string) string {
	for _, h := range homes {
		if h != "" && h != "/" && dir == filepath.Clean(h) {
			return "your home directory: choose a directory of its own, such as " + filepath.Join(dir, "appsmith")
		}
	}
	switch {
	case dir == "/":
		return "the root directory: choose a directory of its own, such as /opt/appsmith"
	case filepath.Dir(dir) == "/home":
		return "a home directory: choose a directory of its own, such as " + filepath.Join(dir, "appsmith")
	case systemDirs[dir]:
		return "a system directory: choose a directory of its own, such as " + filepath.Join(dir, "appsmith")
	}
	for _, t := range systemTrees {
		if within(dir, t) {
			return "inside " + t + ", a system directory: choose a directory such as /opt/appsmith"
		}
	}
	return ""
}

// checkProtectedDir is protectedDir for the dir as given and, when it is (or
// passes through) a symbolic link, as resolved: a link to / is /.
func checkProtectedDir(dir string, getenv func(string) string) string {
	homes := userHomes(getenv)
	if why := protectedDir(dir, homes); why != "" {
		return why
	}
	if real := resolveExisting(dir); real != dir {
		if why := protectedDir(real, homes); why != "" {
			return "resolves to " + real + ", " + why
		}
	}
	return ""
}

// userHomes: $HOME, this user's home in the user database, and under sudo
// the invoking user's, whose home `sudo appsmith-install --dir ~` names.
// The environment is the host's (Host.Getenv), so a test sets it.
func userHomes(getenv func(string) string) []string {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var homes []string
	if h := getenv("HOME"); h != "" {
		homes = append(homes, h)
	}
	if u, err := user.Current(); err == nil {
		homes = append(homes, u.HomeDir)
	}
	if name := getenv("SUDO_USER"); name != "" {
		if u, err := user.Lookup(name); err == nil {
			homes = append(homes, u.HomeDir)
		}
	}
	return homes
}

// resolveExisting resolves the symbolic links of the longest existing
// prefix of path and appends the rest unchanged.
func resolveExisting(path string) string {
	rest := ""
	for p := path; ; p = filepath.Dir(p) {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(real, rest)
		}
		if p == filepath.Dir(p) {
			return path
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// within reports whether p is dir or below it.
func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// DirContent is what an install dir holds before an install, or before a
// purge: read from the disk, changing nothing.
type DirContent struct {
	Exists   bool
	NotDir   bool     // the path is a file (or other non-directory)
	Install  bool     // it holds appsmith.yaml or stacks/configuration/docker.env
	Owned    []string // entries appsmith-install created, sorted
	Foreign  []string // entries it did not create, sorted (lost+found aside)
	NestedIn string   // the install dir whose data holds this dir, "" if none
}

// InspectDir reads what dir holds. It fails only when the dir exists and
// cannot be listed.
func InspectDir(dir string) (DirContent, error) {
	var c DirContent
	c.NestedIn = nestedIn(dir)
	if c.NestedIn == "" {
		c.NestedIn = nestedIn(resolveExisting(dir))
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return c, nil
	case err != nil:
		return c, err
	}
	c.Exists = true
	if !st.IsDir() {
		c.NotDir = true
		return c, nil
	}
	c.Install = holdsInstall(dir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return c, err
	}
	for _, e := range entries {
		switch n := e.Name(); {
		case isOwned(n):
			c.Owned = append(c.Owned, n)
		case n != lostFound:
			c.Foreign = append(c.Foreign, n)
		}
	}
	sort.Strings(c.Owned)
	sort.Strings(c.Foreign)
	return c, nil
}

// holdsInstall: the state file, or the docker.env of a first install that
// stopped before the state was written.
func holdsInstall(dir string) bool {
	for _, p := range []string{state.Path(dir), instance.Layout{Dir: dir}.Stacks().DockerEnv()} {
		if _, err := os.Lstat(p); err == nil {
			return true
		}
	}
	return false
}

// nestedIn is the install whose own data (stacks/, backups/, journal/)
// holds dir: an install there would mix its files into another instance's
// data, and a purge of that instance would delete it.
func nestedIn(dir string) string {
	for p := filepath.Dir(dir); ; p = filepath.Dir(p) {
		rel, err := filepath.Rel(p, dir)
		if err == nil && holdsInstall(p) {
			first, _, _ := strings.Cut(rel, string(filepath.Separator))
			if first != state.FileName && isOwned(first) {
				return p
			}
		}
		if p == filepath.Dir(p) {
			return ""
		}
	}
}

// checkDir is the preflight check of the install dir: a file, a dir inside
// another install's data, or someone's non-empty dir are refused (unless
// --allow-non-empty-dir); an existing install, an empty or a new dir are fine.
func (in *Installer) checkDir(obs *Observation, o Options) {
	c, err := InspectDir(o.Dir)
	switch {
	case err != nil:
		obs.add("dir", Fail, "choose a --dir this user can read", "cannot read %s: %v", o.Dir, err)
	case c.NotDir:
		obs.add("dir", Fail, "choose another --dir (a new or empty directory)", "--dir %s is a file, not a directory", o.Dir)
	case c.NestedIn != "":
		obs.add("dir", Fail, "choose a --dir outside "+c.NestedIn,
			"%s is inside the data of the Appsmith install in %s", o.Dir, c.NestedIn)
	case c.Install || obs.Container != nil || len(c.Foreign) == 0:
	case o.AllowNonEmptyDir:
		obs.add("dir", OK, "", "%s holds %s (%s) that appsmith-install leaves alone (--allow-non-empty-dir)",
			o.Dir, plural(len(c.Foreign), "other entry"), listSome(c.Foreign, 5))
	default:
		obs.add("dir", Fail, "choose a new or empty --dir, or pass --allow-non-empty-dir to install beside these files (`uninstall --purge` removes only what appsmith-install created)",
			"%s is not empty and holds no Appsmith install: %s", o.Dir, listSome(c.Foreign, 5))
	}
}

// listSome names the first n items and counts the rest.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

func plural(n int, s string) string {
	if n == 1 {
		return "1 " + s
	}
	if strings.HasSuffix(s, "y") {
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(s, "y"))
	}
	return fmt.Sprintf("%d %ss", n, s)
}

// Purge deletes what appsmith-install created in dir (ownedEntries), then
// dir itself when nothing else is left. Everything else stays, and so do
// the owned entries named in keep (an adopted instance's stacks, which were
// there before this tool). It returns what it kept.
func Purge(dir string, keep ...string) (kept []string, err error) {
	c, err := InspectDir(dir)
	if err != nil || !c.Exists || c.NotDir {
		return nil, err
	}
	c = c.Keeping(keep)
	for _, n := range c.Owned {
		if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
			return nil, err
		}
	}
	if len(c.Foreign) == 0 {
		// lost+found, or a mount point, keeps it: that is fine.
		if err := os.Remove(dir); err == nil {
			return nil, nil
		}
	}
	return c.Foreign, nil
}

// Keeping moves the owned entries named in keep to Foreign: what a purge
// then leaves in place.
func (c DirContent) Keeping(keep []string) DirContent {
	if len(keep) == 0 {
		return c
	}
	out := c
	out.Owned, out.Foreign = nil, append([]string(nil), c.Foreign...)
	for _, n := range c.Owned {
		if slices.Contains(keep, n) {
			out.Foreign = append(out.Foreign, n)
		} else {
			out.Owned = append(out.Owned, n)
		}
	}
	sort.Strings(out.Foreign)
	return out
}
