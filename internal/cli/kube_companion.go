//go:build nokube

package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// A build with the nokube tag leaves Helm and client-go out: they make the
// binary four times bigger and add some 40 ms of package initialisation to
// every command, which host users would pay for nothing. Its Kubernetes
// commands are carried out by the companion, appsmith-kube (the same CLI
// built with the Kubernetes target, shipped beside it in every package and
// archive), as docker hands `docker compose` to its plugin.

// companionName is the companion's file name.
const companionName = "appsmith-kube"

// companionEnv marks a command handed over: a companion that was itself
// built without the target would otherwise hand it back forever.
const companionEnv = "APPSMITH_KUBE_COMPANION"

// kubeConnector is unused here: the companion connects.
type kubeConnector = func()

func kubeInstallRun(_ context.Context, fl *InstallOptions, _ progress.Mode, _ install.Options, _ *install.TLSMaterial, _ *state.State) error {
	return handToCompanion(fl.Root, fl.IO)
}

func kubeStatusRun(opts *StatusOptions, _ *state.State) error {
	return handToCompanion(opts.Root, opts.IO)
}

func kubeUninstallRun(opts *UninstallOptions, _ *state.State) error {
	return handToCompanion(opts.Root, opts.IO)
}

func kubeUpgradeRun(_ context.Context, opts *UpgradeOptions, _ *state.State) error {
	return handToCompanion(opts.Root, opts.IO)
}

func kubeBackupRun(_ context.Context, opts *BackupOptions, _ *state.State, _ progress.Mode, _ backup.Encrypt) error {
	return handToCompanion(opts.Root, opts.IO)
}

func kubeRestoreRun(_ context.Context, opts *RestoreOptions, _ *state.State, _ progress.Mode, _ backup.Decrypt) error {
	return handToCompanion(opts.Root, opts.IO)
}

func kubeRollbackRun(_ context.Context, opts *RollbackOptions, _ *state.State) error {
	return handToCompanion(opts.Root, opts.IO)
}

// handToCompanion replaces this process with the companion, given the same
// command line, environment and terminal; it returns only when it cannot.
func handToCompanion(ro *rootOpts, stdio IO) error {
	if stdio.Getenv != nil && stdio.Getenv(companionEnv) != "" {
		return engine.Errorf(engine.ExitFailure, "reinstall appsmith-install's package, which ships both binaries",
			"%s was built without the Kubernetes target too", companionName)
	}
	path, err := findCompanion()
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "install appsmith-install's package (deb, rpm or archive), which ships "+companionName+" beside appsmith-install, or put "+companionName+" on PATH",
			"--target kubernetes is carried out by %s, which is not installed: %v", companionName, err)
	}
	args := ro.args
	if len(args) == 0 {
		args = os.Args
	}
	env := append(os.Environ(), companionEnv+"=1")
	err = syscall.Exec(path, args, env)
	return engine.Errorf(engine.ExitFailure, "", "starting %s: %v", path, err)
}

// findCompanion looks beside this binary (the appsmith link resolved
// first, then as invoked), then on PATH.
func findCompanion() (string, error) {
	var dirs []string
	if exe, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
		dirs = append(dirs, filepath.Dir(exe))
	}
	for _, d := range dirs {
		p := filepath.Join(d, companionName)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	p, err := exec.LookPath(companionName)
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", errors.New("not beside this binary and not on PATH")
		}
		return "", err
	}
	return p, nil
}
