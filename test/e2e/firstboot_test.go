package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/firstboot"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/metadata"
	"github.com/appsmith-install/appsmith-install/internal/metadata/metadatafake"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// bakedImage is a machine image as `image prepare` leaves it, under a
// scratch root: the stand-in pulled by digest, image.env naming it, and no
// registry any more (stopped: first boot must need none).
func (e *env) bakedImage(root, version string) imageenv.Image {
	e.t.Helper()
	return e.bakedImageOf(root, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: version})
}

func (e *env) bakedImageOf(root string, img testenv.Image) imageenv.Image {
	e.t.Helper()
	version := img.Tag
	reg, stop := testenv.StartStoppableRegistry(e.t)
	e.reg = reg
	reg.Push(e.t, img)
	ref := reg.PullByDigest(e.t, e.cli, "appsmith/appsmith-ce", version)
	// Cleanups run last first: the container must be gone before its image.
	testenv.RemoveContainersOnCleanup(e.t, e.cli, e.name)
	stop()
	im := imageenv.Image{Provider: imageenv.AWS, Edition: "ce", Version: version, Reference: ref}
	if err := imageenv.Write(root, im); err != nil {
		e.t.Fatal(err)
	}
	return im
}

// userData is cloud-config whose appsmith section puts the instance on the
// test's ports, name and link dir (install.yaml's keys), with a daily
// backup and an auto-update window (the flags of their commands).
func (e *env) userData() string {
	return fmt.Sprintf("#cloud-config\npackage_update: false\nappsmith:\n  container_name: %s\n  http_port: %d\n  https_port: %d\n  bind_address: 127.0.0.1\n  link_dir: %s\n  timeout: 90s\n"+
		"  backup:\n    daily: \"03:30\"\n    no_encrypt: true\n    keep_daily: 7\n  auto_update:\n    window: Sun 04:00\n",
		e.name, e.http, e.https, e.linkDir)
}

// scheduled is the timer or cron file of job (appsmith-backup, ...) under root.
func scheduled(t *testing.T, root, job string) string {
	t.Helper()
	for _, pat := range []string{"etc/systemd/system/" + job + "-*.timer", "etc/cron.d/" + job + "-*"} {
		if m, _ := filepath.Glob(filepath.Join(root, pat)); len(m) == 1 {
			b, _ := os.ReadFile(m[0])
			return string(b)
		}
	}
	t.Errorf("no %s timer or cron file under %s", job, root)
	return ""
}

// runTogether runs n copies of the binary at the same time.
func (e *env) runTogether(n int, extraEnv []string, args ...string) []result {
	e.t.Helper()
	rs := make([]result, n)
	var wg sync.WaitGroup
	for i := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(binary, append([]string{"--dir", e.dir}, args...)...)
			cmd.Env = append(append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true", "NO_COLOR=1"), extraEnv...)
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			rs[i] = result{out: out.String(), errOut: errOut.String()}
			if ee, ok := err.(*exec.ExitError); ok {
				rs[i].code = ee.ExitCode()
			} else if err != nil {
				rs[i].code, rs[i].errOut = -1, err.Error()
			}
		}()
	}
	wg.Wait()
	for _, r := range rs {
		e.outputs.WriteString(r.out + r.errOut)
	}
	return rs
}

