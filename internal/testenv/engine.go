package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

// LabelKey marks containers created by tests (see Labels).
const LabelKey = "io.appsmith-install.test"

// RequireEngine connects to the Docker engine (DOCKER_HOST or the default
// socket, API version negotiated). Without a reachable engine the test is
// skipped, so unit tests still run on a laptop without Docker, except under
// CI=true, where a missing engine is a failure: CI must run the end-to-end tests.
func RequireEngine(tb testing.TB) *client.Client {
	tb.Helper()
	if testing.Short() {
		// `make unit` (-short) means unit: no engine, no image builds.
		tb.Skip("end-to-end: not run with -short (make unit)")
	}
	cli, err := client.New(client.FromEnv)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err = cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
		cancel()
		if err != nil {
			cli.Close()
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("testenv: Docker engine unreachable and CI=true (end-to-end tests must run in CI): %v", err)
		}
		tb.Skipf("testenv: Docker engine unreachable, skipping end-to-end test: %v", err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

func isNotFound(err error) bool { return cerrdefs.IsNotFound(err) }

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_.-]+`)

// UniqueName is a container name derived from the test's name, unique
// across processes: "<prefix>-<test>-<random>".
func UniqueName(tb testing.TB, prefix string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	t := strings.Trim(unsafeName.ReplaceAllString(tb.Name(), "-"), "-.")
	if len(t) > 40 {
		t = t[len(t)-40:]
	}
	return strings.Trim(prefix+"-"+t, "-") + "-" + hex.EncodeToString(b[:])
}

// Labels returns labels that tag containers as this test's and removes every
// container carrying them when the test ends.
func Labels(tb testing.TB, cli *client.Client) map[string]string {
	tb.Helper()
	value := UniqueName(tb, "t")
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", LabelKey+"="+value)})
		if err != nil {
			tb.Errorf("testenv: listing test containers: %v", err)
			return
		}
		for _, c := range list.Items {
			removeContainer(ctx, tb, cli, c.ID)
		}
	})
	return map[string]string{LabelKey: value}
}

// RemoveContainersOnCleanup force-removes the named containers (names or IDs)
// when the test ends; containers that no longer exist are fine. Use it for
// containers the product creates under names the test chose.
func RemoveContainersOnCleanup(tb testing.TB, cli *client.Client, namesOrIDs ...string) {
	tb.Helper()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, n := range namesOrIDs {
			removeContainer(ctx, tb, cli, n)
		}
	})
}

// removeContainer force-removes a container. Engine 20.10 races a forced
// removal against a restart policy: when the kill lands between two runs of
// a crash-looping container ("Could not kill running container ... is not
// running") the container can stay "Removal In Progress" until dockerd
// restarts. So the policy is switched off and the container stopped first,
// and removal is retried.
func removeContainer(ctx context.Context, tb testing.TB, cli *client.Client, id string) {
	_, err := cli.ContainerUpdate(ctx, id, client.ContainerUpdateOptions{RestartPolicy: &container.RestartPolicy{Name: container.RestartPolicyDisabled}})
	if isNotFound(err) {
		return
	}
	grace := 1
	_, _ = cli.ContainerStop(ctx, id, client.ContainerStopOptions{Timeout: &grace})
	for try := 0; try < 10; try++ {
		_, err = cli.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		if err == nil || isNotFound(err) || !strings.Contains(err.Error(), "is not running") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil && !isNotFound(err) && !strings.Contains(err.Error(), "already in progress") {
		tb.Errorf("testenv: removing container %s: %v", id, err)
	}
}

// RemoveImagesOnCleanup untags the given references from the engine when the
// test ends.
func RemoveImagesOnCleanup(tb testing.TB, cli *client.Client, refs ...string) {
	tb.Helper()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, r := range refs {
			if _, err := cli.ImageRemove(ctx, r, client.ImageRemoveOptions{PruneChildren: true}); err != nil && !isNotFound(err) {
				tb.Errorf("testenv: removing image %s: %v", r, err)
			}
		}
	})
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testenv: free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
