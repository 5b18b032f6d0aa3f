package imagecheck

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/go-version"

	"github.com/appsmith-install/appsmith-install/internal/imageenv"
)

// UFWPorts are the TCP ports a DigitalOcean image lets in: SSH, HTTP, HTTPS.
var UFWPorts = []string{"22", "80", "443"}

func systemChecks() []check {
	return []check{
		{id: "credentials", source: SourceAWS, title: "no credentials for other systems (cloud, registry, git, databases)",
			run: homeFileCheck(credentialFiles, Fail, "credential file(s)", "delete them; bake with instance roles or short-lived tokens")},
		{id: "cloud-init-state", source: SourceDO, title: "no cloud-init state of the build instance", run: func(c *ctx) verdict {
			var bad []string
			if c.exists("var/lib/cloud/instance") {
				bad = append(bad, "/var/lib/cloud/instance")
			}
			for _, d := range []string{"instances", "data", "sem", "handlers", "seed"} {
				if len(c.entries(join("var/lib/cloud", d))) > 0 {
					bad = append(bad, abs(join("var/lib/cloud", d)))
				}
			}
			if len(bad) > 0 {
				return verdict{status: Fail, detail: "cloud-init would take each instance for the build instance and skip its per-instance work (keys, hostname, the first-boot hook)",
					paths: bad, fix: "remove them (image prepare does it; not `cloud-init clean`, which also removes the first-boot hook)"}
			}
			return pass("")
		}},
		{id: "machine-id", source: SourceDO, title: "machine-id is empty (each instance makes its own)", run: func(c *ctx) verdict {
			b, err := c.read("etc/machine-id")
			if err != nil {
				return verdict{status: Warn, detail: "no /etc/machine-id: systemd makes one, but an empty file is what marks a first boot",
					paths: []string{"/etc/machine-id"}, fix: "truncate -s 0 /etc/machine-id (image prepare does it)"}
			}
			var bad []string
			if s := strings.TrimSpace(string(b)); s != "" && s != "uninitialized" {
				bad = append(bad, "/etc/machine-id")
			}
			if c.size("var/lib/dbus/machine-id") > 0 {
				bad = append(bad, "/var/lib/dbus/machine-id")
			}
			if len(bad) > 0 {
				return verdict{status: Fail, detail: "every instance would share the build's machine ID (DHCP client IDs, journal, systemd)", paths: bad,
					fix: "truncate -s 0 /etc/machine-id; rm /var/lib/dbus/machine-id (image prepare does it)"}
			}
			return pass("")
		}},
		{id: "tmp", source: SourceDO, title: "temporary directories are empty", run: func(c *ctx) verdict {
			var bad []string
			for _, d := range []string{"tmp", "var/tmp"} {
				for _, e := range c.entries(d) {
					bad = append(bad, abs(join(d, e.Name())))
				}
			}
			if len(bad) > 0 {
				// WARN: the provisioner running this check has its own script in /tmp.
				return verdict{status: Warn, detail: fmt.Sprintf("%d entries", len(bad)), paths: bad, fix: "empty /tmp and /var/tmp (image prepare does it)"}
			}
			return pass("")
		}},
		{id: "apt-lists", source: SourceDO, title: "no package lists (stale at first boot)", run: func(c *ctx) verdict {
			var bad []string
			for _, e := range c.entries("var/lib/apt/lists") {
				if n := e.Name(); n != "lock" && n != "partial" && n != "auxfiles" {
					bad = append(bad, abs(join("var/lib/apt/lists", n)))
				}
			}
			if len(bad) > 0 {
				return verdict{status: Warn, detail: fmt.Sprintf("%d list file(s)", len(bad)), paths: bad, fix: "rm -rf /var/lib/apt/lists/* (image prepare does it)"}
			}
			return pass("")
		}},
		{id: "ufw-ports", source: SourceAppsmith, title: "ufw enabled, letting in only 22, 80 and 443/tcp", providers: []string{imageenv.DigitalOcean}, run: checkUFWPorts},
		{id: "imdsv2", source: SourceAWS, title: "cloud-init speaks IMDSv2 (instances may require tokens)", providers: []string{imageenv.AWS}, run: checkIMDSv2},
	}
}

var ufwTuple = regexp.MustCompile(`^### tuple ### (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)`)

