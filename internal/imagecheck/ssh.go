package imagecheck

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// SSHDropIn is the sshd drop-in image prepare writes. It sorts before
// cloud-init's 50-cloud-init.conf: sshd keeps the first value it reads.
const SSHDropIn = "etc/ssh/sshd_config.d/10-appsmith-image.conf"

func sshChecks() []check {
	return []check{
		{id: "authorized-keys", source: SourceAWS, title: "no authorized SSH keys (root and every user)", run: checkAuthorizedKeys},
		{id: "private-keys", source: SourceDO, title: "no SSH private keys (root and every user)", run: checkPrivateKeys},
		{id: "ssh-dir-files", source: SourceDO, title: "no other files in .ssh directories", run: checkSSHOther},
		{id: "host-keys", source: SourceAWS, title: "no SSH host keys (each instance makes its own)", run: func(c *ctx) verdict {
			var bad []string
			for _, d := range c.entries("etc/ssh") {
				if strings.HasPrefix(d.Name(), "ssh_host_") && strings.Contains(d.Name(), "_key") {
					bad = append(bad, abs(join("etc/ssh", d.Name())))
				}
			}
			if len(bad) > 0 {
				return verdict{status: Fail, detail: "every instance of the image would share these host keys", paths: bad,
					fix: "rm /etc/ssh/ssh_host_* (image prepare does it; cloud-init makes new ones on first boot)"}
			}
			return pass("")
		}},
		{id: "sshd-password-auth", source: SourceAWS, title: "sshd refuses passwords", run: func(c *ctx) verdict {
			cfg := c.sshd()
			if cfg.err != nil {
				return verdict{status: Fail, detail: cfg.err.Error(), paths: []string{"/etc/ssh/sshd_config"}, fix: "make sshd_config readable"}
			}
			var why []string
			var at []string
			if v, p := cfg.get("passwordauthentication", "yes"); v != "no" {
				why, at = append(why, "PasswordAuthentication "+v), append(at, p)
			}
			kbd, p := cfg.get("kbdinteractiveauthentication", "yes")
			if pam, _ := cfg.get("usepam", "no"); kbd == "yes" && pam == "yes" {
				why, at = append(why, "KbdInteractiveAuthentication yes with UsePAM yes (PAM asks for the password)"), append(at, p)
			}
			for _, m := range cfg.match["passwordauthentication"] {
				if m.value == "yes" {
					why, at = append(why, "PasswordAuthentication yes in a Match block"), append(at, m.file)
				}
			}
			if len(why) > 0 {
				return verdict{status: Fail, detail: strings.Join(why, "; "), paths: dedup(at),
					fix: "PasswordAuthentication no and KbdInteractiveAuthentication no in /" + SSHDropIn + " (image prepare writes it)"}
			}
			return pass("")
		}},
		{id: "sshd-root-login", source: SourceAWS, title: "root cannot log in with a password", run: func(c *ctx) verdict {
			cfg := c.sshd()
			if cfg.err != nil {
				return verdict{status: Fail, detail: cfg.err.Error(), paths: []string{"/etc/ssh/sshd_config"}, fix: "make sshd_config readable"}
			}
			var why, at []string
			if v, p := cfg.get("permitrootlogin", "prohibit-password"); v == "yes" {
				why, at = append(why, "PermitRootLogin yes"), append(at, p)
			}
			for _, m := range cfg.match["permitrootlogin"] {
				if m.value == "yes" {
					why, at = append(why, "PermitRootLogin yes in a Match block"), append(at, m.file)
				}
			}
			if v, p := cfg.get("permitemptypasswords", "no"); v == "yes" {
				why, at = append(why, "PermitEmptyPasswords yes"), append(at, p)
			}
			if len(why) > 0 {
				return verdict{status: Fail, detail: strings.Join(why, "; "), paths: dedup(at),
					fix: "PermitRootLogin prohibit-password in /" + SSHDropIn + " (image prepare writes it)"}
			}
			return pass("")
		}},
	}
}

func dedup(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// sshDirs are the .ssh directories of root, every account and /home/*.
func (c *ctx) sshDirs() []string {
	var out []string
	for _, h := range c.homes() {
		if d := join(h, ".ssh"); c.isDir(d) {
			out = append(out, d)
		}
	}
	return out
}

// keyLines counts the lines of an authorized_keys file that are not blank
// or comments: a key, with or without options.
func keyLines(b []byte) int {
	n := 0
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			n++
		}
	}
	return n
}

