package kube

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/backup"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/fsutil"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

// DataOps are what backups and restores ask of the cluster beyond Helm:
// a pod's resolved environment and commands run in it.
type DataOps interface {
	PodEnv(ctx context.Context, ns, pod, container string) (map[string]string, error)
	Execer(ns, container string) backup.Execer
}

var _ DataOps = (*API)(nil)

// Execer runs commands in the container of the namespace's pods.
func (a *API) Execer(ns, container string) backup.Execer {
	return &PodExec{Config: a.Config, Namespace: ns, Container: container}
}

// stacksExcluded are left out of the copy of a pod's stacks: the raw
// database directories (the dump holds their content, consistently), logs
// and appsmithctl's own archives, as a host's online backup leaves them
// out (backup's onlineSkip).
var stacksExcluded = []string{"./data/mongodb", "./data/postgres", "./data/backup", "./logs"}

// PullStacks copies the pod's stacks files (StacksDir, without
// stacksExcluded) into dst, an empty directory, through the image's tar
// streamed out of exec; nothing is staged in the pod. report gets the
// bytes read so far. A warning is returned when tar said a file changed
// while it read it (GNU tar's exit 1): the copy is complete, that file is
// as tar read it.
func PullStacks(ctx context.Context, ex backup.Execer, pod, dst string, report func(int64)) (warning string, err error) {
	cmd := []string{"tar", "-c", "-f", "-", "-C", StacksDir}
	for _, x := range stacksExcluded {
		cmd = append(cmd, "--exclude="+x)
	}
	cmd = append(cmd, ".")
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	codec := make(chan int, 1)
	go func() {
		code, err := ex.ExecStream(ctx, pod, cmd, nil, nil, pw, &stderr)
		codec <- code
		if err == nil && code > 1 {
			err = fmt.Errorf("tar in pod %s failed (exit %d): %s", pod, code, lastLine(stderr.String()))
		}
		pw.CloseWithError(err)
	}()
	cr := &countReader{r: pr, report: report}
	_, err = fsutil.ExtractTar(ctx, cr, dst, fsutil.ExtractOptions{AllowAbsoluteSymlinks: true, KeepOwners: true})
	if err == nil {
		// tar pads its stream to whole records after the end marker.
		_, _ = io.Copy(io.Discard, pr)
	}
	pr.CloseWithError(errors.New("extraction ended"))
	code := <-codec
	if err != nil {
		return "", fmt.Errorf("copying %s out of pod %s: %w", StacksDir, pod, err)
	}
	if code == 1 {
		return "tar: " + lastLine(stderr.String()), nil
	}
	return "", nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

type countReader struct {
	r      io.Reader
	n      int64
	report func(int64)
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if n > 0 && c.report != nil {
		c.report(c.n)
	}
	return n, err
}

// ReadyPod is the first Ready pod of the release that runs its pinned
// tag: what a backup reads from and a restore writes into.
func (h *Helm) ReadyPod(ctx context.Context, tag string) (Pod, error) {
	pods, err := h.Cluster.Pods(ctx, h.Opts.Namespace, h.Opts.PodSelector())
	if err != nil {
		return Pod{}, err
	}
	for _, p := range pods {
		if p.Ready && (tag == "" || TagOf(p.Image) == tag) {
			return p, nil
		}
	}
	return Pod{}, engine.Errorf(engine.ExitPreflight, "`appsmith status` shows the pods; a backup is taken from a running Appsmith",
		"release %s in namespace %s has no Ready pod on %s", h.Opts.Release, h.Opts.Namespace, orAny(tag))
}

func orAny(tag string) string {
	if tag == "" {
		return "any tag"
	}
	return tag
}

// Backup takes an online backup of the release's Appsmith into
// opts.Store, in the host's archive format (a host restores it, and a
// host's archive restores here): the pod's stacks files are copied out
// through exec into a 0700 stage under work, with docker.env as the pod
// runs it (EffectiveEnv: the Secret's encryption keys included), the
// database is dumped in the pod with the image's own tools and streamed
// out, and backup.Create writes the archive. The stage is removed after.
func (h *Helm) Backup(ctx context.Context, work string, opts backup.CreateOptions, sink engine.Sink) (backup.Result, error) {
	if opts.Cold {
		return backup.Result{}, engine.UsageError("--cold stops Appsmith to copy its raw files; on Kubernetes a backup is online (a dump taken while the pod serves)")
	}
	if h.Data == nil || h.Info == nil {
		return backup.Result{}, errors.New("no way to reach the pods through the API server")
	}
	st, err := h.Status()
	if err != nil {
		return backup.Result{}, err
	}
	pod, err := h.ReadyPod(ctx, st.ImageTag)
	if err != nil {
		return backup.Result{}, err
	}
	info, err := h.Info.PodInfo(ctx, h.Opts.Namespace, pod, "")
	if err != nil {
		return backup.Result{}, engine.Errorf(engine.ExitPreflight, "`appsmith status` shows what is wrong",
			"cannot read the version of pod %s (/info through the API server): the manifest must record it: %v", pod.Name, err)
	}
	stage, err := os.MkdirTemp(work, ".kube-backup-")
	if err != nil {
		return backup.Result{}, err
	}
	// The stage holds docker.env with the encryption keys and, while it is
	// written, the dump in clear: gone whatever happens.
	defer os.RemoveAll(stage)
	ex := h.Data.Execer(h.Opts.Namespace, pod.Container)
	layout := instance.Layout{Dir: stage}
	copyStep := engine.Step{ID: "stacks", Title: "Copy the stacks files out of pod " + pod.Name, ReadOnly: true,
		Cause: "configuration, git-storage, ssl, ca-certs and redis data live on the pod's data claim",
		Run: func(ctx context.Context, r engine.Reporter) error {
			if err := os.MkdirAll(layout.Stacks().Root, 0o700); err != nil {
				return err
			}
			warn, err := PullStacks(ctx, ex, pod.Name, layout.Stacks().Root, func(n int64) { r.Progress("stacks", "Copying", n, 0) })
			if err != nil {
				return err
			}
			if warn != "" {
				r.Warn(warn)
			}
			env, err := h.Data.PodEnv(ctx, h.Opts.Namespace, pod.Name, pod.Container)
			if err != nil {
				return fmt.Errorf("the pod's environment: %w", err)
			}
			file, err := layout.Stacks().ReadEnv()
			if errors.Is(err, os.ErrNotExist) {
				file, err = stacks.ParseEnv(nil)
			}
			if err != nil {
				return fmt.Errorf("the pod's docker.env: %w", err)
			}
			if err := os.MkdirAll(layout.Stacks().ConfigurationDir(), 0o700); err != nil {
				return err
			}
			return layout.Stacks().WriteEnv(EffectiveEnv(file, env))
		}}
	rn := engine.Runner{Sink: prelude(sink)}
	if _, err := rn.Run(ctx, engine.Plan{Name: "backup: copy from the pod", Steps: []engine.Step{copyStep}}); err != nil {
		return backup.Result{}, err
	}
	in := backup.Instance{Dir: stage, Docker: podDocker{ex}, ContainerID: pod.Name, Name: pod.Name,
		Version: info.Version, Edition: instance.Edition(pod.Image), Image: pod.Image, Running: true}
	return backup.Create(ctx, in, opts, sink)
}

// prelude passes on the events of a plan that runs before the command's
// main one, but its outcome when it succeeded: the run's one outcome
// (--progress json's last event) is the main plan's.
func prelude(sink engine.Sink) engine.Sink {
	return engine.SinkFunc(func(ev engine.Event) {
		if ev.Kind == engine.KindOutcome && ev.Outcome == engine.OutcomeDone {
			return
		}
		sink.Emit(ev)
	})
}

// podDocker is a pod as backup.Docker: exec, and no stop or start (a
// pod's lifecycle is its controller's; backups here are online only).
type podDocker struct{ backup.Execer }

var _ backup.Docker = podDocker{}

func (podDocker) ContainerStart(context.Context, string) error {
	return errors.New("a pod is started by its controller")
}

func (podDocker) ContainerStop(context.Context, string, time.Duration) error {
	return errors.New("a pod is stopped by its controller")
}
