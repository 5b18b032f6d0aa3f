package imagecheck

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// AptSecurityUpdates lists the running system's pending security updates
// as 99-img-check.sh does (apt-get update, then the lines of apt-get
// --just-print upgrade that mention security), but with the package lists
// fetched into a temporary directory: checking the image must not put back
// the lists image prepare removed.
func AptSecurityUpdates(ctx context.Context) ([]string, error) {
	if _, err := exec.LookPath("apt-get"); err != nil {
		return nil, fmt.Errorf("no apt-get: %w", err)
	}
	dir, err := os.MkdirTemp("", "appsmith-image-check-apt-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	if err := os.Mkdir(filepath.Join(dir, "partial"), 0o700); err != nil {
		return nil, err
	}
	apt := func(args ...string) ([]byte, error) {
		args = append([]string{"-q", "-o", "Dir::State::Lists=" + dir}, args...)
		cmd := exec.CommandContext(ctx, "apt-get", args...)
		cmd.Env = append(os.Environ(), "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("apt-get %s: %v: %s", args[len(args)-1], err, strings.TrimSpace(errb.String()))
		}
		return out, nil
	}
	if _, err := apt("update"); err != nil {
		return nil, err
	}
	out, err := apt("--just-print", "upgrade")
	if err != nil {
		return nil, err
	}
	return securityUpgrades(string(out)), nil
}

// securityUpgrades reads apt-get --just-print upgrade: the packages of the
// "Inst" lines whose source is a security archive.
func securityUpgrades(out string) []string {
	var pkgs []string
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "Inst" && strings.Contains(strings.ToLower(l), "security") {
			pkgs = append(pkgs, f[1])
		}
	}
	return pkgs
}
