package imagecheck

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// account is a line of /etc/passwd with its /etc/shadow password field.
type account struct {
	Name     string
	UID      int
	Home     string // tree path, no leading slash ("root", "home/debian")
	Password string // shadow field; "x" kept when shadow has no line
	// BlankInPasswd: passwd's own field is empty (no password asked).
	BlankInPasswd bool
}

// loginUser is what 99-img-check.sh calls a user-created account: uid ≥
// 1000 but nobody (and nfsnobody, which it skips too).
func (a account) loginUser() bool {
	return a.UID >= 1000 && a.Name != "nobody" && a.Name != "nfsnobody" && a.UID != 65534
}

// Locked is a password field no password matches, as DigitalOcean counts
// it: exactly "!", "!!" or "*". (passwd -l writes "!" before the hash, and
// "!*" on a field that was "*": both are refused by its check.)
func Locked(field string) bool { return field == "!" || field == "!!" || field == "*" }

// HasHash says whether a shadow password field holds a hash, locked ("!"
// before it) or not.
func HasHash(field string) bool {
	h := strings.TrimLeft(field, "!")
	return h != "" && h != "*"
}

func readAccounts(fsys FS) ([]account, error) {
	pw, err := fsys.ReadFile("etc/passwd")
	if err != nil {
		return nil, err
	}
	shadow := map[string]string{}
	if sh, err := fsys.ReadFile("etc/shadow"); err == nil {
		for _, l := range strings.Split(string(sh), "\n") {
			f := strings.Split(l, ":")
			if len(f) >= 2 && f[0] != "" {
				shadow[f[0]] = f[1]
			}
		}
	}
	var out []account
	for _, l := range strings.Split(string(pw), "\n") {
		f := strings.Split(l, ":")
		if len(f) < 7 || strings.HasPrefix(f[0], "#") {
			continue
		}
		uid, err := strconv.Atoi(f[2])
		if err != nil {
			continue
		}
		a := account{Name: f[0], UID: uid, Home: strings.Trim(f[5], "/"), Password: f[1], BlankInPasswd: f[1] == ""}
		// A blank field in passwd logs in without a password, whatever
		// shadow says; "x" defers to shadow.
		if s, ok := shadow[f[0]]; ok && a.Password != "" {
			a.Password = s
		}
		out = append(out, a)
	}
	return out, nil
}

// Homes lists the home directories (tree paths) whose keys and histories
// image check judges and image prepare cleans.
func Homes(fsys FS) []string {
	users, _ := readAccounts(fsys)
	return (&ctx{fs: fsys, users: users}).homes()
}

// homes are the directories whose keys and histories are judged: root's,
// every account's that exists, and every directory under /home (a user
// removed from passwd may have left one), each once.
func (c *ctx) homes() []string {
	var out []string
	add := func(h string) {
		if h == "" || h == "." || slices.Contains(out, h) || !c.isDir(h) {
			return
		}
		out = append(out, h)
	}
	add("root")
	for _, a := range c.users {
		if a.UID == 0 || a.loginUser() || strings.HasPrefix(a.Home, "home/") {
			add(a.Home)
		}
	}
	for _, d := range c.entries("home") {
		if d.IsDir() {
			add(join("home", d.Name()))
		}
	}
	return out
}

func accountChecks() []check {
	return []check{
		{id: "root-password", source: SourceDO, title: "root has no password",
			run: func(c *ctx) verdict {
				for _, a := range c.users {
					if a.Name != "root" {
						continue
					}
					if Locked(a.Password) {
						return pass("root's password field is " + a.Password)
					}
					return verdict{status: Fail, detail: "root's password field in /etc/shadow is not exactly !, !! or *",
						paths: []string{"/etc/shadow"}, fix: "usermod -p '*' root (image prepare does it)"}
				}
				return verdict{status: Fail, detail: "no root account in /etc/passwd", paths: []string{"/etc/passwd"}, fix: "restore /etc/passwd"}
			}},
		{id: "user-passwords", source: SourceDO, title: "login users (uid ≥ 1000) have no password",
			run: func(c *ctx) verdict {
				var bad []string
				for _, a := range c.users {
					if a.loginUser() && !Locked(a.Password) {
						bad = append(bad, a.Name)
					}
				}
				if len(bad) > 0 {
					return verdict{status: Fail, detail: fmt.Sprintf("%d user(s) with a password: %s", len(bad), strings.Join(bad, ", ")),
						paths: []string{"/etc/shadow"}, fix: "usermod -p '!' USER for each (image prepare does it)"}
				}
				return pass("")
			}},
		{id: "password-hashes", source: SourceAWS, title: "no password hash in /etc/shadow or its backup /etc/shadow-",
			run: func(c *ctx) verdict {
				var bad, at []string
				for _, f := range []string{"etc/shadow", "etc/shadow-"} {
					b, _ := c.read(f)
					for _, l := range strings.Split(string(b), "\n") {
						if fl := strings.Split(l, ":"); len(fl) >= 2 && HasHash(fl[1]) {
							bad, at = append(bad, fl[0]+" in "+abs(f)), append(at, abs(f))
						}
					}
				}
				if len(bad) > 0 {
					return verdict{status: Fail, detail: "a hash can be cracked, locked (!) or not: " + strings.Join(bad, ", "),
						paths: dedup(at), fix: "usermod -p '!' USER (root: '*') and the same in /etc/shadow- (image prepare does both)"}
				}
				return pass("")
			}},
		{id: "blank-passwords", source: SourceAWS, title: "no account has a blank password",
			run: func(c *ctx) verdict {
				var bad, at []string
				for _, a := range c.users {
					if a.Password == "" {
						bad = append(bad, a.Name)
						at = append(at, map[bool]string{true: "/etc/passwd", false: "/etc/shadow"}[a.BlankInPasswd])
					}
				}
				if len(bad) > 0 {
					return verdict{status: Fail, detail: "blank password field (anyone logs in): " + strings.Join(bad, ", "),
						paths: dedup(at), fix: "usermod -p '*' USER for each (image prepare does it)"}
				}
				return pass("")
			}},
	}
}

// HistoryFiles are the files shells and REPLs keep what was typed in.
// DigitalOcean's script looks only at .bash_history (≥ 200 bytes); a short
// history holds a password as well as a long one.
var HistoryFiles = []string{
	".bash_history", ".zsh_history", ".zhistory", ".histfile", ".sh_history", ".ash_history",
	".python_history", ".mysql_history", ".psql_history", ".sqlite_history", ".node_repl_history",
	".rediscli_history", ".mongosh_history", ".dbshell", ".lesshst", ".viminfo",
	".local/share/fish/fish_history", ".local/share/nano/search_history",
}

// credentialFiles hold a login for something outside the machine.
var credentialFiles = []string{
	".aws/credentials", ".aws/config", ".docker/config.json", ".git-credentials", ".netrc", ".pgpass",
	".my.cnf", ".config/gh/hosts.yml", ".config/doctl/config.yaml", ".s3cfg", ".boto",
}

func homeFileCheck(names []string, status Status, what, fix string) func(c *ctx) verdict {
	return func(c *ctx) verdict {
		var bad []string
		for _, h := range c.homes() {
			for _, n := range names {
				p := join(h, n)
				if s := c.size(p); s > 0 || (s < 0 && c.exists(p) && !c.isDir(p)) {
					bad = append(bad, abs(p))
				}
			}
		}
		if len(bad) > 0 {
			return verdict{status: status, detail: fmt.Sprintf("%d %s", len(bad), what), paths: bad, fix: fix}
		}
		return pass("")
	}
}