// ufwAllowed lists the "proto/port" a ufw user rules file lets in, and the
// tuples that are anything else (deny rules are harmless but counted
// as other: the image has no business with them).
func ufwAllowed(body string) (allowed, other []string) {
	for _, l := range strings.Split(body, "\n") {
		m := ufwTuple.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		// action proto dport dst sport src [in]
		if m[1] == "allow" && m[2] == "tcp" && (m[5] == "any") {
			allowed = append(allowed, m[3])
		} else {
			other = append(other, strings.TrimPrefix(l, "### tuple ### "))
		}
	}
	return allowed, other
}

func checkUFWPorts(c *ctx) verdict {
	fix := "image prepare --provider digitalocean writes ufw's files (ufw allow 22/tcp, 80/tcp, 443/tcp; ufw --force enable)"
	conf, err := c.read("etc/ufw/ufw.conf")
	if err != nil || shellVar(string(conf), "ENABLED") != "yes" {
		return verdict{status: Fail, detail: "ufw is not enabled", paths: []string{"/etc/ufw/ufw.conf"}, fix: fix}
	}
	if def, err := c.read("etc/default/ufw"); err == nil {
		if p := shellVar(string(def), "DEFAULT_INPUT_POLICY"); p != "DROP" && p != "REJECT" {
			return verdict{status: Fail, detail: "ufw lets in every port by default (DEFAULT_INPUT_POLICY=" + p + ")", paths: []string{"/etc/default/ufw"}, fix: "DEFAULT_INPUT_POLICY=\"DROP\""}
		}
	}
	var why, at []string
	if len(c.enabled("ufw.service")) == 0 {
		// ENABLED=yes is read by ufw.service at boot: without it, no rule loads.
		why, at = append(why, "ufw.service is not enabled"), append(at, "/etc/systemd/system/multi-user.target.wants/ufw.service")
	}
	for _, f := range []string{"etc/ufw/user.rules", "etc/ufw/user6.rules"} {
		b, err := c.read(f)
		if err != nil {
			why, at = append(why, "missing"), append(at, abs(f))
			continue
		}
		allowed, other := ufwAllowed(string(b))
		slices.Sort(allowed)
		want := slices.Clone(UFWPorts)
		slices.Sort(want)
		extra := slices.DeleteFunc(slices.Clone(allowed), func(p string) bool { return slices.Contains(want, p) })
		if len(extra) > 0 || len(other) > 0 {
			why, at = append(why, fmt.Sprintf("other rules: %s", strings.Join(append(extra, other...), "; "))), append(at, abs(f))
		}
		if f == "etc/ufw/user.rules" && !slices.Equal(slices.Compact(allowed), want) {
			why, at = append(why, fmt.Sprintf("lets in tcp %s, want %s", strings.Join(allowed, ","), strings.Join(want, ","))), append(at, abs(f))
		}
	}
	if len(why) > 0 {
		return verdict{status: Fail, detail: strings.Join(why, "; "), paths: dedup(at), fix: fix}
	}
	return pass("")
}

// checkIMDSv2: cloud-init asks for an IMDSv2 token since 19.4; older ones
// find no metadata on an instance that requires tokens (what the Packer
// template sets) and leave it without the customer's key.
func checkIMDSv2(c *ctx) verdict {
	b, err := c.read("var/lib/dpkg/status")
	if err != nil {
		return verdict{status: Warn, detail: "no dpkg status: cloud-init's version unknown", paths: []string{"/var/lib/dpkg/status"}, fix: "bake from Ubuntu 24.04 LTS"}
	}
	for _, stanza := range strings.Split(string(b), "\n\n") {
		if !strings.Contains(stanza, "Package: cloud-init\n") || !strings.Contains(stanza, "Status: install ok installed") {
			continue
		}
		v := ""
		for _, l := range strings.Split(stanza, "\n") {
			if s, ok := strings.CutPrefix(l, "Version: "); ok {
				v = s
			}
		}
		// 24.4-0ubuntu1~24.04.2, 22.4.2-1+deb12u1: the upstream part.
		up := v
		if i := strings.Index(up, ":"); i >= 0 {
			up = up[i+1:]
		}
		up = strings.FieldsFunc(up, func(r rune) bool { return r == '-' || r == '~' || r == '+' })[0]
		got, err := version.NewVersion(up)
		if err == nil && got.GreaterThanOrEqual(version.Must(version.NewVersion("19.4"))) {
			return pass("cloud-init " + v)
		}
		return verdict{status: Fail, detail: "cloud-init " + v + " predates IMDSv2 (19.4)", paths: []string{"/var/lib/dpkg/status"}, fix: "apt-get install cloud-init from a current release"}
	}
	return verdict{status: Fail, detail: "cloud-init is not an installed package", paths: []string{"/var/lib/dpkg/status"}, fix: "apt-get install cloud-init"}
}
