package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/imagecheck"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/metadata"
	"github.com/appsmith-install/appsmith-install/internal/metadata/metadatafake"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// TestMarketplaceImageBakeThenFirstBoot is the life of a marketplace image
// with the real commands on a real Debian tree: `image prepare` resolves the
// version to a digest and writes image.env, the hook and the banner; `image
// check` passes it; the machine pulls that digest (prepare's job on a real
// root, reported as "would" under --root); the registry goes away; first
// boot starts the instance from image.env with no pull; the banner prepare
// installed prints the URL firstboot left; and the tree, now holding an
// instance's secrets, would no longer pass as an image.
func TestMarketplaceImageBakeThenFirstBoot(t *testing.T) {
	e := newEnv(t)
	tree := testenv.DebianTree(t)
	e.dir = filepath.Join(tree, "opt/appsmith")

	reg, stop := testenv.StartStoppableRegistry(t)
	reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
	r := e.run(nil, "image", "prepare", "--provider", "aws", "--edition", "ce", "--version", "1.9.38", "--registry", reg.Host(), "--root", tree)
	e.mustSucceed(r, "image prepare --root")
	im, err := imageenv.Read(tree)
	if err != nil {
		t.Fatal(err)
	}
	e.mustSucceed(e.run(nil, "image", "check", "--root", tree), "image check of the prepared tree")

	if ref := reg.PullByDigest(t, e.cli, "appsmith/appsmith-ce", "v1.9.38"); ref != im.Reference {
		t.Fatalf("image.env names %s, the registry's digest is %s", im.Reference, ref)
	}
	// Cleanups run last first: the container goes before its image and
	// before the tree it writes into.
	testenv.RemoveContainersOnCleanup(t, e.cli, e.name)
	stop()

	host := "ec2-198-51-100-9.compute-1.amazonaws.com"
	imds := metadatafake.IMDSv2(map[string]string{"instance-id": "i-0bake", "public-hostname": host, "local-ipv4": "10.0.0.9"}, e.userData())
	defer imds.Close()
	e.mustSucceed(e.run([]string{metadata.EndpointEnv + "=" + imds.URL}, "firstboot", "--root", tree, "--progress", "plain"), "firstboot")
	if s, code := e.status(); code != 0 || !s.Healthy || s.Image != im.Reference || s.Version != "v1.9.38" {
		t.Fatalf("after first boot: exit %d %+v", code, s)
	}

	// The banner, as sshd's pam_motd runs it: in the tree, by its own shell.
	out, err := exec.Command("chroot", tree, "/"+imagecheck.MOTD).CombinedOutput()
	if err != nil {
		t.Fatalf("banner: %v\n%s", err, out)
	}
	contains(t, "login banner", string(out), fmt.Sprintf("http://%s:%d/", host, e.http))

	// Baked again now, the image would carry this instance's secrets.
	r = e.run(nil, "image", "check", "--root", tree)
	if r.code != 1 {
		t.Fatalf("image check of a tree holding an instance: exit %d\n%s", r.code, r.out)
	}
	contains(t, "image check after first boot", r.out, "FAIL  appsmith-secrets", filepath.Join("/opt/appsmith/stacks/configuration/docker.env"))
}
