package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/hint"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// The install's checks: they run only when there is an install.

func checkContainer(_ context.Context, e *Env) []Finding {
	c := e.Container
	switch {
	case e.Engine == nil:
		return skipped("the Docker Engine is not reachable")
	case c == nil:
		return []Finding{{Status: Fail, Message: "the container is gone; the data in " + e.Dir + " is still there",
			Fix: "`" + hint.Install(e.Dir, "--yes") + "` recreates it on the same data"}}
	case c.State == "restarting" || (c.Running && c.Restarts > 3 && e.Now.Sub(c.StartedAt) < 10*time.Minute):
		return []Finding{{Status: Fail, Path: c.Name,
			Message: fmt.Sprintf("container %s is restarting in a loop (%d restarts)", c.Name, c.Restarts),
			Fix:     e.cmd("logs") + " says why it stops"}}
	case !c.Running:
		return []Finding{{Status: Warn, Path: c.Name,
			Message: fmt.Sprintf("container %s is %s (exit code %d)", c.Name, c.State, c.ExitCode),
			Fix:     e.cmd("start") + " starts it; " + e.cmd("logs") + " says why it stopped"}}
	}
	return []Finding{{Status: OK, Path: c.Name, Message: fmt.Sprintf("container %s is running (%d restarts)", c.Name, c.Restarts)}}
}

func checkPorts(_ context.Context, e *Env) []Finding {
	c := e.Container
	if c != nil && c.Running {
		var ps []string
		for _, p := range c.Ports {
			ps = append(ps, fmt.Sprintf("%s:%d→%d", orAll(p.HostIP), p.HostPort, p.ContainerPort))
		}
		if len(ps) == 0 {
			return []Finding{{Status: Warn, Path: c.Name, Message: "the container publishes no port: Appsmith is not reachable from outside the Docker host",
				Fix: "`" + hint.Install(e.Dir, "--yes") + "` recreates the container with the recorded ports"}}
		}
		return []Finding{ok("published: %s", strings.Join(ps, ", "))}
	}
	// A stopped or gone container: will its ports be free when it starts?
	ip, ports := "", []int(nil)
	if c != nil {
		p := instance.PublishedPorts(*c)
		ip, ports = p.BindAddress, []int{p.HTTPPort, p.HTTPSPort}
	}
	if s := e.State; s != nil && (len(ports) == 0 || ports[0] == 0) {
		ip, ports = s.BindAddress, []int{s.HTTPPort, s.HTTPSPort}
	}
	if e.Host.PortFree == nil || len(ports) == 0 || ports[0]+ports[1] == 0 {
		return skipped("no recorded ports")
	}
	var out []Finding
	for _, p := range ports {
		if p == 0 {
			continue
		}
		if err := e.Host.PortFree(ip, p); err != nil {
			out = append(out, Finding{Status: Fail, Path: fmt.Sprintf("%s:%d", orAll(ip), p),
				Message: fmt.Sprintf("port %d on %s is in use by another program: Appsmith cannot start on it (%v)", p, orAll(ip), err),
				Fix:     "stop what holds the port (`sudo ss -ltnp` names it), then " + e.cmd("start")})
		}
	}
	if len(out) == 0 {
		out = append(out, ok("the instance's ports are free on %s", orAll(ip)))
	}
	return out
}

func orAll(ip string) string {
	if ip == "" {
		return "0.0.0.0"
	}
	return ip
}

