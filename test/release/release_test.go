// Package release checks the release the way a packager and a user meet it:
// goreleaser's own check of .goreleaser.yaml, a snapshot release built with
// the pinned goreleaser (scripts/release-tools.sh), and what it made — the
// archives and their checksums, the .deb's file list, and the .deb
// installed with dpkg into a scratch root where the binary runs.
package release

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// top is the repository: goreleaser builds what is checked out there.
const top = "../.."

func tool(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("bash", filepath.Join(top, "scripts/release-tools.sh")).Output()
	p := filepath.Join(strings.TrimSpace(string(out)), name)
	if _, serr := os.Stat(p); err != nil || serr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not built (scripts/release-tools.sh): %v %v", name, err, serr)
		}
		t.Skipf("%s not built (make release-tools)", name)
	}
	return p
}

func runIn(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestSnapshotRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds four binaries: not a unit test")
	}
	gr := tool(t, "goreleaser")
	runIn(t, top, gr, "check")
	runIn(t, top, gr, "release", "--snapshot", "--clean", "--skip=publish")
	// Absolute: the checks below run commands in dist with its files' paths.
	dist, err := filepath.Abs(filepath.Join(top, "dist"))
	if err != nil {
		t.Fatal(err)
	}

	// Every artifact is in checksums.txt with its real sum.
	sums := readSums(t, filepath.Join(dist, "checksums.txt"))
	var debs, rpms, archives []string
	for name, want := range sums {
		if got := sha256File(t, filepath.Join(dist, name)); got != want {
			t.Errorf("checksums.txt: %s is %s, the file's sum is %s", name, want, got)
		}
		switch {
		case strings.HasSuffix(name, ".deb"):
			debs = append(debs, name)
		case strings.HasSuffix(name, ".rpm"):
			rpms = append(rpms, name)
		case strings.HasSuffix(name, ".tar.gz"):
			archives = append(archives, name)
		}
	}
	for _, platform := range []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"} {
		if !anyContains(archives, platform) {
			t.Errorf("no archive for %s in %v", platform, archives)
		}
	}
	if len(debs) != 2 || len(rpms) != 2 {
		t.Fatalf("want a deb and an rpm for amd64 and arm64, got %v %v", debs, rpms)
	}

	// The archive carries LICENSE, README and the extras.
	for _, a := range archives {
		if strings.Contains(a, "linux_amd64") {
			list := runIn(t, dist, "tar", "-tzf", a)
			for _, want := range []string{"LICENSE", "README.md", "appsmith-install", "appsmith-kube", "completions/appsmith.bash", "man/appsmith-upgrade.1.gz"} {
				if !strings.Contains(list, want) {
					t.Errorf("%s lacks %s:\n%s", a, want, list)
				}
			}
		}
	}

	deb := filepath.Join(dist, debs[0])
	for _, d := range debs {
		if strings.Contains(d, "amd64") {
			deb = filepath.Join(dist, d)
		}
	}
	list := runIn(t, dist, "dpkg-deb", "-c", deb)
	for _, want := range []string{
		"./usr/bin/appsmith-install",
		"./usr/bin/appsmith-kube",
		"./usr/bin/appsmith -> /usr/bin/appsmith-install",
		"./usr/share/bash-completion/completions/appsmith",
		"./usr/share/zsh/vendor-completions/_appsmith",
		"./usr/share/fish/vendor_completions.d/appsmith.fish",
		"./usr/share/man/man1/appsmith-upgrade.1.gz",
		"./usr/share/doc/appsmith-install/copyright",
	} {
		if !strings.Contains(list, want) {
			t.Errorf("the .deb lacks %s:\n%s", want, list)
		}
	}

	// Installed with dpkg into an empty root, the binary runs there under
	// both names (it is static: a chroot needs nothing else).
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644)
	runIn(t, dist, "dpkg", "--root="+root, "--force-script-chrootless", "--force-not-root", "--log=/dev/null", "-i", deb)
	if !strings.Contains(runIn(t, root, "dpkg", "--root="+root, "-s", "appsmith-install"), "Status: install ok installed") {
		t.Error("dpkg does not list appsmith-install as installed")
	}
	for _, name := range []string{"appsmith-install", "appsmith"} {
		out := runIn(t, "/", "chroot", root, "/usr/bin/"+name, "version", "--json", "--dir", "/nonexistent")
		var v struct{ Version, Commit, Date, Platform string }
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%s version --json: %v\n%s", name, err, out)
		}
		if !strings.Contains(v.Version, "snapshot") || len(v.Commit) != 40 || v.Date == "" || v.Platform != "linux/amd64" {
			t.Errorf("%s version: %+v (want the snapshot's version, commit and date stamped in)", name, v)
		}
	}
	checkCompanion(t, root)
}

// The host binary links no Helm or client-go; it hands --target kubernetes
// to the companion beside it, and says so when the companion is missing.
func checkCompanion(t *testing.T, root string) {
	t.Helper()
	for bin, wantHelm := range map[string]bool{"appsmith-install": false, "appsmith-kube": true} {
		mods := runIn(t, "/", "go", "version", "-m", filepath.Join(root, "usr/bin", bin))
		if got := strings.Contains(mods, "helm.sh/helm/v3"); got != wantHelm {
			t.Errorf("%s links Helm: %v, want %v", bin, got, wantHelm)
		}
	}
	plan := []string{root, "/usr/bin/appsmith", "--target", "kubernetes", "--plan", "--version", "v1.9.2", "--dir", "/nonexistent"}
	if out := runIn(t, "/", "chroot", plan...); !strings.Contains(out, "the cluster was not looked at") {
		t.Errorf("appsmith --target kubernetes --plan through the companion:\n%s", out)
	}
	if err := os.Remove(filepath.Join(root, "usr/bin/appsmith-kube")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("chroot", plan...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || !strings.Contains(string(out), "appsmith-kube, which is not installed") {
		t.Errorf("without the companion: %v\n%s\nwant exit 3 naming appsmith-kube", err, out)
	}
}

func readSums(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			t.Fatalf("checksums.txt line %q", sc.Text())
		}
		sums[fields[1]] = fields[0]
	}
	if len(sums) == 0 {
		t.Fatal("checksums.txt is empty")
	}
	return sums
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil))
}

func anyContains(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}
