package imageprep

import (
	"fmt"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/imagecheck"
)

// hookScript is cloud-init's per-instance script. Where systemd runs, it
// starts the unit rather than the command, so the two hooks are one job
// and firstboot never runs twice at once; elsewhere it runs the command.
var hookScript = `#!/bin/sh
# Written by appsmith-install image prepare. cloud-init runs it once per
# instance; appsmith-firstboot.service runs the same command on every boot
# (firstboot is idempotent), so an instance whose cloud-init is off is
# finished too.
set -e
if [ -d /run/systemd/system ] && systemctl cat appsmith-firstboot.service >/dev/null 2>&1; then
	exec systemctl start appsmith-firstboot.service
fi
exec ` + imagecheck.FirstbootCommand + `
`

// hookUnit is the systemd oneshot. It is not ordered after cloud-final
// (which runs after multi-user.target: that would be a cycle); cloud-init's
// script starts this same unit instead of racing it.
var hookUnit = `[Unit]
Description=Appsmith first boot: secrets, configuration and start from the pre-pulled image
Documentation=https://github.com/appsmith-install/appsmith-install#machine-images
Wants=network-online.target docker.service
After=network-online.target docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=` + imagecheck.FirstbootCommand + `
TimeoutStartSec=30min

[Install]
WantedBy=multi-user.target
`

// motdScript is shown at each SSH login (update-motd.d); firstboot leaves
// the instance's URL in imagecheck.MOTDText.
var motdScript = `#!/bin/sh
# Written by appsmith-install image prepare.
echo
echo " Appsmith, installed by appsmith-install"
if [ -s /` + imagecheck.MOTDText + ` ]; then
	cat /` + imagecheck.MOTDText + `
else
	echo "  First boot has not finished: journalctl -u appsmith-firstboot"
fi
echo "  Manage it: sudo appsmith status | logs | backup | upgrade | tls"
echo
`

// sshdDropIn: keys only, root by key only. ChallengeResponseAuthentication
// rather than KbdInteractiveAuthentication: OpenSSH before 8.7 refuses the
// newer name and would not start, and every release since reads the old
// one as an alias.
const sshdDropIn = `# Written by appsmith-install image prepare (AWS and DigitalOcean Marketplace
# rules). sshd keeps the first value it reads: this file sorts before
# cloud-init's 50-cloud-init.conf.
PasswordAuthentication no
ChallengeResponseAuthentication no
PermitRootLogin prohibit-password
PermitEmptyPasswords no
`

// ufwRules is /etc/ufw/user.rules (v6: user6.rules) as ufw itself writes
// it after "ufw allow PORT/tcp" for each port, with its default low logging.
func ufwRules(v6 bool, ports []string) string {
	c, any := "ufw", "0.0.0.0/0"
	if v6 {
		c, any = "ufw6", "::/0"
	}
	var b strings.Builder
	b.WriteString("*filter\n")
	for _, ch := range []string{"user-input", "user-output", "user-forward",
		"before-logging-input", "before-logging-output", "before-logging-forward",
		"user-logging-input", "user-logging-output", "user-logging-forward",
		"after-logging-input", "after-logging-output", "after-logging-forward",
		"logging-deny", "logging-allow", "user-limit", "user-limit-accept"} {
		fmt.Fprintf(&b, ":%s-%s - [0:0]\n", c, ch)
	}
	b.WriteString("### RULES ###\n")
	for _, p := range ports {
		fmt.Fprintf(&b, "\n### tuple ### allow tcp %s %s any %s in\n-A %s-user-input -p tcp --dport %s -j ACCEPT\n", p, any, any, c, p)
	}
	b.WriteString("\n### END RULES ###\n\n### LOGGING ###\n")
	lim := "-m limit --limit 3/min --limit-burst 10"
	fmt.Fprintf(&b, "-A %s-after-logging-input -j LOG --log-prefix \"[UFW BLOCK] \" %s\n", c, lim)
	fmt.Fprintf(&b, "-A %s-after-logging-forward -j LOG --log-prefix \"[UFW BLOCK] \" %s\n", c, lim)
	fmt.Fprintf(&b, "-I %s-logging-deny -m conntrack --ctstate INVALID -j RETURN %s\n", c, lim)
	fmt.Fprintf(&b, "-A %s-logging-deny -j LOG --log-prefix \"[UFW BLOCK] \" %s\n", c, lim)
	fmt.Fprintf(&b, "-A %s-logging-allow -j LOG --log-prefix \"[UFW ALLOW] \" %s\n", c, lim)
	b.WriteString("### END LOGGING ###\n\n### RATE LIMITING ###\n")
	fmt.Fprintf(&b, "-A %s-user-limit -m limit --limit 3/minute -j LOG --log-prefix \"[UFW LIMIT BLOCK] \"\n", c)
	fmt.Fprintf(&b, "-A %s-user-limit -j REJECT\n", c)
	fmt.Fprintf(&b, "-A %s-user-limit-accept -j ACCEPT\n", c)
	b.WriteString("### END RATE LIMITING ###\nCOMMIT\n")
	return b.String()
}

// setShellVar sets KEY=value in a shell-style config file, keeping every
// other line; value is written as given (quotes included).
func setShellVar(body, key, value string) string {
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), key+"=") {
			lines[i] = key + "=" + value
			return strings.Join(lines, "\n")
		}
	}
	if body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	return body + key + "=" + value + "\n"
}
