package imageprep_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/imagecheck"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/imageprep"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

const ref = "127.0.0.1:5000/appsmith/appsmith-ee@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func write(t *testing.T, dir, name, body string, mode os.FileMode) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(p) // replace, never write through (a link, or a hard link to the shared base)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, dir, target, name string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(p)
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
}

func setShadow(t *testing.T, dir, user, field string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "etc/shadow"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if f := strings.Split(l, ":"); f[0] == user {
			f[1] = field
			lines[i] = strings.Join(f, ":")
		}
	}
	write(t, dir, "etc/shadow", strings.Join(lines, "\n"), 0o640)
}

// dirty leaves in the tree what a build machine leaves: keys for root and
// a user, passwords, histories, logs and their archives, cloud-init's
// state of the build instance, a machine ID, temp files. (The real Debian
// tree already has host keys, apt lists and dpkg's logs.)
func dirty(t *testing.T, d string) {
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl packer\n"
	write(t, d, "root/.ssh/authorized_keys", key, 0o600)
	write(t, d, "root/.ssh/id_rsa", "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n", 0o600)
	write(t, d, "root/.ssh/known_hosts", strings.Repeat("github.com ssh-ed25519 AAAA\n", 4), 0o644)
	write(t, d, "home/debian/.ssh/authorized_keys", key, 0o600)
	write(t, d, "home/debian/.ssh/authorized_keys2", key, 0o600)
	setShadow(t, d, "root", "$6$rounds=5000$salt$0123456789abcdef")
	setShadow(t, d, "debian", "!$y$j9T$salt$hash") // passwd -l: still refused
	write(t, d, "etc/shadow-", "root:$6$old$hash:19000:0:99999:7:::\n", 0o640)
	write(t, d, "root/.bash_history", "export AWS_SECRET_ACCESS_KEY=abc\n", 0o600)
	write(t, d, "root/.python_history", "import boto3\n", 0o600)
	write(t, d, "home/debian/.zsh_history", ": 1700000000:0;sudo -i\n", 0o600)
	write(t, d, "home/debian/.mysql_history", "select 1;\n", 0o600)
	write(t, d, "var/log/syslog", strings.Repeat("Dec  1 sshd[1]: Accepted publickey for root from 203.0.113.7\n", 20), 0o640)
	write(t, d, "var/log/auth.log.1", "old\n", 0o640)
	write(t, d, "var/log/syslog.2.gz", "\x1f\x8b", 0o640)
	write(t, d, "var/log/dpkg.log-20240101", "old\n", 0o640)
	write(t, d, "var/log/nginx/error.log.3.gz", "\x1f\x8b", 0o640)
	write(t, d, "var/log/cloud-init.log", strings.Repeat("cloud-init ran\n", 10), 0o640)
	write(t, d, "var/log/journal/abc/system.journal", "LPKSHHRH", 0o640)
	write(t, d, "var/lib/cloud/instances/i-0build/boot-finished", "done\n", 0o644)
	write(t, d, "var/lib/cloud/instances/i-0build/user-data.txt", "#cloud-config\n", 0o600)
	symlink(t, d, "/var/lib/cloud/instances/i-0build", "var/lib/cloud/instance")
	write(t, d, "var/lib/cloud/data/instance-id", "i-0build\n", 0o644)
	write(t, d, "var/lib/cloud/sem/config_ssh.once", "", 0o644)
	write(t, d, "etc/machine-id", "4c4c4544004a4b10804bb3c04f584d32\n", 0o444)
	write(t, d, "var/lib/dbus/machine-id", "4c4c4544004a4b10804bb3c04f584d32\n", 0o444)
	write(t, d, "tmp/packer-provisioner.sh", "#!/bin/sh\n", 0o755)
	write(t, d, "tmp/build/x.tar", "x", 0o644)
	write(t, d, "var/tmp/cache", "x", 0o644)
	write(t, d, "var/lib/apt/lists/partial/x_Packages", "x", 0o644)
}

