package docker

// Tests against the real Docker engine of this machine. They skip, with the
// reason, where no engine answers, except under CI=true: there an absent
// engine is a failure, so a broken CI machine cannot pass by skipping.

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
)

func TestEngineInfo(t *testing.T) {
	c := requireEngine(t)
	info, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.ServerVersion == "" || info.OS != "linux" || info.NCPU < 1 || info.MemTotal <= 0 || info.DockerRootDir == "" || info.Host == "" {
		t.Errorf("Info = %+v", info)
	}
	if info.APIVersion == "" || !strings.HasPrefix(info.APIVersion, "1.") {
		t.Errorf("negotiated API version %q", info.APIVersion)
	}
	t.Logf("engine %s, API %s, at %s", info.ServerVersion, info.APIVersion, info.Host)
}

func TestEnginePullMissingTag(t *testing.T) {
	c := requireEngine(t)
	reg := testRegistry(t)
	repo := reg + "/" + uniqueName(t) + "/app"
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	push(t, repo+":v1", img)
	removeImageOnCleanup(t, c, repo+":v1") // in case the engine pulled something after all

	err = c.ImagePull(context.Background(), repo+":v9.9.9", nil)
	if !IsManifestUnknown(err) {
		t.Fatalf("pull of a missing tag: err = %v, want IsManifestUnknown", err)
	}
	t.Logf("engine says: %v", err)
}

func TestEngineImageAndContainerLifecycle(t *testing.T) {
	c := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	prefix := uniqueName(t)
	ref := testRegistry(t) + "/" + prefix + "/app:v1"
	digest := push(t, ref, testAppImage(t))
	removeImageOnCleanup(t, c, ref)

	// Pull through the product's path, with progress.
	var events []PullEvent
	if err := c.ImagePull(ctx, ref, func(e PullEvent) { events = append(events, e) }); err != nil {
		t.Fatal(err)
	}
	layers := map[string]bool{}
	for _, e := range events {
		if e.Layer != "" && e.Status == "Pull complete" {
			layers[e.Layer] = true
		}
	}
	if len(layers) != 3 {
		t.Errorf("%d layers reported complete, want 3; events: %+v", len(layers), events)
	}
	img, err := c.ImageInspect(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	wantDigest := strings.TrimSuffix(ref, ":v1") + "@" + digest.String()
	if !slices.Contains(img.RepoDigests, wantDigest) || !slices.Contains(img.RepoTags, ref) {
		t.Errorf("image RepoDigests %q RepoTags %q, want %q and %q", img.RepoDigests, img.RepoTags, wantDigest, ref)
	}
	if img.Arch != runtime.GOARCH || img.Size <= 0 || !strings.HasPrefix(img.ID, "sha256:") {
		t.Errorf("image %+v", img)
	}
	if _, err := c.ImageInspect(ctx, strings.TrimSuffix(ref, ":v1")+":absent"); !errors.Is(err, ErrNotFound) {
		t.Errorf("inspect of an absent image: err = %v, want ErrNotFound", err)
	}

	// Create with a bind mount, labels and loopback ports; read it back.
	stacks := t.TempDir()
	label := prefix + ".test"
	httpPort, httpsPort := freePort(t), freePort(t)
	spec := ContainerSpec{
		Name:          prefix,
		Image:         ref,
		Env:           []string{"MOUNT_DIR=/appsmith-stacks", "A=b c"},
		Labels:        map[string]string{label: "1", "other": "x"},
		Mounts:        []Mount{{Source: stacks, Destination: "/appsmith-stacks"}},
		Ports:         []PortBinding{{HostIP: "127.0.0.1", HostPort: httpPort, ContainerPort: 80}, {HostIP: "127.0.0.1", HostPort: httpsPort, ContainerPort: 443}},
		RestartPolicy: "unless-stopped",
	}
	id, err := c.ContainerCreate(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.ContainerRemove(context.Background(), id); err != nil && !errors.Is(err, ErrNotFound) {
			t.Errorf("clean up container: %v", err)
		}
	})
	if _, err := c.ContainerCreate(ctx, spec); err == nil || !strings.Contains(err.Error(), "create container "+prefix+": ") {
		t.Errorf("second create with the same name: err = %v", err)
	}

	got, err := c.ContainerInspect(ctx, prefix)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != id || got.Name != prefix || got.Image != ref || got.ImageID != img.ID || got.State != "created" || got.Running ||
		got.Restart != "unless-stopped" || got.Labels[label] != "1" || !slices.Contains(got.Env, "A=b c") {
		t.Errorf("inspect: %+v", got)
	}
	if want := spec.Mounts; !slices.Equal(got.Mounts, want) {
		t.Errorf("mounts %+v, want %+v", got.Mounts, want)
	}
	wantPorts := spec.Ports
	if wantPorts[0].ContainerPort > wantPorts[1].ContainerPort {
		wantPorts[0], wantPorts[1] = wantPorts[1], wantPorts[0]
	}
	if !slices.Equal(got.Ports, wantPorts) {
		t.Errorf("ports %+v, want %+v", got.Ports, wantPorts)
	}

	list, err := c.ContainerList(ctx, map[string]string{label: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != id || len(list[0].Mounts) != 1 || len(list[0].Ports) != 2 {
		t.Errorf("list by label: %+v", list)
	}
	if list, err := c.ContainerList(ctx, map[string]string{label: "2"}); err != nil || len(list) != 0 {
		t.Errorf("list by another value: %+v, %v", list, err)
	}
	if list, err := c.ContainerList(ctx, map[string]string{label: ""}); err != nil || len(list) != 1 {
		t.Errorf("list by key only: %+v, %v", list, err)
	}

	// Run it: logs on both streams, the bind mount writable, exec with
	// stdin, env and an exit code.
	if err := c.ContainerStart(ctx, id); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	for deadline := time.Now().Add(30 * time.Second); ; {
		stdout.Reset()
		stderr.Reset()
		if err := c.ContainerLogs(ctx, id, LogsOptions{}, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stderr.String(), "hello stderr") || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if stdout.String() != "hello stdout\n" || stderr.String() != "hello stderr\n" {
		t.Errorf("logs: stdout %q stderr %q", stdout.String(), stderr.String())
	}
	if b, err := os.ReadFile(filepath.Join(stacks, "hello.txt")); err != nil || string(b) != "hello\n" {
		t.Errorf("file written through the bind mount: %q, %v", b, err)
	}
	res, err := c.Exec(ctx, id, []string{"/testapp", "exec", "3"}, []string{"SECRET=s3cr3t"}, strings.NewReader("from stdin"))
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || string(res.Stdout) != "stdin=from stdin secret=s3cr3t\n" || string(res.Stderr) != "to stderr\n" {
		t.Errorf("exec: code %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	if res, err := c.Exec(ctx, id, []string{"/testapp", "exec", "0"}, nil, nil); err != nil || res.ExitCode != 0 || string(res.Stdout) != "stdin= secret=\n" {
		t.Errorf("exec without stdin: %+v, %v", res, err)
	}

	if err := c.ContainerStop(ctx, id, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	got, err = c.ContainerInspect(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != "exited" || got.Running || got.StartedAt.IsZero() || got.FinishedAt.Before(got.StartedAt) {
		t.Errorf("after stop: %+v", got)
	}

	if err := c.ContainerRemove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ContainerInspect(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("inspect after remove: err = %v, want ErrNotFound", err)
	}
}