func checkDisk(_ context.Context, e *Env) []Finding {
	if e.Host.DiskFree == nil {
		return skipped("cannot measure free space")
	}
	root := e.stacks().Root
	free, err := e.Host.DiskFree(e.Dir)
	if err != nil {
		return skipped(fmt.Sprintf("cannot measure free space at %s: %v", e.Dir, err))
	}
	// A local backup and an upgrade's rollback copy both land in
	// <dir>/backups; the copy is the whole stacks, and a backup at worst
	// as large (its database dump and files, before compression).
	size := fsutil.Size(root)
	f, s := progress.FormatBytes(int64(free)), progress.FormatBytes(size)
	switch {
	case free < minFreeDisk:
		return []Finding{{Status: Fail, Path: e.Dir, Fix: "free space on the file system of " + e.Dir,
			Message: fmt.Sprintf("%s free at %s: the database and logs are about to run out of room", f, e.Dir)}}
	case uint64(size) > free:
		return []Finding{{Status: Warn, Path: e.Dir,
			Message: fmt.Sprintf("the stacks take %s and only %s is free at %s: neither a local backup nor an upgrade's rollback copy would fit", s, f, e.Dir),
			Fix:     "free space at " + e.Dir + " before " + e.cmd("upgrade") + "; back up elsewhere with " + e.cmd("backup --to s3://BUCKET/PREFIX")}}
	case uint64(2*size) > free:
		return []Finding{{Status: Warn, Path: e.Dir,
			Message: fmt.Sprintf("the stacks take %s and %s is free at %s: room for a local backup or an upgrade's rollback copy, not both", s, f, e.Dir),
			Fix:     "free space at " + e.Dir + ", or keep backups elsewhere: " + e.cmd("backup --to s3://BUCKET/PREFIX")}}
	}
	return []Finding{{Status: OK, Path: e.Dir, Message: fmt.Sprintf("the stacks take %s; %s free: room for a backup and an upgrade's rollback copy", s, f)}}
}

func checkDNS(ctx context.Context, e *Env) []Finding {
	env, err := e.dockerEnv()
	if err != nil {
		return skipped("docker.env is not readable")
	}
	domain, _ := env.Get(stacks.KeyCustomDomain)
	if domain == "" {
		return []Finding{{Status: Info, Message: "no custom domain (APPSMITH_CUSTOM_DOMAIN is empty): nothing to resolve"}}
	}
	if e.Host.LookupHost == nil {
		return skipped("no resolver")
	}
	addrs, err := e.Host.LookupHost(ctx, domain)
	if err != nil || len(addrs) == 0 {
		return []Finding{{Status: Warn, Path: domain, Message: fmt.Sprintf("%s does not resolve: %v", domain, errOrEmpty(err)),
			Fix: "point an A (or AAAA) record of " + domain + " at this host's public address"}}
	}
	var mine []string
	if e.Host.HostIPs != nil {
		mine, _ = e.Host.HostIPs(ctx)
	}
	for _, a := range addrs {
		if slices.Contains(mine, a) {
			return []Finding{{Status: OK, Path: domain, Message: fmt.Sprintf("%s resolves to %s, an address of this host", domain, a)}}
		}
	}
	return []Finding{{Status: Warn, Path: domain,
		Message: fmt.Sprintf("%s resolves to %s, not to an address of this host (%s); expected behind NAT, a load balancer or a proxy", domain, strings.Join(addrs, ", "), strings.Join(mine, ", ")),
		Fix:     "if clients reach this host directly, point " + domain + " at its public address (Let's Encrypt needs it)"}}
}

func errOrEmpty(err error) string {
	if err == nil {
		return "no address"
	}
	return err.Error()
}

