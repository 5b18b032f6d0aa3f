package imagecheck_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/imagecheck"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/imageprep"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// testRef is what image.env records in the fixtures.
const testRef = "127.0.0.1:5000/appsmith/appsmith-ce@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// shared holds, per provider, the Debian root file system after image
// prepare --root: made once per test process, removed by TestMain. Cases
// get hard-linked copies of it (mutations replace files, never write
// through them: see put, rm and link).
var shared struct {
	sync.Mutex
	dirs map[string]string
	tmp  string
	n    int // names of the files put aside
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.tmp != "" {
		_ = os.RemoveAll(shared.tmp)
	}
	os.Exit(code)
}

func preparedTree(t *testing.T, provider string) string {
	t.Helper()
	base := testenv.RequireDebianRootfs(t)
	shared.Lock()
	defer shared.Unlock()
	if d, ok := shared.dirs[provider]; ok {
		return d
	}
	if shared.tmp == "" {
		tmp, err := os.MkdirTemp(filepath.Dir(base), "imagecheck-test-")
		if err != nil {
			t.Fatal(err)
		}
		shared.tmp, shared.dirs = tmp, map[string]string{}
	}
	dir := filepath.Join(shared.tmp, provider)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := testenv.CopyTree(base, dir, "usr"); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(shared.tmp, "appsmith-install")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := imageprep.Options{Self: bin,
		Image: imageenv.Image{Provider: provider, Edition: "ce", Version: "v1.9.38", Reference: testRef}}
	if _, err := imageprep.Prepare(context.Background(), dir, opts, nil); err != nil {
		t.Fatalf("prepare: %v", err)
	}
	shared.dirs[provider] = dir
	return dir
}

func check(t *testing.T, dir string, opts imagecheck.Options) imagecheck.Report {
	t.Helper()
	fsys, closeFS, err := imagecheck.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFS()
	opts.Root = dir
	return imagecheck.Run(context.Background(), fsys, opts)
}

// put replaces name in the tree with a new file, and puts the old one
// back when the test ends: cases change the shared prepared tree in turn
// (never in parallel), each undoing its change. It never writes through an
// existing file (a link, or one hard-linked elsewhere).
func put(t *testing.T, dir, name, body string, mode os.FileMode) {
	t.Helper()
	p := aside(t, dir, name)
	if err := os.WriteFile(p, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
}

// aside moves name out of the way (back when the test ends) and makes its
// parent directories (removed when the test ends); it returns the path.
func aside(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	made := ""
	for d := filepath.Dir(p); d != dir; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		made = d
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	var saved string
	if _, err := os.Lstat(p); err == nil {
		saved = filepath.Join(shared.tmp, fmt.Sprintf("saved-%d", shared.n))
		shared.n++
		if err := os.Rename(p, saved); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if made != "" {
			_ = os.RemoveAll(made)
		} else {
			_ = os.RemoveAll(p)
		}
		if saved != "" {
			if err := os.Rename(saved, p); err != nil {
				t.Errorf("put back %s: %v", p, err)
			}
		}
	})
	return p
}

func edit(t *testing.T, dir, name string, fn func(string) string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	put(t, dir, name, fn(string(b)), 0o644)
}

func statuses(r imagecheck.Report) map[string]imagecheck.Status {
	m := map[string]imagecheck.Status{}
	for _, x := range r.Results {
		m[x.ID] = x.Status
	}
	return m
}

// offline are the checks a tree cannot pass: they need the running system
// (apt's security updates) or a real prepare (the Docker engine and the
// pulled image).
var offline = map[string]imagecheck.Status{"security-updates": imagecheck.Warn, "docker-engine": imagecheck.Warn, "image-present": imagecheck.Warn}

