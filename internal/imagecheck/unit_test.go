package imagecheck

import (
	"context"
	"testing"
	"testing/fstest"
)

func run(t *testing.T, files fstest.MapFS, id string) Result {
	t.Helper()
	r, ok := Run(context.Background(), files, Options{}).Get(id)
	if !ok {
		t.Fatalf("%s did not run", id)
	}
	return r
}

// sshd keeps the first value, reads Include globs in order where the
// Include stands, and takes ChallengeResponseAuthentication for
// KbdInteractiveAuthentication.
func TestSSHDConfigAsSSHDReadsIt(t *testing.T) {
	main := "Include /etc/ssh/sshd_config.d/*.conf\nUsePAM yes\nPasswordAuthentication yes\n"
	for name, tc := range map[string]struct {
		files map[string]string
		want  Status
	}{
		"drop-in first wins":         {map[string]string{"etc/ssh/sshd_config.d/10-a.conf": "PasswordAuthentication no\nChallengeResponseAuthentication no\n"}, Pass},
		"earlier drop-in says yes":   {map[string]string{"etc/ssh/sshd_config.d/05-b.conf": "passwordauthentication=yes\n", "etc/ssh/sshd_config.d/10-a.conf": "PasswordAuthentication no\n"}, Fail},
		"keyboard-interactive & PAM": {map[string]string{"etc/ssh/sshd_config.d/10-a.conf": "PasswordAuthentication no\n"}, Fail},
		"match all is global":        {map[string]string{"etc/ssh/sshd_config.d/10-a.conf": "Match Address 10.0.0.0/8\nPasswordAuthentication no\nMatch all\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"}, Pass},
	} {
		t.Run(name, func(t *testing.T) {
			fs := fstest.MapFS{"etc/ssh/sshd_config": {Data: []byte(main)}}
			for k, v := range tc.files {
				fs[k] = &fstest.MapFile{Data: []byte(v)}
			}
			if r := run(t, fs, "sshd-password-auth"); r.Status != tc.want {
				t.Errorf("%s (%s %v), want %s", r.Status, r.Detail, r.Paths, tc.want)
			}
		})
	}
}

func TestStoreLookupFamiliarNames(t *testing.T) {
	d := "sha256:" + "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
	store := []byte(`{"Repositories":{"appsmith/appsmith-ee":{"appsmith/appsmith-ee:v1.9.38":"sha256:1","appsmith/appsmith-ee@` + d + `":"sha256:1"}}}`)
	if id, ok := storeLookup(store, "docker.io/appsmith/appsmith-ee@"+d); !ok || id != "sha256:1" {
		t.Errorf("docker.io reference: %q %v", id, ok)
	}
	if _, ok := storeLookup(store, "appsmith/appsmith-ce@"+d); ok {
		t.Error("found the digest under another repository")
	}
}

func TestIMDSv2CloudInitVersions(t *testing.T) {
	for v, want := range map[string]Status{"24.4-0ubuntu1~24.04.2": Pass, "22.4.2-1+deb12u1": Pass, "1:19.4-1": Pass, "18.5-45-g3554ffe8-0ubuntu1~18.04.1": Fail} {
		st := "Package: cloud-init\nStatus: install ok installed\nVersion: " + v + "\n\n"
		r, _ := Run(context.Background(), fstest.MapFS{"var/lib/dpkg/status": {Data: []byte(st)}}, Options{Provider: "aws"}).Get("imdsv2")
		if r.Status != want {
			t.Errorf("cloud-init %s: %s %s, want %s", v, r.Status, r.Detail, want)
		}
	}
}
