//go:build !nokube

package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/kube"
	"github.com/appsmith-install/appsmith-install/internal/progress"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// recordedKube is the cluster settings a Kubernetes target's record holds.
func recordedKube(s *state.State) kube.Options {
	k := s.Kubernetes
	return kube.Options{Kubeconfig: k.Kubeconfig, Context: k.Context, Namespace: k.Namespace, Release: k.Release, Chart: k.Chart, ValuesFiles: k.Values}
}

// kubeBackupRun takes `appsmith backup` of a Kubernetes target: the same
// archive, stores, encryption and names as on a host (kube.Helm.Backup),
// host = <release>.<namespace>, so `restore` on a host takes it.
func kubeBackupRun(ctx context.Context, opts *BackupOptions, s *state.State, mode progress.Mode, enc backup.Encrypt) error {
	stdio, deps := opts.IO, opts.Deps
	if opts.Cold {
		return engine.UsageError("--cold stops Appsmith to copy its raw files; on Kubernetes a backup is online (a dump taken while the pod serves)")
	}
	lock, err := lockDir(s.Dir)
	if err != nil {
		return err
	}
	defer lock.Release()
	opts.Root.usedDir = s.Dir
	to := opts.To
	if to == "" {
		to = instance.Layout{Dir: s.Dir}.Backups()
	}
	store, err := backup.OpenStore(ctx, to, opts.S3.options())
	if err != nil {
		return coreError(err)
	}
	h, err := deps.kube(recordedKube(s), opts.Timeout)
	if err != nil {
		return engine.Errorf(engine.ExitPreflight, "check the kubeconfig "+state.Path(s.Dir)+" names", "connecting to the cluster: %v", err)
	}
	sink, err := progress.New(mode, progress.Options{Out: terminal(stdio.Err), NoColor: !progress.ColorAllowed(stdio.Getenv)})
	if err != nil {
		return engine.UsageError("%v", err)
	}
	host := s.Kubernetes.Release + "." + s.Kubernetes.Namespace
	res, err := h.Backup(ctx, s.Dir, backup.CreateOptions{Store: store, Encrypt: enc, Format: opts.Format,
		Host: host, Installer: buildinfo.Get().Version, Now: deps.now}, sink)
	_ = sink.Close()
	if err != nil {
		return coreError(err)
	}
	if s.Backups == nil {
		s.Backups = &state.Backups{}
	}
	s.Backups.Last = &state.BackupRecord{At: res.Manifest.Created, Location: res.Location, Size: res.Size}
	if err := state.Save(s.Dir, s); err != nil {
		fmt.Fprintf(stdio.Err, "warning: the backup is written, but %s could not record it: %v\n", state.Path(s.Dir), err)
	}
	if opts.JSON {
		e := json.NewEncoder(stdio.Out)
		e.SetIndent("", "  ")
		return e.Encode(res)
	}
	fmt.Fprintln(stdio.Out, res.Location)
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(stdio.Err, "Backup of Appsmith %s (release %s in namespace %s) written: %s (%s)\n", res.Manifest.AppsmithVersion,
			s.Kubernetes.Release, s.Kubernetes.Namespace, res.Location, progress.FormatBytes(res.Size))
		if enc.None() {
			fmt.Fprintf(stdio.Err, "The archive is NOT encrypted and does not carry %s: keep both values from the Secret %s somewhere safe.\n",
				strings.Join(backup.KeyNames(), " and "), recordedKube(s).SecretName())
		}
		fmt.Fprintf(stdio.Err, "Restore it on a host with `appsmith restore %s --dir DIR`.\n", res.Location)
	}
	return nil
}
