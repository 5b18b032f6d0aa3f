package imagecheck

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// doChecks are DigitalOcean's 99-img-check.sh (v1.8.1), with its
// thresholds, widened where the script has holes (said at each).
func doChecks() []check {
	return []check{
		{id: "os", source: SourceDO, title: "a supported operating system", run: checkOS},
		{id: "cloud-init", source: SourceDO, title: "cloud-init is installed", run: func(c *ctx) verdict {
			for _, p := range []string{"usr/bin/cloud-init", "usr/local/bin/cloud-init", "bin/cloud-init"} {
				if fi, err := c.fs.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
					return pass(abs(p))
				}
			}
			return verdict{status: Fail, detail: "no cloud-init executable", paths: []string{"/usr/bin/cloud-init"}, fix: "apt-get install cloud-init"}
		}},
		{id: "firewall", source: SourceDO, title: "a firewall is enabled (ufw)", run: func(c *ctx) verdict {
			b, err := c.read("etc/ufw/ufw.conf")
			if err != nil {
				return verdict{status: Warn, detail: "ufw is not installed", paths: []string{"/etc/ufw/ufw.conf"}, fix: "apt-get install ufw; ufw allow 22/tcp; ufw --force enable"}
			}
			if shellVar(string(b), "ENABLED") != "yes" {
				return verdict{status: Warn, detail: "ufw is not enabled", paths: []string{"/etc/ufw/ufw.conf"}, fix: "ufw --force enable (image prepare --provider digitalocean does it)"}
			}
			return pass("")
		}},
		{id: "security-updates", source: SourceDO, title: "no pending security updates", run: func(c *ctx) verdict {
			if c.opts.SecurityUpdates == nil {
				return verdict{status: Warn, detail: "not checked: it needs the running system's package manager (check --root / on the machine)",
					fix: "apt-get update && apt-get upgrade on the build machine"}
			}
			ups, err := c.opts.SecurityUpdates(c)
			if err != nil {
				return verdict{status: Warn, detail: "could not list updates: " + err.Error(), fix: "apt-get update && apt-get --just-print upgrade"}
			}
			if len(ups) > 0 {
				return verdict{status: Fail, detail: fmt.Sprintf("%d security update(s) not installed: %s", len(ups), strings.Join(ups, ", ")),
					fix: "apt-get update && apt-get -y upgrade, then bake again"}
			}
			return pass("")
		}},
		{id: "logs", source: SourceDO, title: "logs cleared", run: checkLogs},
		{id: "shell-history", source: SourceDO, title: "no shell or REPL history",
			run: homeFileCheck(HistoryFiles, Fail, "history file(s) with content (the script reads only .bash_history of 200 bytes or more)",
				"truncate them (image prepare does it)")},
		{id: "do-agent", source: SourceDO, title: "no DigitalOcean agent baked in", run: func(c *ctx) verdict {
			var bad []string
			for _, p := range []string{"opt/digitalocean", "var/opt/digitalocean/do-agent"} {
				if c.exists(p) {
					bad = append(bad, abs(p))
				}
			}
			for _, u := range []string{"do-agent.service", "droplet-agent.service"} {
				bad = append(bad, c.enabled(u)...)
			}
			if len(bad) > 0 {
				return verdict{status: Fail, detail: "the build droplet's agents would run on every customer's droplet", paths: bad,
					fix: "apt-get purge droplet-agent do-agent; rm -rf /opt/digitalocean (image prepare on a real root does it)"}
			}
			return pass("")
		}},
	}
}

func checkOS(c *ctx) verdict {
	b, err := c.read("etc/os-release")
	if err != nil {
		b, err = c.read("usr/lib/os-release")
	}
	if err != nil {
		return verdict{status: Fail, detail: "no os-release", paths: []string{"/etc/os-release"}, fix: "bake from a supported distribution"}
	}
	id, ver := shellVar(string(b), "ID"), shellVar(string(b), "VERSION_ID")
	major, _ := strconv.Atoi(strings.SplitN(ver, ".", 2)[0])
	ok := false
	switch id {
	case "ubuntu":
		ok = slices.Contains([]string{"16.04", "18.04", "20.04", "22.04", "24.04"}, ver)
	case "debian":
		ok = major >= 9 && major <= 13
	case "centos", "rocky", "almalinux", "rhel":
		ok = major >= 7 && major <= 9
	}
	if !ok {
		return verdict{status: Fail, detail: fmt.Sprintf("%s %s is not one the marketplace takes (Ubuntu 16.04–24.04 LTS, Debian 9–13, RHEL family 7–9)", id, ver),
			paths: []string{"/etc/os-release"}, fix: "bake from Ubuntu 24.04 LTS"}
	}
	return pass(id + " " + ver)
}

// RotatedLog says whether a file name under /var/log is a log archive.
func RotatedLog(name string) bool { return rotated.MatchString(name) }

// rotated are names of log archives: app.log.1, syslog.2.gz, dpkg.log-20240101,
// anything compressed, systemd's journal files.
var rotated = regexp.MustCompile(`(\.[0-9]+(\.(gz|xz|bz2|zst))?|\.(gz|xz|bz2|zst|old)|-[0-9]{8}(\.(gz|xz|bz2|zst))?|\.journal~?)$`)

// checkLogs widens the script's rule (/var/log/*.log over 50 bytes,
// /var/log/*.[0-9], /var/log/*-YYYYMMDD; WARN) to every file under /var/log
// at any depth: syslog, auth.log and the cloud-init logs of the build hold
// its addresses and user names as much as *.log does.
func checkLogs(c *ctx) verdict {
	var bad []string
	c.walk("var/log", 8, func(p string, d fs.DirEntry) {
		if !d.Type().IsRegular() {
			return
		}
		if rotated.MatchString(path.Base(p)) || c.size(p) > 50 {
			bad = append(bad, abs(p))
		}
	})
	if len(bad) > 0 {
		return verdict{status: Warn, detail: fmt.Sprintf("%d uncleared log(s) or log archive(s)", len(bad)), paths: bad,
			fix: "truncate the logs and delete the archives (image prepare does it)"}
	}
	return pass("")
}

// shellVar reads KEY=value (optionally quoted) from a shell-style file.
func shellVar(body, key string) string {
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(l)
		if v, ok := strings.CutPrefix(l, key+"="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// enabled lists the links that enable a systemd unit.
func (c *ctx) enabled(unit string) []string {
	var out []string
	for _, dir := range []string{"etc/systemd/system"} {
		for _, d := range c.entries(dir) {
			if d.IsDir() && strings.HasSuffix(d.Name(), ".wants") {
				p := join(dir, d.Name(), unit)
				if c.exists(p) {
					out = append(out, abs(p))
				}
			}
		}
	}
	return out
}