// manifest is what a run may change: every entry's type, mode, size,
// modification time and link target (usr's files are the shared base's).
func manifest(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		v := fmt.Sprintf("%v %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano())
		if d.Type()&fs.ModeSymlink != 0 {
			tgt, _ := os.Readlink(p)
			v += " -> " + tgt
		}
		if d.IsDir() {
			v = fmt.Sprintf("%v", fi.Mode()) // a directory's time moves with a temp file made and renamed in it
		}
		m[strings.TrimPrefix(p, dir)] = v
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func check(t *testing.T, dir string) imagecheck.Report {
	t.Helper()
	fsys, closeFS, err := imagecheck.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFS()
	return imagecheck.Run(context.Background(), fsys, imagecheck.Options{Root: dir})
}

func self(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "appsmith-install")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrepareDirtyTreeThenCheckPasses(t *testing.T) {
	for _, provider := range []string{imageenv.DigitalOcean, imageenv.AWS} {
		t.Run(provider, func(t *testing.T) {
			d := testenv.DebianTree(t)
			dirty(t, d)
			if r := check(t, d); !r.Failed() {
				t.Fatalf("the dirty tree passes image check: %+v", r)
			}
			opts := imageprep.Options{Self: self(t), Image: imageenv.Image{Provider: provider, Edition: "ee", Version: "v1.9.38", Reference: ref}}
			changes, err := imageprep.Prepare(context.Background(), d, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			rep := check(t, d)
			for _, x := range rep.Results {
				offline := x.ID == "security-updates" || x.ID == "docker-engine" || x.ID == "image-present" ||
					(x.ID == "firewall" && provider == imageenv.AWS)
				if x.Status == imagecheck.Fail || (x.Status == imagecheck.Warn && !offline) {
					t.Errorf("after prepare: %s %s: %s %v", x.ID, x.Status, x.Detail, x.Paths)
				}
			}
			// Under --root the package and engine steps are reported, not run.
			var would []string
			for _, c := range changes {
				if c.Action == "would" {
					would = append(would, c.Path)
				}
			}
			for _, w := range []string{"apt-get install -y --no-install-recommends docker.io", "systemctl enable docker.service", "pull " + ref} {
				if !slices.Contains(would, w) {
					t.Errorf("changes lack %q: %v", w, would)
				}
			}
			// Exactly what was asked, no more.
			shadow, _ := os.ReadFile(filepath.Join(d, "etc/shadow"))
			if !strings.Contains(string(shadow), "\nroot:*:") && !strings.HasPrefix(string(shadow), "root:*:") {
				t.Errorf("root's shadow field is not exactly *:\n%s", shadow)
			}
			if !strings.Contains(string(shadow), "\ndebian:!:") {
				t.Errorf("debian's shadow field is not !:\n%s", shadow)
			}
			if fi, err := os.Stat(filepath.Join(d, "etc/shadow")); err != nil || fi.Mode().Perm() != 0o640 {
				t.Errorf("shadow mode %v, %v", fi.Mode(), err)
			}
			if b, err := os.ReadFile(filepath.Join(d, "etc/machine-id")); err != nil || len(b) != 0 {
				t.Errorf("machine-id %q, %v: want an empty file", b, err)
			}
			if fi, err := os.Stat(filepath.Join(d, "root/.ssh/authorized_keys")); err != nil || fi.Size() != 0 {
				t.Errorf("root's authorized_keys: %v, %v: want it kept, empty", fi, err)
			}
			if im, err := imageenv.Read(d); err != nil || im != opts.Image {
				t.Errorf("image.env = %+v, %v", im, err)
			}
			before := manifest(t, d)
			again, err := imageprep.Prepare(context.Background(), d, opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range again {
				if c.Action != "would" {
					t.Errorf("second prepare changed %s %s", c.Action, c.Path)
				}
			}
			after := manifest(t, d)
			for k, v := range after {
				if before[k] != v {
					t.Errorf("second prepare changed %s: %s → %s", k, before[k], v)
				}
			}
			for k := range before {
				if _, ok := after[k]; !ok {
					t.Errorf("second prepare removed %s", k)
				}
			}
		})
	}
}

// Links in the tree that point out of it (absolute, as an image's
// /etc/resolv.conf does, or climbing with ..) are never followed: the
// host's files stay as they were.
func TestPrepareNeverLeavesTheRoot(t *testing.T) {
	d := testenv.DebianTree(t)
	host := t.TempDir()
	write(t, host, "hostlog", strings.Repeat("host log\n", 20), 0o644)
	write(t, host, "history", "host history\n", 0o600)
	write(t, host, "home/.ssh/authorized_keys", "ssh-ed25519 AAAA host\n", 0o600)
	write(t, host, "machine-id", "hosthosthost\n", 0o444)
	write(t, host, "tmpdir/keep", "x", 0o644)
	symlink(t, d, filepath.Join(host, "hostlog"), "var/log/host.log")
	symlink(t, d, "../../.."+host+"/hostlog", "var/log/climb.log")
	symlink(t, d, filepath.Join(host, "history"), "root/.bash_history")
	symlink(t, d, filepath.Join(host, "home"), "home/linked")
	symlink(t, d, filepath.Join(host, "home/.ssh"), "home/debian/.ssh")
	symlink(t, d, filepath.Join(host, "machine-id"), "etc/machine-id")
	symlink(t, d, filepath.Join(host, "tmpdir"), "var/tmp/linked")
	symlink(t, d, "/run/systemd/resolve/stub-resolv.conf", "etc/resolv.conf")
	before := manifest(t, host)
	opts := imageprep.Options{Self: self(t), Image: imageenv.Image{Provider: imageenv.DigitalOcean, Edition: "ce", Version: "v1.9.38", Reference: ref}}
	if _, err := imageprep.Prepare(context.Background(), d, opts, nil); err != nil {
		t.Fatal(err)
	}
	after := manifest(t, host)
	for k, v := range before {
		if after[k] != v {
			t.Errorf("host file %s changed: %s → %s", k, v, after[k])
		}
	}
	if len(after) != len(before) {
		t.Errorf("host dir has %d entries, had %d", len(after), len(before))
	}
	// The links themselves were dealt with inside the tree.
	if fi, err := os.Lstat(filepath.Join(d, "etc/machine-id")); err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
		t.Errorf("etc/machine-id: %v, %v: want an empty regular file in place of the link", fi, err)
	}
	if r := check(t, d); r.Failed() {
		for _, x := range r.Results {
			if x.Status == imagecheck.Fail {
				t.Errorf("%s: %s %v", x.ID, x.Detail, x.Paths)
			}
		}
	}
}

func TestPrepareRefusesAnIncompleteImage(t *testing.T) {
	d := t.TempDir()
	_, err := imageprep.Prepare(context.Background(), d, imageprep.Options{Image: imageenv.Image{Provider: "gcp", Edition: "ce", Version: "v1", Reference: ref}}, nil)
	if err == nil || !strings.Contains(err.Error(), "APPSMITH_PROVIDER") {
		t.Fatalf("err = %v", err)
	}
	if ents, _ := os.ReadDir(d); len(ents) != 0 {
		t.Errorf("wrote %d entries", len(ents))
	}
}

// The drop-in is judged by the real sshd of the Debian tree (OpenSSH 9.2,
// `sshd -T` in a chroot): passwords off and root by key only, even with
// cloud-init's later drop-in turning passwords on; and image check reads
// the configuration the way sshd does.
func TestRealSSHDReadsTheDropIn(t *testing.T) {
	d := testenv.DebianTree(t)
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("chroot needs root and CI=true")
		}
		t.Skip("chroot needs root")
	}
	opts := imageprep.Options{Self: self(t), Image: imageenv.Image{Provider: imageenv.AWS, Edition: "ee", Version: "v1.9.38", Reference: ref}}
	if _, err := imageprep.Prepare(context.Background(), d, opts, nil); err != nil {
		t.Fatal(err)
	}
	write(t, d, "etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n", 0o600)
	if err := os.MkdirAll(filepath.Join(d, "run/sshd"), 0o755); err != nil {
		t.Fatal(err)
	}
	// ssh-keygen and sshd open /dev/null (the rootfs has no devices).
	if err := syscall.Mknod(filepath.Join(d, "dev/null"), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Fatal(err)
	}
	// sshd -T wants a host key; prepare removed the tree's.
	if out, err := exec.Command("chroot", d, "/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "/run/sshd/test_host_key").CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	out, err := exec.Command("chroot", d, "/usr/sbin/sshd", "-T", "-h", "/run/sshd/test_host_key").CombinedOutput()
	if err != nil {
		t.Fatalf("sshd -T: %v: %s", err, out)
	}
	eff := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, " "); ok {
			eff[k] = v
		}
	}
	for k, want := range map[string]string{"passwordauthentication": "no", "kbdinteractiveauthentication": "no", "permitemptypasswords": "no"} {
		if eff[k] != want {
			t.Errorf("sshd -T: %s %q, want %q", k, eff[k], want)
		}
	}
	if v := eff["permitrootlogin"]; v != "without-password" && v != "prohibit-password" {
		t.Errorf("sshd -T: permitrootlogin %q", v)
	}
	rep := check(t, d)
	for _, id := range []string{"sshd-password-auth", "sshd-root-login"} {
		if r, _ := rep.Get(id); r.Status != imagecheck.Pass {
			t.Errorf("%s: %s %s, but sshd agrees with the drop-in", id, r.Status, r.Detail)
		}
	}
}

