package install

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// bindPortRe finds the host port in the engine's bind errors:
// "Bind for 0.0.0.0:8080 failed: port is already allocated" and
// "listen tcp4 0.0.0.0:8080: bind: address already in use".
var bindPortRe = regexp.MustCompile(`:(\d+)(?: failed|: bind)`)

func isBindError(err error) bool {
	s := err.Error()
	return strings.Contains(s, "port is already allocated") || strings.Contains(s, "address already in use")
}

// bindFailed turns a start refused for a taken port into a preflight
// failure (the port was free when checked; another install took it since).
// A container this run created is removed, so no `Created` container is left
// behind whose status would point nowhere; one that existed before is kept.
func (r *run) bindFailed(ctx context.Context, err error) error {
	port := 0
	if m := bindPortRe.FindStringSubmatch(err.Error()); m != nil {
		port, _ = strconv.Atoi(m[1])
	}
	flag := "http-port"
	if port == r.o.HTTPSPort {
		flag = "https-port"
	}
	what := fmt.Sprintf("port %d on %s is taken", port, r.o.BindAddress)
	if port == 0 {
		what = fmt.Sprintf("port %d or %d on %s is taken", r.o.HTTPPort, r.o.HTTPSPort, r.o.BindAddress)
	}
	if cs, lerr := r.d.ContainerList(ctx, nil); lerr == nil && port != 0 {
		for i := range cs {
			if cs[i].ID != r.container.ID && publishes(&cs[i], port) {
				what += fmt.Sprintf(" by container %s (%s, %s)", cs[i].Name, cs[i].Image, cs[i].State)
				break
			}
		}
	}
	what += ", since the preflight check found it free"
	if r.created {
		if rerr := r.d.ContainerRemove(ctx, r.container.ID); rerr != nil {
			return &engine.Error{Code: engine.ExitFailure, Err: fmt.Errorf("%s; removing the container this run created: %v", what, rerr),
				Hint: "remove container " + r.o.ContainerName + " and re-run"}
		}
		what += "; the container this run created was removed"
	}
	return &engine.Error{Code: engine.ExitPreflight, Err: fmt.Errorf("%s", what),
		Hint: fmt.Sprintf("choose another port with --%s, or stop what holds it, and re-run", flag)}
}
