package install

import (
	"fmt"
	"os"
	"strconv"

	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// checkRerun refuses the options a re-run cannot apply to an existing
// install. A re-run converges ports and the bind address (it recreates the
// container on the same data); the version, the database and Redis, and TLS
// are refused elsewhere (instance.go, observeStacks). What is left here:
// the container's name, the TLS mode, and telemetry. Ignoring them would
// report "nothing to do" for something the user asked and did not get.
func (in *Installer) checkRerun(obs *Observation, o Options) {
	if c := obs.Container; c != nil && c.Name != o.ContainerName {
		obs.add("instance", Fail,
			fmt.Sprintf("re-run with --container-name %s; to rename it, `%s` (the data stays) and then install with --container-name %s",
				c.Name, appsmithCmd(o, "uninstall"), o.ContainerName),
			"the install in %s runs as container %s (asked for %s); an install never renames it", o.Dir, c.Name, o.ContainerName)
	}
	if s := obs.State; s != nil && s.TLS != "" && o.TLS != TLSKeep && o.TLS != s.TLS && !obs.failed("tls") {
		obs.add("tls", Fail, tlsChangeHint(o),
			"the install's TLS is %s (asked for %s); an install never changes it", s.TLS, o.TLS)
	}
	if o.Telemetry && obs.HasEnv && telemetryDisabled(o) {
		obs.add("docker.env", Fail,
			fmt.Sprintf("set %s=false in %s and run `%s`, or re-run without --telemetry",
				stacks.KeyDisableTelemetry, instance.Layout{Dir: o.Dir}.Stacks().DockerEnv(), appsmithCmd(o, "restart")),
			"telemetry is off for this install (%s); an install never rewrites an existing docker.env", stacks.KeyDisableTelemetry)
	}
}

func telemetryDisabled(o Options) bool {
	l := instance.Layout{Dir: o.Dir}.Stacks()
	data, err := os.ReadFile(l.DockerEnv())
	if err != nil {
		return false
	}
	env, err := stacks.ParseEnv(data)
	if err != nil {
		return false
	}
	v, _ := env.Get(stacks.KeyDisableTelemetry)
	off, _ := strconv.ParseBool(v)
	return off
}

// tlsChangeHint names the `appsmith tls` command that makes the change.
func tlsChangeHint(o Options) string {
	cmd := map[string]string{TLSNone: "tls disable", TLSProxy: "tls proxy", TLSLetsEncrypt: "tls use-letsencrypt --domain D", TLSCustom: "tls use-cert --cert F --key F"}[o.TLS]
	if cmd == "" {
		cmd = "tls"
	}
	return fmt.Sprintf("change it with `%s` (it restarts and rolls back on failure), or re-run without TLS options", appsmithCmd(o, cmd))
}

// failed reports whether a check of this name already failed (one finding
// per cause).
func (o *Observation) failed(check string) bool {
	for _, f := range o.Findings {
		if f.Check == check && f.Level == Fail {
			return true
		}
	}
	return false
}

// appsmithCmd is a day-two command line for the install in o.Dir, with
// --dir when it is not the default (without it, the command looks elsewhere).
func appsmithCmd(o Options, args string) string {
	if o.Dir != Defaults().Dir {
		return "appsmith --dir " + o.Dir + " " + args
	}
	return "appsmith " + args
}