// On the machine itself the package, service and engine steps run, and only
// when needed: a second prepare installs, enables and pulls nothing. The
// System here stands in for apt, systemctl and the engine, doing to the tree
// what they would.
func TestPrepareOnTheMachineRunsOnlyWhatIsMissing(t *testing.T) {
	d := testenv.DebianTree(t)
	write(t, d, "opt/digitalocean/bin/droplet-agent", "", 0o755)
	symlink(t, d, "/lib/systemd/system/droplet-agent.service", "etc/systemd/system/multi-user.target.wants/droplet-agent.service")
	var ran []string
	pulled := map[string]bool{}
	installed := map[string]bool{"droplet-agent": true}
	sys := &imageprep.System{
		Run: func(_ context.Context, name string, args ...string) error {
			cmd := strings.Join(append([]string{name}, args...), " ")
			ran = append(ran, cmd)
			switch {
			case strings.HasPrefix(cmd, "apt-get install") && strings.Contains(cmd, "docker.io"):
				write(t, d, "usr/sbin/dockerd", "#!/bin/sh\n", 0o755)
			case cmd == "systemctl enable docker.service":
				symlink(t, d, "/lib/systemd/system/docker.service", "etc/systemd/system/multi-user.target.wants/docker.service")
			case cmd == "apt-get purge -y droplet-agent":
				installed["droplet-agent"] = false
			}
			return nil
		},
		Installed: func(pkg string) bool { return installed[pkg] },
		HasImage:  func(_ context.Context, r string) (bool, error) { return pulled[r], nil },
		Pull:      func(_ context.Context, r string) error { pulled[r] = true; return nil },
	}
	opts := imageprep.Options{Self: self(t), Image: imageenv.Image{Provider: imageenv.DigitalOcean, Edition: "ee", Version: "v1.9.38", Reference: ref}}
	changes, err := imageprep.Prepare(context.Background(), d, opts, sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"apt-get update", "apt-get install -y --no-install-recommends docker.io", "systemctl enable docker.service",
		"systemctl start docker.service", "apt-get purge -y droplet-agent"} {
		if !slices.Contains(ran, want) {
			t.Errorf("did not run %q: %v", want, ran)
		}
	}
	if !pulled[ref] {
		t.Errorf("did not pull %s", ref)
	}
	for _, c := range changes {
		if c.Action == "would" {
			t.Errorf("on the machine nothing is left to a later run: %v", c)
		}
	}
	if _, err := os.Lstat(filepath.Join(d, "opt/digitalocean")); !os.IsNotExist(err) {
		t.Errorf("/opt/digitalocean left: %v", err)
	}
	if r := check(t, d); r.Failed() {
		t.Errorf("check after prepare failed: %+v", r)
	}
	ran = nil
	again, err := imageprep.Prepare(context.Background(), d, opts, sys)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 0 || !slices.Equal(ran, []string{"systemctl start docker.service"}) {
		t.Errorf("second prepare: changes %v, ran %v; want none but starting docker", again, ran)
	}
}
