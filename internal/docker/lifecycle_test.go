package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// The calls an upgrade and a rollback make, against the real engine: pull
// by digest, retag, keep an old container renamed and unable to restart
// itself, kill and wait, copy files in and out, drop a tag.
func TestEngineUpgradePrimitives(t *testing.T) {
	c := requireEngine(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	prefix := uniqueName(t)
	repo := testRegistry(t) + "/" + prefix + "/app"
	digest := push(t, repo+":v1", testAppImage(t))
	byDigest := repo + "@" + digest.String()
	removeImageOnCleanup(t, c, byDigest)

	if err := c.ImagePull(ctx, byDigest, nil); err != nil {
		t.Fatalf("pull by digest: %v", err)
	}
	img, err := c.ImageInspect(ctx, byDigest)
	if err != nil {
		t.Fatal(err)
	}
	kept := repo + ":rollback"
	if err := c.ImageTag(ctx, img.ID, kept); err != nil {
		t.Fatal(err)
	}
	removeImageOnCleanup(t, c, kept)
	other := repo + ":other"
	if err := c.ImageTag(ctx, img.ID, other); err != nil {
		t.Fatal(err)
	}
	removeImageOnCleanup(t, c, other)
	if got, err := c.ImageInspect(ctx, kept); err != nil || got.ID != img.ID {
		t.Fatalf("tagged image: %+v %v", got, err)
	}

	id, err := c.ContainerCreate(ctx, ContainerSpec{Name: prefix, Image: byDigest, RestartPolicy: "unless-stopped"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.ContainerRemove(context.Background(), id) })
	if err := c.ContainerRename(ctx, id, prefix+"-previous"); err != nil {
		t.Fatal(err)
	}
	if err := c.ContainerSetRestart(ctx, id, "no"); err != nil {
		t.Fatal(err)
	}
	got, err := c.ContainerInspect(ctx, prefix+"-previous")
	if err != nil || got.ID != id || got.Restart != "no" {
		t.Fatalf("after rename and restart policy: %+v %v", got, err)
	}
	if _, err := c.ContainerInspect(ctx, prefix); !errors.Is(err, ErrNotFound) {
		t.Errorf("the old name is still taken: %v", err)
	}

	if err := c.ContainerStart(ctx, id); err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	tw.WriteHeader(&tar.Header{Name: "note.txt", Mode: 0o600, Size: 5})
	tw.Write([]byte("hello"))
	tw.Close()
	if err := c.CopyToContainer(ctx, id, "/", &archive); err != nil {
		t.Fatal(err)
	}
	rc, err := c.CopyFromContainer(ctx, id, "/note.txt")
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(rc)
	h, err := tr.Next()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(tr)
	rc.Close()
	if h.Name != "note.txt" || string(body) != "hello" || h.Mode&0o777 != 0o600 {
		t.Errorf("copied back %q %q mode %o", h.Name, body, h.Mode)
	}
	if _, err := c.CopyFromContainer(ctx, id, "/no/such/file"); !errors.Is(err, ErrNotFound) {
		t.Errorf("copy of a missing path: %v, want ErrNotFound", err)
	}

	waited := make(chan int, 1)
	go func() {
		code, err := c.ContainerWait(ctx, id)
		if err != nil {
			t.Error(err)
		}
		waited <- code
	}()
	if err := c.ContainerKill(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	if code := <-waited; code != 137 {
		t.Errorf("wait after SIGKILL: exit code %d, want 137", code)
	}
	if code, err := c.ContainerWait(ctx, id); err != nil || code != 137 {
		t.Errorf("wait on a stopped container: %d %v", code, err)
	}

	if err := c.ContainerRemove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := c.ImageRemove(ctx, kept); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ImageInspect(ctx, kept); !errors.Is(err, ErrNotFound) {
		t.Errorf("the removed tag is still there: %v", err)
	}
	if _, err := c.ImageInspect(ctx, other); err != nil {
		t.Errorf("removing one tag removed the image another tag names: %v", err)
	}
	if err := c.ImageRemove(ctx, repo+":never"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "remove image") {
		t.Errorf("remove of an unknown tag: %v", err)
	}
}
