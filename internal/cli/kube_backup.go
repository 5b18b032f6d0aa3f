//go:build !nokube

package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/buildinfo"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/hint"
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
	sink, err := kubeSink(stdio, opts.Root)
	if err != nil {
		return err
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
		return printJSON(stdio, res)
	}
	fmt.Fprintln(stdio.Out, res.Location)
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(stdio.Err, "Backup of Appsmith %s (release %s in namespace %s) written: %s (%s)\n", res.Manifest.AppsmithVersion,
			s.Kubernetes.Release, s.Kubernetes.Namespace, res.Location, progress.FormatBytes(res.Size))
		if enc.None() {
			fmt.Fprintf(stdio.Err, "The archive is NOT encrypted and does not carry %s: keep both values from the Secret %s somewhere safe.\n",
				strings.Join(backup.KeyNames(), " and "), recordedKube(s).SecretName())
		}
		fmt.Fprintf(stdio.Err, "Restore it with `%s` (on a host: `appsmith restore %s --dir DIR`).\n", hint.Appsmith(s.Dir, "restore "+res.Location), res.Location)
	}
	return nil
}

// kubeRestoreRun restores an archive (a host's or a cluster's) into a
// Kubernetes target's release (kube.Helm.PrepareRestore and Run).
func kubeRestoreRun(ctx context.Context, opts *RestoreOptions, s *state.State, mode progress.Mode, dec backup.Decrypt) error {
	stdio, deps := opts.IO, opts.Deps
	timeout, _ := opts.Install.GetDuration("timeout")
	h, err := kubeConnect(deps, s, timeout)
	if err != nil {
		return err
	}
	opts.Root.usedDir = s.Dir
	if opts.Resume {
		lock, err := lockDir(s.Dir)
		if err != nil {
			return err
		}
		defer lock.Release()
		n, err := kubeRecoverRestores(ctx, stdio, opts.Root, s, h)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintf(stdio.Err, "No interrupted restore in %s: nothing to do.\n", s.Dir)
		} else if mode != progress.ModeQuiet && mode != progress.ModeJSON {
			fmt.Fprintf(stdio.Err, "The interrupted restore was ended (undone, or closed if it had been verified): `%s` shows release %s.\n", hint.Appsmith(s.Dir, "status"), s.Kubernetes.Release)
		}
		return nil
	}
	unlock, err := lockRecovered(ctx, stdio, opts.Root, s, h)
	if err != nil {
		return err
	}
	defer unlock()
	if err := backup.CleanStages(s.Dir); err != nil {
		return err
	}
	st, err := stageArchive(ctx, opts, dec, s.Dir)
	if err != nil {
		return err
	}
	defer st.Remove()
	k := s.Kubernetes
	if !opts.Yes {
		if !canPrompt(stdio) {
			return engine.UsageError("restore replaces the data of release %s in namespace %s with the archive's (Appsmith %s, %s): pass --yes to confirm (there is no terminal to ask on)",
				k.Release, k.Namespace, st.Manifest.AppsmithVersion, st.Manifest.Created.Local().Format("2006-01-02 15:04"))
		}
		ok, err := deps.confirm(stdio, fmt.Sprintf("Replace the data of release %s in namespace %s with the archive's (Appsmith %s, taken %s)? Data written since then is lost.",
			k.Release, k.Namespace, st.Manifest.AppsmithVersion, st.Manifest.Created.Local().Format("2006-01-02 15:04")))
		if err != nil || !ok {
			return engine.Errorf(engine.ExitUsage, "", "restore cancelled: nothing was changed")
		}
	}
	work := instance.Layout{Dir: s.Dir}.Backups()
	if err := os.MkdirAll(work, 0o700); err != nil {
		return err
	}
	sink, err := kubeSink(stdio, opts.Root)
	if err != nil {
		return err
	}
	defer sink.Close()
	if !st.Manifest.KeysIncluded {
		fmt.Fprintf(stdio.Err, "warning: %s carries no %s: the release's are kept; they read the archive's datasource credentials only if they are the keys of the instance that wrote it\n",
			opts.Archive, strings.Join(backup.KeyNames(), " and "))
	}
	p, err := h.PrepareRestore(ctx, st, work, deps.now().UTC().Format("20060102t150405z"), sink)
	if err != nil {
		return coreError(err)
	}
	p.ResumeHint = hint.Appsmith(s.Dir, "restore --resume")
	if err := p.Run(ctx, sink, instance.Layout{Dir: s.Dir}.Journal()); err != nil {
		return err
	}
	if mode != progress.ModeQuiet && mode != progress.ModeJSON {
		fmt.Fprintf(stdio.Err, "Restored %s into release %s (namespace %s): Appsmith %s is ready.\n", opts.Archive, k.Release, k.Namespace, st.Manifest.AppsmithVersion)
		if st.Manifest.KeysIncluded {
			fmt.Fprintf(stdio.Err, "The release's previous encryption keys are kept in the Secret %s-before-restore-%s: delete it once you no longer need to go back.\n",
				recordedKube(s).SecretName(), p.Stamp)
		}
	}
	return nil
}
