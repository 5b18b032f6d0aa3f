package imageprep

import (
	"context"
	"io/fs"
	"path"

	"github.com/appsmith-install/appsmith-install/internal/imagecheck"
)

// clean removes what the build machine leaves behind: it runs last, so
// the logs of the steps before it go too.
func clean(_ context.Context, t *tree, _ Options, _ *System) error {
	fsys, ok := t.r.FS().(imagecheck.FS)
	if !ok {
		panic("os.Root's FS lacks ReadLink")
	}
	for _, h := range imagecheck.Homes(fsys) {
		if err := cleanHome(t, h); err != nil {
			return err
		}
	}
	for _, f := range []func(*tree) error{hostKeys, logs, cloudInit, machineID, tmp, aptLists} {
		if err := f(t); err != nil {
			return err
		}
	}
	return nil
}

// cleanHome empties authorized_keys (cloud-init writes the customer's on
// first boot into the file as it is), removes everything else in .ssh and
// empties the histories.
func cleanHome(t *tree, home string) error {
	ssh := path.Join(home, ".ssh")
	if fi, ok := t.lstat(ssh); ok && fi.IsDir() {
		des, err := t.entries(ssh)
		if err != nil {
			return err
		}
		for _, d := range des {
			p := path.Join(ssh, d.Name())
			switch {
			case (d.Name() == "authorized_keys" || d.Name() == "authorized_keys2") && d.Type().IsRegular():
				if err := t.truncate(p); err != nil {
					return err
				}
			default:
				if err := t.remove(p); err != nil {
					return err
				}
			}
		}
	} else if ok {
		if err := t.remove(ssh); err != nil { // a link: whatever it points at is not this image's
			return err
		}
	}
	for _, h := range imagecheck.HistoryFiles {
		p := path.Join(home, h)
		fi, ok := t.lstat(p)
		if !ok {
			continue
		}
		var err error
		if fi.Mode().IsRegular() {
			err = t.truncate(p)
		} else if !fi.IsDir() {
			err = t.remove(p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// hostKeys go: each instance makes its own on first boot (cloud-init's ssh
// module, or sshd's keygen unit).
func hostKeys(t *tree) error {
	des, err := t.entries("etc/ssh")
	if err != nil {
		return err
	}
	for _, d := range des {
		if n := d.Name(); len(n) > 9 && n[:9] == "ssh_host_" {
			if err := t.remove("etc/ssh/" + n); err != nil {
				return err
			}
		}
	}
	return nil
}

// logs: archives are deleted, every other file under /var/log emptied in
// place (a daemon holding it open keeps writing to the same file).
func logs(t *tree) error {
	var archives, live []string
	err := fs.WalkDir(t.r.FS(), "var/log", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == "var/log" {
				return fs.SkipDir
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if imagecheck.RotatedLog(d.Name()) {
			archives = append(archives, p)
		} else {
			live = append(live, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range archives {
		if err := t.remove(p); err != nil {
			return err
		}
	}
	for _, p := range live {
		if err := t.truncate(p); err != nil {
			return err
		}
	}
	return nil
}

// cloudInit removes the build instance's state but not scripts/, where the
// first-boot hook lives (which is why this is not `cloud-init clean`).
func cloudInit(t *tree) error {
	for _, d := range []string{"instance", "instances", "data", "sem", "handlers", "seed"} {
		if err := t.remove("var/lib/cloud/" + d); err != nil {
			return err
		}
	}
	return nil
}

// machineID: an empty /etc/machine-id (kept: systemd reads an empty one as
// "first boot" and fills it); D-Bus's copy goes unless it is the usual link.
func machineID(t *tree) error {
	if fi, ok := t.lstat("etc/machine-id"); !ok || !fi.Mode().IsRegular() || fi.Size() > 0 {
		if ok && !fi.Mode().IsRegular() {
			if err := t.remove("etc/machine-id"); err != nil {
				return err
			}
		}
		if err := t.writeFile("etc/machine-id", nil, 0o444); err != nil {
			return err
		}
	}
	if fi, ok := t.lstat("var/lib/dbus/machine-id"); ok && fi.Mode().IsRegular() {
		return t.remove("var/lib/dbus/machine-id")
	}
	return nil
}

func tmp(t *tree) error {
	for _, dir := range []string{"tmp", "var/tmp"} {
		des, err := t.entries(dir)
		if err != nil {
			return err
		}
		for _, d := range des {
			if err := t.remove(path.Join(dir, d.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

func aptLists(t *tree) error {
	des, err := t.entries("var/lib/apt/lists")
	if err != nil {
		return err
	}
	for _, d := range des {
		switch d.Name() {
		case "lock", "auxfiles":
		case "partial":
			sub, err := t.entries("var/lib/apt/lists/partial")
			if err != nil {
				return err
			}
			for _, s := range sub {
				if err := t.remove("var/lib/apt/lists/partial/" + s.Name()); err != nil {
					return err
				}
			}
		default:
			if err := t.remove("var/lib/apt/lists/" + d.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}