// checkAuthorizedKeys is stricter than the script's "over 50 bytes, root
// only": any key of any user lets the image's builder into every instance.
func checkAuthorizedKeys(c *ctx) verdict {
	var bad []string
	for _, d := range c.sshDirs() {
		for _, n := range []string{"authorized_keys", "authorized_keys2"} {
			p := join(d, n)
			if !c.exists(p) {
				continue
			}
			b, err := c.read(p)
			if err != nil || keyLines(b) > 0 {
				bad = append(bad, abs(p))
			}
		}
	}
	if len(bad) > 0 {
		return verdict{status: Fail, detail: "the image's builder could log in to every instance", paths: bad,
			fix: "truncate them (image prepare does it; cloud-init installs the customer's key on first boot)"}
	}
	return pass("")
}

func isPrivateKey(name string, b []byte) bool {
	if strings.HasPrefix(name, "id_") && !strings.HasSuffix(name, ".pub") && len(b) > 0 {
		return true
	}
	return strings.Contains(string(b), "PRIVATE KEY-----")
}

func checkPrivateKeys(c *ctx) verdict {
	var bad []string
	for _, d := range c.sshDirs() {
		for _, e := range c.entries(d) {
			p := join(d, e.Name())
			if !e.Type().IsRegular() {
				continue
			}
			if b, err := c.read(p); err == nil && isPrivateKey(e.Name(), b) {
				bad = append(bad, abs(p))
			}
		}
	}
	if len(bad) > 0 {
		return verdict{status: Fail, detail: "private keys would ship to every customer", paths: bad, fix: "delete them (image prepare does it)"}
	}
	return pass("")
}

func checkSSHOther(c *ctx) verdict {
	var bad []string
	for _, d := range c.sshDirs() {
		for _, e := range c.entries(d) {
			p := join(d, e.Name())
			switch n := e.Name(); {
			case n == "authorized_keys" || n == "authorized_keys2":
			case n == "known_hosts":
				if c.size(p) > 50 {
					bad = append(bad, abs(p))
				}
			default:
				b, _ := c.read(p)
				if !e.Type().IsRegular() || !isPrivateKey(n, b) {
					bad = append(bad, abs(p))
				}
			}
		}
	}
	if len(bad) > 0 {
		return verdict{status: Warn, detail: "files the builder left in .ssh", paths: bad, fix: "delete them (image prepare does it)"}
	}
	return pass("")
}

// sshdConfig is sshd's effective configuration as sshd reads it: the first
// value of a keyword wins; Include expands its globs in order, in place.
type sshdConfig struct {
	global map[string]setting   // keyword (lower case) → first global value
	match  map[string][]setting // values set inside Match blocks
	err    error
}

type setting struct{ value, file string }

func (s sshdConfig) get(key, def string) (string, string) {
	if v, ok := s.global[key]; ok {
		return v.value, v.file
	}
	return def, "/etc/ssh/sshd_config"
}

func (c *ctx) sshd() sshdConfig {
	cfg := sshdConfig{global: map[string]setting{}, match: map[string][]setting{}}
	inMatch := false
	var read func(name string, depth int) error
	read = func(name string, depth int) error {
		if depth > 16 {
			return fmt.Errorf("%s: Include nested too deep", abs(name))
		}
		b, err := c.read(name)
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(b), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			f := strings.Fields(strings.Replace(l, "=", " ", 1))
			if len(f) < 2 {
				continue
			}
			key, val := strings.ToLower(f[0]), strings.ToLower(strings.Trim(f[1], `"`))
			if key == "challengeresponseauthentication" {
				key = "kbdinteractiveauthentication" // one option, two names
			}
			switch key {
			case "match":
				inMatch = !(len(f) == 2 && val == "all")
				continue
			case "include":
				for _, g := range f[1:] {
					g = strings.Trim(g, `"`)
					if !strings.HasPrefix(g, "/") {
						g = "/etc/ssh/" + g
					}
					names, _ := fs.Glob(c.fs, strings.TrimPrefix(path.Clean(g), "/"))
					for _, n := range names {
						if err := read(n, depth+1); err != nil {
							return err
						}
					}
				}
				continue
			}
			s := setting{value: val, file: abs(name)}
			if inMatch {
				cfg.match[key] = append(cfg.match[key], s)
			} else if _, ok := cfg.global[key]; !ok {
				cfg.global[key] = s
			}
		}
		return nil
	}
	if err := read("etc/ssh/sshd_config", 0); err != nil {
		if !c.exists("etc/ssh/sshd_config") {
			cfg.err = fmt.Errorf("no /etc/ssh/sshd_config: an image customers reach only over SSH needs openssh-server")
		} else {
			cfg.err = err
		}
	}
	return cfg
}