func TestFirstbootFromPrePulledImage(t *testing.T) {
	e := newEnv(t)
	root := filepath.Dir(e.dir)
	im := e.bakedImage(root, "v1.9.38")
	host := "ec2-203-0-113-7.eu-west-1.compute.amazonaws.com"
	imds := metadatafake.IMDSv2(map[string]string{"instance-id": "i-0first", "placement/region": "eu-west-1",
		"public-hostname": host, "public-ipv4": "203.0.113.7", "local-ipv4": "10.0.0.7"}, e.userData())
	defer imds.Close()
	// AWS_EC2_METADATA_DISABLED=true is set by run: an explicit endpoint
	// must still be read.
	fb := []string{metadata.EndpointEnv + "=" + imds.URL}
	// The cloud-init hook and the systemd unit both run it at boot: the
	// second waits for the first and finds the instance there.
	for i, r := range e.runTogether(2, fb, "firstboot", "--root", root, "--progress", "plain") {
		e.mustSucceed(r, fmt.Sprintf("firstboot #%d of two at once", i+1))
	}

	s, code := e.status()
	if code != 0 || !s.Healthy || s.Version != im.Version || s.Image != im.Reference {
		t.Fatalf("status: exit %d %+v; want healthy %s from %s", code, s, im.Version, im.Reference)
	}
	for _, q := range imds.Requests() {
		if q.Path != "/latest/api/token" && q.Token == "" {
			t.Errorf("IMDSv1 request: %s %s", q.Method, q.Path)
		}
	}
	cred := filepath.Join(root, firstboot.CredentialsPath)
	fi, err := os.Stat(cred)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credentials: %v %v", fi, err)
	}
	credText, _ := os.ReadFile(cred)
	url := fmt.Sprintf("http://%s:%d/", host, e.http)
	contains(t, "credentials", string(credText), url, "docker.env", "appsmith status --dir "+e.dir, "appsmith backup", "appsmith upgrade", "no default account")
	motd, _ := os.ReadFile(filepath.Join(root, firstboot.MOTDPath))
	contains(t, "motd", string(motd), url)
	backupTimer, updateTimer := scheduled(t, root, "appsmith-backup"), scheduled(t, root, "appsmith-auto-update")
	at := func(text, cron, calendar string) bool {
		return strings.Contains(text, cron) || strings.Contains(text, calendar)
	}
	if !at(backupTimer, "30 3 * * *", "03:30") || !at(updateTimer, "0 4 * * 0", "04:00") {
		t.Errorf("schedules:\n%s\n%s", backupTimer, updateTimer)
	}
	envPath := stacks.Layout{Root: filepath.Join(e.dir, "stacks")}.DockerEnv()
	envBefore, err := os.ReadFile(envPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(envPath); fi.Mode().Perm() != 0o600 {
		t.Errorf("docker.env mode %v", fi.Mode())
	}

	// A second run on the same instance changes nothing.
	r := e.run(fb, "firstboot", "--root", root, "--progress", "plain")
	e.mustSucceed(r, "second firstboot")
	contains(t, "second firstboot", r.errOut, "already holds an instance")
	if b, _ := os.ReadFile(envPath); !bytes.Equal(b, envBefore) {
		t.Error("the second firstboot changed docker.env")
	}
	if b, _ := os.ReadFile(cred); !bytes.Equal(b, credText) {
		t.Error("the second firstboot changed the credentials note")
	}

	// An instance started from a snapshot: another id and address, the
	// container gone; the data, and so the secrets, are the snapshot's.
	ctx := context.Background()
	if _, err := e.cli.ContainerRemove(ctx, e.name, client.ContainerRemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	imds2 := metadatafake.IMDSv2(map[string]string{"instance-id": "i-0second", "local-ipv4": "10.0.0.8"}, e.userData())
	defer imds2.Close()
	r = e.run([]string{metadata.EndpointEnv + "=" + imds2.URL}, "firstboot", "--root", root, "--progress", "plain")
	e.mustSucceed(r, "firstboot from a snapshot")
	if b, _ := os.ReadFile(envPath); !bytes.Equal(b, envBefore) {
		t.Error("firstboot on a snapshot changed docker.env")
	}
	credText, _ = os.ReadFile(cred)
	contains(t, "credentials after the snapshot", string(credText), fmt.Sprintf("http://10.0.0.8:%d/", e.http), "i-0second")
	if s, code := e.status(); code != 0 || !s.Healthy {
		t.Errorf("after the snapshot's first boot: exit %d %+v", code, s)
	}

	env, err := stacks.ParseEnv(envBefore)
	if err != nil {
		t.Fatal(err)
	}
	out := e.outputs.String() + string(credText) + string(motd)
	for _, k := range secretKeys {
		if v, _ := env.Get(k); v != "" && strings.Contains(out, v) {
			t.Errorf("the value of %s was printed or written to the notes", k)
		}
	}
}

// A digest carries no tag: the version /info reports is checked against
// the one image.env recorded, and a mismatch is not ready (exit 4).
func TestFirstbootChecksTheVersion(t *testing.T) {
	e := newEnv(t)
	root := filepath.Dir(e.dir)
	e.bakedImageOf(root, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38", Version: "v1.9.37"})
	imds := metadatafake.IMDSv2(map[string]string{"instance-id": "i-0v", "local-ipv4": "10.0.0.7"}, e.userData())
	defer imds.Close()
	r := e.run([]string{metadata.EndpointEnv + "=" + imds.URL}, "firstboot", "--root", root, "--progress", "plain")
	if r.code != 4 || !strings.Contains(r.errOut, "reports version v1.9.37, expected v1.9.38") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(filepath.Join(root, firstboot.CredentialsPath)); !os.IsNotExist(err) {
		t.Error("credentials written for an instance that is not ready")
	}
}

func TestFirstbootRefusesWithoutImageEnv(t *testing.T) {
	e := newEnv(t)
	r := e.run(nil, "firstboot", "--root", filepath.Dir(e.dir))
	if r.code != 2 || !strings.Contains(r.errOut, "image.env") || !strings.Contains(r.errOut, "image prepare") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.errOut)
	}
	e.noDir()
}