func TestCleanDebianPasses(t *testing.T) {
	for _, p := range []string{imageenv.DigitalOcean, imageenv.AWS} {
		t.Run(p, func(t *testing.T) {
			rep := check(t, preparedTree(t, p), imagecheck.Options{})
			want := map[string]imagecheck.Status{}
			for k, v := range offline {
				want[k] = v
			}
			if p == imageenv.AWS {
				want["firewall"] = imagecheck.Warn // ufw is DigitalOcean's rule; AWS has security groups
			}
			for _, x := range rep.Results {
				if w, ok := want[x.ID]; (ok && x.Status != w) || (!ok && x.Status != imagecheck.Pass) {
					t.Errorf("%s: %s %s %v; want %s", x.ID, x.Status, x.Detail, x.Paths, or(w, imagecheck.Pass))
				}
			}
			if rep.Failed() {
				t.Errorf("report failed: %+v", rep)
			}
			if rep.Provider != p {
				t.Errorf("provider %q, want %q from image.env", rep.Provider, p)
			}
		})
	}
}

func or(s, def imagecheck.Status) imagecheck.Status {
	if s == "" {
		return def
	}
	return s
}

func TestRawDebianFails(t *testing.T) {
	// The tree as debootstrap and apt left it: host keys, logs, apt lists,
	// no sshd drop-in, no first-boot hook.
	rep := check(t, testenv.DebianTree(t), imagecheck.Options{Provider: imageenv.DigitalOcean})
	got := statuses(rep)
	for id, want := range map[string]imagecheck.Status{
		"host-keys": imagecheck.Fail, "logs": imagecheck.Warn, "apt-lists": imagecheck.Warn,
		"firstboot-hook": imagecheck.Fail, "image-env": imagecheck.Fail, "ufw-ports": imagecheck.Fail,
		"firewall": imagecheck.Warn, "os": imagecheck.Pass, "cloud-init": imagecheck.Pass, "root-password": imagecheck.Pass,
	} {
		if got[id] != want {
			t.Errorf("%s: %s, want %s", id, got[id], want)
		}
	}
}

