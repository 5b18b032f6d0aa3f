package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/firstboot"
	"github.com/appsmith-install/appsmith-install/internal/imageenv"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/metadata"
	"github.com/appsmith-install/appsmith-install/internal/metadata/metadatafake"
)

var bakedCE = imageenv.Image{Provider: imageenv.AWS, Edition: "ce", Version: "v1.9.38",
	Reference: "registry.example.com/appsmith/appsmith-ce@sha256:" + strings.Repeat("b", 64)}

func firstbootOpts(t *testing.T, root string) *FirstbootOptions {
	t.Helper()
	stdio, _, _ := testIO()
	return &FirstbootOptions{IO: stdio, Deps: Deps{Host: fakeDeps(nil).Host}, Root: &rootOpts{progress: "plain"}, SysRoot: root, Timeout: 90 * time.Second}
}

func parsed(t *testing.T, ud string) (firstboot.Settings, bool) {
	t.Helper()
	s, err := firstboot.Parse([]byte(ud))
	if err == firstboot.ErrNoSection {
		return s, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return s, true
}

func TestFirstbootOptionsFromUserData(t *testing.T) {
	root := t.TempDir()
	// No section: the baked image, by digest with its version, under root.
	set, has := parsed(t, "#!/bin/sh\necho hi\n")
	o, existing, err := firstbootOptions(context.Background(), firstbootOpts(t, root), root, bakedCE, set, has)
	if err != nil || existing {
		t.Fatalf("%v %v", existing, err)
	}
	if o.Image != bakedCE.Reference || o.ImageVersion != "v1.9.38" || o.ExpectedVersion() != "v1.9.38" || o.Edition != "ce" ||
		o.Dir != filepath.Join(root, "opt/appsmith") || o.LinkDir != filepath.Join(root, "usr/local/bin") {
		t.Errorf("options %+v", o)
	}
	// install.yaml's keys; the same version as baked keeps the baked image.
	set, has = parsed(t, "#cloud-config\nappsmith:\n  version: 1.9.38\n  domain: apps.example.com\n  tls: letsencrypt\n  http_port: 8080\n")
	if o, _, err = firstbootOptions(context.Background(), firstbootOpts(t, root), root, bakedCE, set, has); err != nil {
		t.Fatal(err)
	}
	if o.Image != bakedCE.Reference || o.Domain != "apps.example.com" || o.TLS != "letsencrypt" || o.HTTPPort != 8080 {
		t.Errorf("options %+v", o)
	}
	// Another edition than baked: pulled by its tag.
	set, has = parsed(t, "appsmith:\n  edition: ee\n  version: v1.9.38\n")
	if o, _, err = firstbootOptions(context.Background(), firstbootOpts(t, root), root, bakedCE, set, has); err != nil {
		t.Fatal(err)
	}
	if o.Image != "" || o.ImageRef() != "appsmith/appsmith-ee:v1.9.38" {
		t.Errorf("options %+v (%s)", o, o.ImageRef())
	}
}

// Bad user-data is a usage error naming where it is, before anything is
// written.
func TestFirstbootBadUserData(t *testing.T) {
	for ud, want := range map[string]string{
		"appsmith:\n  editon: ce\n":                              `user-data (appsmith: section): unknown key "editon"`,
		"appsmith:\n  http_port: eighty\n":                       "http_port in user-data",
		"appsmith:\n  backup:\n    daily: noon\n":                "appsmith.backup.daily",
		"appsmith:\n  backup:\n    dayly: \"03:00\"\n":           "unknown key appsmith.backup.dayly",
		"appsmith:\n  auto_update:\n    window: someday 25:00\n": "appsmith.auto_update.window",
	} {
		root := t.TempDir()
		if err := imageenv.Write(root, bakedCE); err != nil {
			t.Fatal(err)
		}
		s := metadatafake.IMDSv2(map[string]string{"instance-id": "i-1", "local-ipv4": "10.0.0.1"}, ud)
		opts := firstbootOpts(t, root)
		opts.IO.Getenv = func(k string) string {
			if k == metadata.EndpointEnv {
				return s.URL
			}
			return ""
		}
		err := firstbootRun(context.Background(), opts)
		s.Close()
		if engine.ExitCode(err) != engine.ExitUsage || err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: exit %d, %v; want %q", ud, engine.ExitCode(err), err, want)
		}
		if _, err := os.Stat(filepath.Join(root, "opt")); !os.IsNotExist(err) {
			t.Errorf("%q: the install dir was created", ud)
		}
	}
}

// An instance that has its docker.env (a second boot, or a snapshot of a
// running instance) keeps it: user-data is not applied again.
func TestFirstbootExistingIgnoresUserData(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "opt/appsmith")
	envFile := instance.Layout{Dir: dir}.Stacks().DockerEnv()
	os.MkdirAll(filepath.Dir(envFile), 0o755)
	os.WriteFile(envFile, []byte("APPSMITH_ENCRYPTION_PASSWORD=abc\n"), 0o600)
	set, has := parsed(t, "appsmith:\n  domain: new.example.com\n  backup:\n    daily: \"03:00\"\n")
	o, existing, err := firstbootOptions(context.Background(), firstbootOpts(t, root), root, bakedCE, set, has)
	if err != nil || !existing || o.Domain != "" || o.Image != bakedCE.Reference {
		t.Fatalf("existing %v, %+v, %v", existing, o, err)
	}
	if runs, err := firstbootSchedules(firstbootOpts(t, root), set, existing); err != nil || len(runs) != 0 {
		t.Errorf("schedules for an existing instance: %d, %v", len(runs), err)
	}
}

// On DigitalOcean the user-data comes inside v1.json: a typo in it is
// reported as on AWS, before anything is written.
func TestFirstbootDigitalOceanUserData(t *testing.T) {
	root := t.TempDir()
	do := bakedCE
	do.Provider = imageenv.DigitalOcean
	if err := imageenv.Write(root, do); err != nil {
		t.Fatal(err)
	}
	s := metadatafake.DigitalOcean(`{"droplet_id":42,"region":"fra1","user_data":"#cloud-config\nappsmith:\n  domian: a.example.com\n","interfaces":{"public":[{"ipv4":{"ip_address":"203.0.113.9"}}]}}`)
	defer s.Close()
	opts := firstbootOpts(t, root)
	opts.IO.Getenv = func(k string) string {
		if k == metadata.EndpointEnv {
			return s.URL
		}
		return ""
	}
	err := firstbootRun(context.Background(), opts)
	if engine.ExitCode(err) != engine.ExitUsage || !strings.Contains(err.Error(), `unknown key "domian"`) {
		t.Errorf("exit %d, %v", engine.ExitCode(err), err)
	}
	if _, err := os.Stat(filepath.Join(root, "opt")); !os.IsNotExist(err) {
		t.Error("the install dir was created")
	}
}
