package packer

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// packerTools is the Packer 1.9.4 and plugins scripts/packer-tools.sh
// builds (test-tools.sh runs it; a cold build takes many minutes, so the
// test does not start one). In CI their absence fails the test.
func packerTools(t *testing.T) (packer, plugins string) {
	t.Helper()
	out, err := exec.Command("bash", filepath.Join(repoRoot(t), "scripts", "packer-tools.sh"), "--path").Output()
	if err != nil {
		t.Fatalf("scripts/packer-tools.sh --path: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	packer = filepath.Join(dir, "bin", "packer")
	if _, err := os.Stat(packer); err != nil {
		msg := "packer 1.9.4 and its plugins are not built (" + packer + "): run bash scripts/packer-tools.sh"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true)")
		}
		t.Skip(msg)
	}
	return packer, filepath.Join(dir, "plugins")
}

// runPacker runs packer offline: plugins only from the cache, no
// checkpoint call, its config in a scratch dir, a dummy DigitalOcean token
// and no AWS credentials.
func runPacker(t *testing.T, packer, plugins string, args ...string) (string, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(packer, args...)
	cmd.Dir = "."
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"PACKER_CONFIG_DIR=" + home,
		"PACKER_PLUGIN_PATH=" + plugins,
		"CHECKPOINT_DISABLE=1",
		"DIGITALOCEAN_TOKEN=dop_v1_dummy_for_validate",
		"AWS_EC2_METADATA_DISABLED=true",
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestPackerFmtAndValidate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs packer")
	}
	packer, plugins := packerTools(t)
	if out, err := runPacker(t, packer, plugins, "version"); err != nil || !strings.Contains(out, "1.9.4") {
		t.Fatalf("packer version: %v\n%s", err, out)
	}
	if out, err := runPacker(t, packer, plugins, "fmt", "-check", "-diff", "."); err != nil {
		t.Errorf("packer fmt -check: %v (run packer fmt images/packer)\n%s", err, out)
	}
	// The file provisioner checks that the binary exists: a stand-in
	// (validate uploads nothing).
	bin := filepath.Join(t.TempDir(), "appsmith-install")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := runPacker(t, packer, plugins, "validate", "-var", "appsmith_version=v1.9.38", "-var", "binary="+bin, ".")
	if err != nil || !strings.Contains(out, "The configuration is valid") {
		t.Errorf("packer validate: %v\n%s", err, out)
	}
	// Validation is real: the template's own rule and a plugin's both bite.
	out, err = runPacker(t, packer, plugins, "validate", "-var", "appsmith_version=v1.9.38", "-var", "edition=xe", "-var", "binary="+bin, ".")
	if err == nil || !strings.Contains(out, "edition must be ee or ce") {
		t.Errorf("packer validate -var edition=xe: want the edition refused, got %v\n%s", err, out)
	}
	out, err = runPacker(t, packer, plugins, "validate", "-var", "appsmith_version=v1.9.38", "-var", "binary="+filepath.Join(t.TempDir(), "missing"), ".")
	if err == nil || !strings.Contains(out, "missing") {
		t.Errorf("packer validate with no binary: want the file provisioner to refuse it, got %v\n%s", err, out)
	}
}
