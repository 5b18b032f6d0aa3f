package testenv

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// pulled makes each reference pulled once per process: parallel subtests
// share images, and the engine's pull path is what the tests exercise.
var pulled sync.Map

func pull(t *testing.T, cli *client.Client, ref string) {
	t.Helper()
	once, _ := pulled.LoadOrStore(ref, &sync.Once{})
	var err error
	once.(*sync.Once).Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		var resp client.ImagePullResponse
		if resp, err = cli.ImagePull(ctx, ref, client.ImagePullOptions{}); err == nil {
			err = resp.Wait(ctx)
		}
		if err != nil {
			pulled.Delete(ref)
		}
	})
	if err != nil {
		t.Fatalf("engine pull %s: %v", ref, err)
	}
}

// instance is one stand-in container with its stacks bind mount.
type instance struct {
	t      *testing.T
	cli    *client.Client
	id     string
	stacks string
	http   string // "http://127.0.0.1:PORT"
	https  string // "127.0.0.1:PORT"
}

var (
	port80  = network.MustParsePort("80/tcp")
	port443 = network.MustParsePort("443/tcp")
	local   = netip.MustParseAddr("127.0.0.1")
)

// start pulls ref through the engine and runs it on stacks, publishing 80 and
// 443 on random 127.0.0.1 ports.
func start(t *testing.T, cli *client.Client, ref, stacks string, env ...string) *instance {
	t.Helper()
	pull(t, cli, ref)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	created, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name: UniqueName(t, "standin"),
		Config: &container.Config{
			Image:        ref,
			Env:          env,
			Labels:       Labels(t, cli),
			ExposedPorts: network.PortSet{port80: {}, port443: {}},
		},
		HostConfig: &container.HostConfig{
			Binds: []string{stacks + ":/appsmith-stacks"},
			PortBindings: network.PortMap{
				port80:  {{HostIP: local}},
				port443: {{HostIP: local}},
			},
		},
	})
	if err != nil {
		t.Fatalf("create %s: %v", ref, err)
	}
	in := &instance{t: t, cli: cli, id: created.ID, stacks: stacks}
	if _, err := cli.ContainerStart(ctx, in.id, client.ContainerStartOptions{}); err != nil {
		t.Fatalf("start %s: %v", ref, err)
	}
	insp, err := cli.ContainerInspect(ctx, in.id, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	if ns := insp.Container.NetworkSettings; ns != nil {
		if b := ns.Ports[port80]; len(b) > 0 {
			in.http = "http://127.0.0.1:" + b[0].HostPort
		}
		if b := ns.Ports[port443]; len(b) > 0 {
			in.https = "127.0.0.1:" + b[0].HostPort
		}
	}
	return in
}

var httpClient = &http.Client{Timeout: 3 * time.Second}

func (in *instance) get(path string) (int, string, error) {
	resp, err := httpClient.Get(in.http + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// waitStatus polls path until it answers want, failing after timeout.
func (in *instance) waitStatus(path string, want int, timeout time.Duration) string {
	in.t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		code, body, err := in.get(path)
		if err == nil && code == want {
			return body
		}
		last = fmt.Sprintf("status %d, err %v", code, err)
		if time.Now().After(deadline) {
			in.t.Fatalf("%s never answered %d within %s (last: %s)\nlogs:\n%s", path, want, timeout, last, in.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (in *instance) logs() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rc, err := in.cli.ContainerLogs(ctx, in.id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "(logs: " + err.Error() + ")"
	}
	defer rc.Close()
	var out bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &out, rc)
	return out.String()
}

// exec runs cmd in the container through the Engine API.
func (in *instance) exec(cmd ...string) (string, int) {
	in.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ex, err := in.cli.ExecCreate(ctx, in.id, client.ExecCreateOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		in.t.Fatalf("exec create %v: %v", cmd, err)
	}
	att, err := in.cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		in.t.Fatalf("exec attach %v: %v", cmd, err)
	}
	var out bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &out, att.Reader)
	att.Close()
	for {
		res, err := in.cli.ExecInspect(ctx, ex.ID, client.ExecInspectOptions{})
		if err != nil {
			in.t.Fatalf("exec inspect %v: %v", cmd, err)
		}
		if !res.Running {
			return out.String(), res.ExitCode
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitExit waits for the container to stop on its own and returns its status.
func (in *instance) waitExit(timeout time.Duration) int {
	in.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res := in.cli.ContainerWait(ctx, in.id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-res.Result:
		return int(r.StatusCode)
	case err := <-res.Error:
		in.t.Fatalf("container did not exit within %s: %v\nlogs:\n%s", timeout, err, in.logs())
	}
	return -1
}

// stop is `docker stop` with a 10s grace; it returns the exit status and how
// long the container took.
func (in *instance) stop() (int, time.Duration) {
	in.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	grace := 10
	began := time.Now()
	if _, err := in.cli.ContainerStop(ctx, in.id, client.ContainerStopOptions{Timeout: &grace}); err != nil {
		in.t.Fatalf("stop: %v", err)
	}
	took := time.Since(began)
	insp, err := in.cli.ContainerInspect(ctx, in.id, client.ContainerInspectOptions{})
	if err != nil {
		in.t.Fatalf("inspect: %v", err)
	}
	return insp.Container.State.ExitCode, took
}

// runToHealthy starts ref on stacks, waits for health 200 and stops it
// cleanly: one full start of a release on that data.
func runToHealthy(t *testing.T, cli *client.Client, ref, stacks string, env ...string) {
	t.Helper()
	in := start(t, cli, ref, stacks, env...)
	in.waitStatus("/api/v1/health", 200, 30*time.Second)
	if code, _ := in.stop(); code != 0 {
		t.Fatalf("%s stopped with status %d\n%s", ref, code, in.logs())
	}
}

// mustContain fails unless s holds every want.
func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

func httpsGet(addr, serverName string, roots *tls.Config, path string) (int, error) {
	c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: roots}}
	req, err := http.NewRequest("GET", "https://"+addr+path, nil)
	if err != nil {
		return 0, err
	}
	req.Host = serverName
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