// One failing fixture per rule: a mutation of the clean tree makes exactly
// the named checks change, naming the path.
func TestEachRule(t *testing.T) {
	do, aws := imageenv.DigitalOcean, imageenv.AWS
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl builder@laptop\n"
	cases := []struct {
		name     string
		provider string
		opts     imagecheck.Options
		mutate   func(t *testing.T, dir string)
		want     map[string]imagecheck.Status
		path     string // in the first wanted check's paths
	}{
		{name: "os too new", mutate: func(t *testing.T, d string) {
			put(t, d, "etc/os-release", "ID=ubuntu\nVERSION_ID=\"25.04\"\n", 0o644)
		}, want: map[string]imagecheck.Status{"os": imagecheck.Fail}, path: "/etc/os-release"},
		{name: "no cloud-init", mutate: func(t *testing.T, d string) {
			rm(t, d, "usr/bin/cloud-init")
		}, want: map[string]imagecheck.Status{"cloud-init": imagecheck.Fail}, path: "/usr/bin/cloud-init"},
		{name: "ufw disabled", mutate: func(t *testing.T, d string) {
			edit(t, d, "etc/ufw/ufw.conf", func(s string) string { return strings.Replace(s, "ENABLED=yes", "ENABLED=no", 1) })
		}, want: map[string]imagecheck.Status{"firewall": imagecheck.Warn, "ufw-ports": imagecheck.Fail}, path: "/etc/ufw/ufw.conf"},
		{name: "security updates", opts: imagecheck.Options{SecurityUpdates: func(context.Context) ([]string, error) { return []string{"openssl"}, nil }},
			want: map[string]imagecheck.Status{"security-updates": imagecheck.Fail}},
		{name: "uncleared log", mutate: func(t *testing.T, d string) {
			put(t, d, "var/log/syslog", strings.Repeat("sshd[1]: Accepted publickey for root from 10.0.0.1\n", 3), 0o640)
		}, want: map[string]imagecheck.Status{"logs": imagecheck.Warn}, path: "/var/log/syslog"},
		{name: "nested compressed log", mutate: func(t *testing.T, d string) {
			put(t, d, "var/log/nginx/access.log.2.gz", "x", 0o640)
		}, want: map[string]imagecheck.Status{"logs": imagecheck.Warn}, path: "/var/log/nginx/access.log.2.gz"},
		{name: "dated log archive", mutate: func(t *testing.T, d string) {
			put(t, d, "var/log/messages-20240101", "", 0o640)
		}, want: map[string]imagecheck.Status{"logs": imagecheck.Warn}, path: "/var/log/messages-20240101"},
		{name: "short root bash history", mutate: func(t *testing.T, d string) {
			put(t, d, "root/.bash_history", "mysql -p hunter2\n", 0o600) // under the script's 200 bytes
		}, want: map[string]imagecheck.Status{"shell-history": imagecheck.Fail}, path: "/root/.bash_history"},
		{name: "user python history", mutate: func(t *testing.T, d string) {
			put(t, d, "home/debian/.python_history", "import os\n", 0o600)
		}, want: map[string]imagecheck.Status{"shell-history": imagecheck.Fail}, path: "/home/debian/.python_history"},
		{name: "lesshst of a user gone from passwd", mutate: func(t *testing.T, d string) {
			put(t, d, "home/olduser/.lesshst", ".less-history-file:\n.search\n\"password\n", 0o600)
		}, want: map[string]imagecheck.Status{"shell-history": imagecheck.Fail}, path: "/home/olduser/.lesshst"},
		{name: "droplet agent", mutate: func(t *testing.T, d string) {
			put(t, d, "opt/digitalocean/bin/droplet-agent", "", 0o755)
		}, want: map[string]imagecheck.Status{"do-agent": imagecheck.Fail}, path: "/opt/digitalocean"},
		{name: "monitoring agent enabled", mutate: func(t *testing.T, d string) {
			link(t, d, "/lib/systemd/system/do-agent.service", "etc/systemd/system/multi-user.target.wants/do-agent.service")
		}, want: map[string]imagecheck.Status{"do-agent": imagecheck.Fail}, path: "/etc/systemd/system/multi-user.target.wants/do-agent.service"},
		{name: "root locked by passwd -l", mutate: func(t *testing.T, d string) {
			setShadow(t, d, "root", "!*")
		}, want: map[string]imagecheck.Status{"root-password": imagecheck.Fail}, path: "/etc/shadow"},
		{name: "root password", mutate: func(t *testing.T, d string) {
			setShadow(t, d, "root", "$6$salt$hash")
		}, want: map[string]imagecheck.Status{"root-password": imagecheck.Fail, "password-hashes": imagecheck.Fail}, path: "/etc/shadow"},
		{name: "user password", mutate: func(t *testing.T, d string) {
			setShadow(t, d, "debian", "$y$j9T$salt$hash")
		}, want: map[string]imagecheck.Status{"user-passwords": imagecheck.Fail, "password-hashes": imagecheck.Fail}, path: "/etc/shadow"},
		{name: "locked hash of a system account", mutate: func(t *testing.T, d string) {
			setShadow(t, d, "daemon", "!$6$salt$hash")
		}, want: map[string]imagecheck.Status{"password-hashes": imagecheck.Fail}, path: "/etc/shadow"},
		{name: "hash in the shadow backup", mutate: func(t *testing.T, d string) {
			edit(t, d, "etc/shadow-", func(s string) string { return strings.Replace(s, "root:*:", "root:$6$old$hash:", 1) })
		}, want: map[string]imagecheck.Status{"password-hashes": imagecheck.Fail}, path: "/etc/shadow-"},
		{name: "blank system password", mutate: func(t *testing.T, d string) {
			setShadow(t, d, "daemon", "")
		}, want: map[string]imagecheck.Status{"blank-passwords": imagecheck.Fail}, path: "/etc/shadow"},
		{name: "blank passwd field", mutate: func(t *testing.T, d string) {
			edit(t, d, "etc/passwd", func(s string) string { return strings.Replace(s, "\ndaemon:x:", "\ndaemon::", 1) })
		}, want: map[string]imagecheck.Status{"blank-passwords": imagecheck.Fail}, path: "/etc/passwd"},
		{name: "root authorized key", mutate: func(t *testing.T, d string) {
			put(t, d, "root/.ssh/authorized_keys", key, 0o600)
		}, want: map[string]imagecheck.Status{"authorized-keys": imagecheck.Fail}, path: "/root/.ssh/authorized_keys"},
		{name: "user authorized key", mutate: func(t *testing.T, d string) {
			put(t, d, "home/debian/.ssh/authorized_keys", key, 0o600)
		}, want: map[string]imagecheck.Status{"authorized-keys": imagecheck.Fail}, path: "/home/debian/.ssh/authorized_keys"},
		{name: "user private key", mutate: func(t *testing.T, d string) {
			put(t, d, "home/debian/.ssh/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n", 0o600)
		}, want: map[string]imagecheck.Status{"private-keys": imagecheck.Fail}, path: "/home/debian/.ssh/id_ed25519"},
		{name: "other ssh file", mutate: func(t *testing.T, d string) {
			put(t, d, "root/.ssh/config", "Host *\n", 0o600)
		}, want: map[string]imagecheck.Status{"ssh-dir-files": imagecheck.Warn}, path: "/root/.ssh/config"},
		{name: "host key", mutate: func(t *testing.T, d string) {
			put(t, d, "etc/ssh/ssh_host_ed25519_key", "k", 0o600)
		}, want: map[string]imagecheck.Status{"host-keys": imagecheck.Fail}, path: "/etc/ssh/ssh_host_ed25519_key"},
		{name: "earlier drop-in allows passwords", mutate: func(t *testing.T, d string) {
			put(t, d, "etc/ssh/sshd_config.d/05-build.conf", "PasswordAuthentication yes\n", 0o644)
		}, want: map[string]imagecheck.Status{"sshd-password-auth": imagecheck.Fail}, path: "/etc/ssh/sshd_config.d/05-build.conf"},
		{name: "drop-ins not included", mutate: func(t *testing.T, d string) {
			edit(t, d, "etc/ssh/sshd_config", func(s string) string { return strings.ReplaceAll(s, "Include /etc/ssh/sshd_config.d/*.conf", "") })
		}, want: map[string]imagecheck.Status{"sshd-password-auth": imagecheck.Fail}, path: "/etc/ssh/sshd_config"},
		{name: "match block allows passwords", mutate: func(t *testing.T, d string) {
			edit(t, d, "etc/ssh/sshd_config", func(s string) string { return s + "\nMatch User deploy\n\tPasswordAuthentication yes\n" })
		}, want: map[string]imagecheck.Status{"sshd-password-auth": imagecheck.Fail}, path: "/etc/ssh/sshd_config"},
		{name: "root login with password", mutate: func(t *testing.T, d string) {
			put(t, d, "etc/ssh/sshd_config.d/00-root.conf", "PermitRootLogin yes\n", 0o644)
		}, want: map[string]imagecheck.Status{"sshd-root-login": imagecheck.Fail}, path: "/etc/ssh/sshd_config.d/00-root.conf"},
		{name: "aws credentials", mutate: func(t *testing.T, d string) {
			put(t, d, "root/.aws/credentials", "[default]\naws_access_key_id=AKIA\n", 0o600)
		}, want: map[string]imagecheck.Status{"credentials": imagecheck.Fail}, path: "/root/.aws/credentials"},
		{name: "cloud-init instance state", mutate: func(t *testing.T, d string) {
			put(t, d, "var/lib/cloud/instances/i-0abc/boot-finished", "1", 0o644)
			link(t, d, "/var/lib/cloud/instances/i-0abc", "var/lib/cloud/instance")
		}, want: map[string]imagecheck.Status{"cloud-init-state": imagecheck.Fail}, path: "/var/lib/cloud/instance"},
		{name: "machine-id", mutate: func(t *testing.T, d string) {
			put(t, d, "etc/machine-id", "4c4c4544004a4b10804bb3c04f584d32\n", 0o444)
		}, want: map[string]imagecheck.Status{"machine-id": imagecheck.Fail}, path: "/etc/machine-id"},
		{name: "tmp", mutate: func(t *testing.T, d string) {
			put(t, d, "var/tmp/build.tar", "x", 0o644)
		}, want: map[string]imagecheck.Status{"tmp": imagecheck.Warn}, path: "/var/tmp/build.tar"},
		{name: "apt lists", mutate: func(t *testing.T, d string) {
			put(t, d, "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease", "x", 0o644)
		}, want: map[string]imagecheck.Status{"apt-lists": imagecheck.Warn}, path: "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease"},
		{name: "ufw service disabled", mutate: func(t *testing.T, d string) {
			for _, w := range []string{"multi-user.target.wants", "sysinit.target.wants", "basic.target.wants"} {
				if _, err := os.Lstat(filepath.Join(d, "etc/systemd/system", w, "ufw.service")); err == nil {
					rm(t, d, filepath.Join("etc/systemd/system", w, "ufw.service"))
				}
			}
		}, want: map[string]imagecheck.Status{"ufw-ports": imagecheck.Fail}, path: "/etc/systemd/system/multi-user.target.wants/ufw.service"},
		{name: "ufw lets in more", mutate: func(t *testing.T, d string) {
			edit(t, d, "etc/ufw/user.rules", func(s string) string {
				return strings.Replace(s, "### END RULES ###", "### tuple ### allow tcp 8080 0.0.0.0/0 any 0.0.0.0/0 in\n-A ufw-user-input -p tcp --dport 8080 -j ACCEPT\n\n### END RULES ###", 1)
			})
		}, want: map[string]imagecheck.Status{"ufw-ports": imagecheck.Fail}, path: "/etc/ufw/user.rules"},
		{name: "old cloud-init on aws", provider: aws, mutate: func(t *testing.T, d string) {
			edit(t, d, "var/lib/dpkg/status", func(s string) string {
				i := strings.Index(s, "Package: cloud-init\n")
				j := i + strings.Index(s[i:], "\nVersion: ")
				k := j + 1 + strings.Index(s[j+1:], "\n")
				return s[:j] + "\nVersion: 18.5-45-g3554ffe8-0ubuntu1~18.04.1" + s[k:]
			})
		}, want: map[string]imagecheck.Status{"imdsv2": imagecheck.Fail}, path: "/var/lib/dpkg/status"},
		{name: "docker.env baked in", mutate: func(t *testing.T, d string) {
			put(t, d, "opt/appsmith/stacks/configuration/docker.env", "APPSMITH_ENCRYPTION_PASSWORD=x\n", 0o600)
		}, want: map[string]imagecheck.Status{"appsmith-secrets": imagecheck.Fail}, path: "/opt/appsmith/stacks/configuration/docker.env"},
		{name: "credentials file baked in", mutate: func(t *testing.T, d string) {
			put(t, d, "root/appsmith-credentials", "x", 0o600)
		}, want: map[string]imagecheck.Status{"appsmith-secrets": imagecheck.Fail}, path: "/root/appsmith-credentials"},
		{name: "no image.env", mutate: func(t *testing.T, d string) {
			rm(t, d, imageenv.Path)
			// Nothing names the provider: both providers' rules run.
		}, want: map[string]imagecheck.Status{"image-env": imagecheck.Fail, "image-present": imagecheck.Fail, "imdsv2": imagecheck.Pass}, path: "/" + imageenv.Path},
		{name: "checked for the other provider", opts: imagecheck.Options{Provider: aws},
			want: map[string]imagecheck.Status{"image-env": imagecheck.Fail, "firewall": imagecheck.Pass, "ufw-ports": "", "imdsv2": imagecheck.Pass}, path: "/" + imageenv.Path},
		{name: "hook not executable", mutate: func(t *testing.T, d string) {
			b, err := os.ReadFile(filepath.Join(d, imagecheck.HookScript))
			if err != nil {
				t.Fatal(err)
			}
			put(t, d, imagecheck.HookScript, string(b), 0o644)
		}, want: map[string]imagecheck.Status{"firstboot-hook": imagecheck.Fail}, path: "/" + imagecheck.HookScript},
		{name: "unit not enabled", mutate: func(t *testing.T, d string) {
			rm(t, d, imagecheck.HookWants)
		}, want: map[string]imagecheck.Status{"firstboot-hook": imagecheck.Fail}, path: "/" + imagecheck.HookWants},
		{name: "no appsmith link", mutate: func(t *testing.T, d string) {
			rm(t, d, imagecheck.Link)
		}, want: map[string]imagecheck.Status{"firstboot-hook": imagecheck.Fail}, path: "/" + imagecheck.Link},
		{name: "live without docker", opts: imagecheck.Options{Live: true},
			want: map[string]imagecheck.Status{"docker-engine": imagecheck.Fail, "image-present": imagecheck.Fail}, path: "/usr/bin/dockerd"},
		{name: "image store without the image", mutate: func(t *testing.T, d string) {
			put(t, d, "var/lib/docker/image/overlay2/repositories.json", `{"Repositories":{"127.0.0.1:5000/appsmith/appsmith-ce":{"127.0.0.1:5000/appsmith/appsmith-ce:v1.9.2":"sha256:aa"}}}`, 0o600)
		}, want: map[string]imagecheck.Status{"image-present": imagecheck.Fail}, path: "/var/lib/docker/image/overlay2/repositories.json"},
		{name: "image store with the image", mutate: func(t *testing.T, d string) {
			id := strings.Repeat("b", 64)
			put(t, d, "var/lib/docker/image/overlay2/repositories.json", `{"Repositories":{"127.0.0.1:5000/appsmith/appsmith-ce":{"`+testRef+`":"sha256:`+id+`"}}}`, 0o600)
			put(t, d, "var/lib/docker/image/overlay2/imagedb/content/sha256/"+id, "{}", 0o600)
		}, want: map[string]imagecheck.Status{"image-present": imagecheck.Pass}},
		{name: "image engine says missing", opts: imagecheck.Options{ImagePresent: func(_ context.Context, ref string) (bool, error) { return ref != testRef, nil }},
			want: map[string]imagecheck.Status{"image-present": imagecheck.Fail}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.provider
			if p == "" {
				p = do
			}
			dir := preparedTree(t, p)
			// The clean tree's verdicts are the baseline: only what the
			// case names may differ.
			base := statuses(check(t, dir, imagecheck.Options{}))
			if tc.mutate != nil {
				tc.mutate(t, dir)
			}
			rep := check(t, dir, tc.opts)
			got := statuses(rep)
			for id, st := range got {
				want, named := tc.want[id]
				if !named {
					want = base[id]
				}
				if st != want {
					r, _ := rep.Get(id)
					t.Errorf("%s: %s (%s %v), want %s", id, st, r.Detail, r.Paths, want)
				}
			}
			for id, want := range tc.want {
				if _, ok := got[id]; !ok && want != "" {
					t.Errorf("%s: not run", id)
				}
				if _, ok := got[id]; ok && want == "" {
					t.Errorf("%s: ran, want it skipped for this provider", id)
				}
			}
			if tc.path != "" {
				first := ""
				for id, st := range tc.want {
					if st == imagecheck.Fail || st == imagecheck.Warn {
						if first == "" || id < first {
							first = id
						}
					}
				}
				r, _ := rep.Get(first)
				if !strings.Contains(strings.Join(r.Paths, " "), tc.path) {
					t.Errorf("%s: paths %v, want %s", first, r.Paths, tc.path)
				}
				if r.Fix == "" {
					t.Errorf("%s: no fix", first)
				}
			}
			if failed := rep.Failed(); failed != hasFail(tc.want) {
				t.Errorf("Failed() = %v", failed)
			}
		})
	}
}

func hasFail(m map[string]imagecheck.Status) bool {
	for _, s := range m {
		if s == imagecheck.Fail {
			return true
		}
	}
	return false
}

func rm(t *testing.T, dir, name string) {
	t.Helper()
	if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	aside(t, dir, name)
}

func link(t *testing.T, dir, target, name string) {
	t.Helper()
	if err := os.Symlink(target, aside(t, dir, name)); err != nil {
		t.Fatal(err)
	}
}

func setShadow(t *testing.T, dir, user, field string) {
	t.Helper()
	edit(t, dir, "etc/shadow", func(s string) string {
		lines := strings.Split(s, "\n")
		for i, l := range lines {
			f := strings.Split(l, ":")
			if f[0] == user {
				f[1] = field
				lines[i] = strings.Join(f, ":")
				return strings.Join(lines, "\n")
			}
		}
		t.Fatalf("no %s in shadow", user)
		return ""
	})
}