func checkDockerEnvKeys(_ context.Context, e *Env) []Finding {
	path := e.stacks().DockerEnv()
	env, err := e.dockerEnv()
	if errors.Is(err, fs.ErrNotExist) {
		return []Finding{{Status: Fail, Path: path, Message: "docker.env is missing: it holds the encryption keys of the stored credentials",
			Fix: "put back a copy of docker.env (a backup holds one: " + e.cmd("backup list") + "); never let a new one be generated for an instance with data"}}
	}
	if err != nil {
		return []Finding{{Status: Fail, Path: path, Message: "docker.env cannot be read: " + err.Error(),
			Fix: "fix the line it names (the file is read by bash), then " + e.cmd("restart")}}
	}
	var out []Finding
	for _, k := range stacks.EncryptionKeys {
		if v, _ := env.Get(k); v == "" {
			out = append(out, Finding{Status: Fail, Path: path,
				Message: k + " is missing or empty: Appsmith cannot decrypt the datasource credentials it stored",
				Fix:     "put " + k + " back from a copy of docker.env (a backup holds one: " + e.cmd("backup list") + "); never generate a new one for an instance with data"})
		}
	}
	db, _ := env.Get(stacks.KeyDBURL)
	legacy, _ := env.Get(stacks.KeyMongoDBURI)
	switch {
	case db == "" && legacy == "":
		out = append(out, Finding{Status: Fail, Path: path, Message: "no database URL (APPSMITH_DB_URL): Appsmith does not know where its data is",
			Fix: "put APPSMITH_DB_URL back from a copy of docker.env, then " + e.cmd("restart")})
	case db == "":
		// Images of the v1.9 era read only the legacy name, newer ones
		// both: the install writes the same URL under both names.
		out = append(out, Finding{Status: Warn, Path: path, Message: "only the legacy APPSMITH_MONGODB_URI names the database",
			Fix: "add APPSMITH_DB_URL with the same value to " + path + " (keep the legacy line for older images), then " + e.cmd("restart")})
	case legacy != "" && legacy != db:
		out = append(out, Finding{Status: Warn, Path: path, Message: "APPSMITH_MONGODB_URI and APPSMITH_DB_URL name different databases: the legacy APPSMITH_MONGODB_URI wins",
			Fix: "give both the URL of the database that holds your data in " + path + ", then " + e.cmd("restart")})
	}
	if len(out) == 0 {
		out = append(out, Finding{Status: OK, Path: path, Message: "the encryption password and salt and the database URL are set"})
	}
	return out
}

func checkDockerEnvMode(_ context.Context, e *Env) []Finding {
	path := e.stacks().DockerEnv()
	fi, err := os.Stat(path)
	if err != nil {
		return skipped("docker.env: " + err.Error())
	}
	if m := fi.Mode().Perm(); m&0o077 != 0 {
		return []Finding{{Status: Warn, Path: path,
			Message: fmt.Sprintf("docker.env is mode %04o: other users of this machine can read the encryption keys and passwords", m),
			Fix:     "`chmod 600 " + path + "`"}}
	}
	return []Finding{{Status: OK, Path: path, Message: fmt.Sprintf("docker.env is mode %04o", fi.Mode().Perm())}}
}

func checkJournal(_ context.Context, e *Env) []Finding {
	dir := instance.Layout{Dir: e.Dir}.Journal()
	js, err := engine.Unfinished(dir)
	if err != nil {
		return []Finding{{Status: Fail, Path: dir, Message: "the journal cannot be read: " + err.Error(),
			Fix: "move the damaged file aside only once the instance is known good"}}
	}
	var out []Finding
	for _, j := range js {
		msg := fmt.Sprintf("%s, begun %s, did not finish", j.Op(), j.Began().UTC().Format(time.RFC3339))
		if s := j.LastStep(); s != "" {
			msg += " (stopped at step " + s + ")"
		}
		f := Finding{Status: Fail, Path: dir, Message: msg + ": other changes are refused until it is finished or undone"}
		if c := j.Meta()["recover"]; c != "" {
			f.Fix = e.cmd(c) + " finishes or undoes it"
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		out = append(out, ok("no unfinished operation"))
	}
	return out
}

func checkRestartPolicy(_ context.Context, e *Env) []Finding {
	c := e.Container
	if c == nil {
		return skipped("no container")
	}
	if c.Restart == "" || c.Restart == "no" {
		return []Finding{{Status: Warn, Path: c.Name,
			Message: fmt.Sprintf("container %s has no restart policy: Appsmith does not come back after a reboot or an Engine restart", c.Name),
			Fix:     "`docker update --restart unless-stopped " + c.Name + "`"}}
	}
	return []Finding{{Status: OK, Path: c.Name, Message: "restart policy " + c.Restart}}
}
