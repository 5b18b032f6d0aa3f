package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// withPorts replaces the ports of installArgs.
func (e *env) withPorts(args []string, httpPort, httpsPort int) []string {
	out := append([]string(nil), args...)
	for i := range out[:len(out)-1] {
		switch out[i] {
		case "--http-port":
			out[i+1] = strconv.Itoa(httpPort)
		case "--https-port":
			out[i+1] = strconv.Itoa(httpsPort)
		}
	}
	return out
}

// --tls custom without --domain: the domain is the certificate's, and the
// certificate is served (before, docker.env had no APPSMITH_CUSTOM_DOMAIN and
// the container never served it).
func TestCustomCertificateWithoutDomainIsServed(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	ca := newCA(t, "Test Root CA")
	certFile, keyFile, want := ca.leaf(t, "appsmith.test")
	args := e.installArgs("v1.9.2", "--tls", "custom", "--cert", certFile, "--key", keyFile)

	plan := e.run(nil, append(args, "--dry-run")...)
	e.mustSucceed(plan, "dry run")
	contains(t, "plan", plan.out, "domain appsmith.test")

	e.mustSucceed(e.run(nil, args...), "install with a certificate and no --domain")
	env, _ := readEnv(t, e.dir)
	if d, _ := env.Get("APPSMITH_CUSTOM_DOMAIN"); d != "appsmith.test" {
		t.Fatalf("APPSMITH_CUSTOM_DOMAIN %q, want the certificate's appsmith.test", d)
	}
	got, err := e.handshake(ca, "appsmith.test")
	if err != nil || !got.Equal(want) {
		t.Fatalf("HTTPS: %v (served the certificate: %v)", err, got != nil && got.Equal(want))
	}
}

// An existing install: one port changed converges (recreated on the same data
// and secrets, the cause says why); a new container name is refused with
// nothing changed; the container stops as slowly as `appsmith stop` and
// rotates its logs.
func TestExistingInstallChanges(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	args := e.installArgs("v1.9.2")
	e.mustSucceed(e.run(nil, args...), "install")
	ctx := context.Background()
	ins, err := e.cli.ContainerInspect(ctx, e.name, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := ins.Container
	if c.Config.StopTimeout == nil || *c.Config.StopTimeout != 120 {
		t.Errorf("StopTimeout %v, want 120 s as `appsmith stop`", c.Config.StopTimeout)
	}
	if lc := c.HostConfig.LogConfig; lc.Type != "json-file" || lc.Config["max-size"] == "" || lc.Config["max-file"] == "" {
		t.Errorf("log config %+v, want json-file with max-size and max-file", lc)
	}
	_, envBefore := readEnv(t, e.dir)
	before, _ := e.status()

	// Another container name: refused, exit 3, nothing changed.
	renamed := append([]string(nil), args...)
	for i := range renamed {
		if renamed[i] == "--container-name" {
			renamed[i+1] = e.name + "-other"
		}
	}
	r := e.run(nil, renamed...)
	if r.code != 3 || !strings.Contains(r.errOut, "never renames") || !strings.Contains(r.errOut, "uninstall") {
		t.Fatalf("--container-name on a re-run: exit %d, want 3 naming uninstall\n%s", r.code, r.errOut)
	}
	if s, _ := e.status(); s.ContainerID != before.ContainerID || s.Container != e.name {
		t.Fatalf("the refused re-run changed the container: %+v", s)
	}

	// Behind a proxy now: a re-run cannot apply it, `appsmith tls proxy` does.
	r = e.run(nil, append(append([]string(nil), args...), "--tls", "proxy")...)
	if r.code != 3 || !strings.Contains(r.errOut, "tls proxy") {
		t.Fatalf("--tls proxy on a re-run: exit %d, want 3 naming `appsmith tls proxy`\n%s", r.code, r.errOut)
	}

	// One port changed: the other one is still held by our own container.
	newHTTP := testenv.FreePort(t)
	moved := e.withPorts(args, newHTTP, e.https)
	plan := e.run(nil, append(moved, "--dry-run")...)
	e.mustSucceed(plan, "dry run of a port change")
	if strings.Contains(plan.out, "no container") || !strings.Contains(plan.out, strconv.Itoa(newHTTP)) {
		t.Errorf("plan of a port change:\n%s", plan.out)
	}
	r = e.run(nil, moved...)
	e.mustSucceed(r, "re-run with one port changed")
	s, code := e.status()
	if code != 0 || s.HTTPPort != newHTTP || s.HTTPSPort != e.https || s.ContainerID == before.ContainerID {
		t.Fatalf("after the port change: exit %d %+v", code, s)
	}
	if _, envAfter := readEnv(t, e.dir); string(envAfter) != string(envBefore) {
		t.Fatal("the port change rewrote docker.env")
	}
}

// Two installs into different dirs on the same ports at once: one wins; the
// other exits 3 naming the port, and leaves no container behind.
func TestSamePortsTwoInstallsAtOnce(t *testing.T) {
	a := newEnv(t)
	b := setup(t)
	b.reg = a.reg
	b.http, b.https = a.http, a.https
	a.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	// The image is pulled once first, so both runs reach their start together.
	pre := setup(t)
	pre.reg = a.reg
	pre.mustSucceed(pre.run(nil, pre.installArgs("v1.9.2")...), "pull through a first install")
	pre.mustSucceed(pre.run(nil, "uninstall", "--yes"), "uninstall the first install")

	results := make(chan struct {
		e *env
		r result
	}, 2)
	for _, e := range []*env{a, b} {
		go func(e *env) {
			results <- struct {
				e *env
				r result
			}{e, e.run(nil, e.installArgs("v1.9.2")...)}
		}(e)
	}
	var won, lost int
	for range 2 {
		x := <-results
		switch x.r.code {
		case 0:
			won++
		case 3:
			lost++
			t.Logf("the loser said:\n%s", x.r.errOut)
			if !strings.Contains(x.r.errOut, "port ") || !strings.Contains(x.r.errOut, "--http-port") && !strings.Contains(x.r.errOut, "--https-port") {
				t.Errorf("loser's message:\n%s", x.r.errOut)
			}
			if _, err := x.e.cli.ContainerInspect(context.Background(), x.e.name, client.ContainerInspectOptions{}); err == nil {
				t.Errorf("the loser left its container %s behind", x.e.name)
			}
		default:
			t.Errorf("exit %d\n%s", x.r.code, x.r.errOut)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("won %d lost %d, want one each", won, lost)
	}
}
