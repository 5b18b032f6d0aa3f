package install

import (
	"fmt"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// StopTimeout is instance.StopTimeout: `appsmith stop` waits this long, and
// the container carries it so a reboot or an engine shutdown waits as long
// (the engine's default is 10 s).
const StopTimeout = instance.StopTimeout

// containerLog rotates the container's json-file log: Appsmith logs a lot,
// and the engine's default never removes a line. 5 × 100 MB keeps days of
// logs for `appsmith logs` without filling the disk the data lives on.
func containerLog() *docker.LogConfig {
	return &docker.LogConfig{Driver: "json-file", Options: map[string]string{"max-size": "100m", "max-file": "5"}}
}

// portsChange says how the published ports move, such as
// "ports 127.0.0.1:8080→80, 127.0.0.1:8443→443 become 127.0.0.1:9080→80, …".
func portsChange(have, want []docker.PortBinding) string {
	return "ports " + portList(have) + " become " + portList(want)
}

func portList(ps []docker.PortBinding) string {
	s := ""
	for i, p := range ps {
		if i > 0 {
			s += ", "
		}
		ip := p.HostIP
		if ip == "" {
			ip = "0.0.0.0"
		}
		s += fmt.Sprintf("%s:%d→%d", ip, p.HostPort, p.ContainerPort)
	}
	return s
}
