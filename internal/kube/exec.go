package kube

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"

	"github.com/appsmith-install/appsmith-install/backup"
)

// PodExec runs commands in the appsmith container of a pod through the API
// server's exec subresource, as `kubectl exec` does (WebSocket, SPDY where
// the server has none): what backups and restores do in a host's container
// through the Engine API, they do in a pod through this. The id the backup
// package passes is the pod's name.
type PodExec struct {
	Config    *rest.Config
	Namespace string
	// Container is the appsmith container's name ("" = the pod's only
	// or first one, as the API server picks).
	Container string
}

var _ backup.Execer = (*PodExec)(nil)

// ExecStream runs cmd in pod with the streams given and returns its exit
// code. Exec has no environment of its own: env goes into a 0600 file the
// shell sources and deletes before it execs cmd, never into the command
// line (which the API server's audit log and the pod's `ps` show).
func (p *PodExec) ExecStream(ctx context.Context, pod string, cmd, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if len(env) > 0 {
		name, done, err := p.tempFile(ctx, pod, ".env", envScript(env))
		if err != nil {
			return 0, err
		}
		defer done()
		cmd = append([]string{"sh", "-c", `set -a; . "$0" || exit 125; rm -f -- "$0"; set +a; exec "$@"`, name}, cmd...)
	}
	return p.run(ctx, pod, cmd, stdin, stdout, stderr)
}

// CopyToContainer extracts the tar stream content into dir of the pod
// with the image's tar, as `kubectl cp` does (the image has GNU tar).
func (p *PodExec) CopyToContainer(ctx context.Context, pod, dir string, content io.Reader) error {
	var stderr bytes.Buffer
	code, err := p.run(ctx, pod, []string{"tar", "-x", "-m", "-f", "-", "-C", dir}, content, io.Discard, &stderr)
	if err != nil {
		return fmt.Errorf("tar -x in pod %s: %w", pod, err)
	}
	if code != 0 {
		return fmt.Errorf("tar -x in pod %s failed (exit %d): %s", pod, code, strings.TrimSpace(stderr.String()))
	}
	return nil
}

func (p *PodExec) run(ctx context.Context, pod string, cmd []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if p.Config == nil {
		return 0, errors.New("no REST config to exec with")
	}
	u, err := podURL(p.Config, p.Namespace, pod, "exec", &corev1.PodExecOptions{
		Container: p.Container, Command: cmd, Stdin: stdin != nil, Stdout: true, Stderr: true,
	})
	if err != nil {
		return 0, err
	}
	ws, err := remotecommand.NewWebSocketExecutor(p.Config, http.MethodGet, u.String())
	if err != nil {
		return 0, err
	}
	sp, err := remotecommand.NewSPDYExecutor(p.Config, http.MethodPost, u)
	if err != nil {
		return 0, err
	}
	ex, err := remotecommand.NewFallbackExecutor(ws, sp, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return 0, err
	}
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: stdout, Stderr: stderr})
	var exit utilexec.CodeExitError
	if errors.As(err, &exit) {
		return exit.Code, nil
	}
	if err != nil {
		return 0, fmt.Errorf("exec %s in pod %s: %w", cmd[0], pod, err)
	}
	return 0, nil
}

// tempFile writes body into the pod's /tmp as a new 0600 file and returns
// its path and a function that empties and removes it (even after ctx
// ended: no secret is left behind).
func (p *PodExec) tempFile(ctx context.Context, pod, ext string, body []byte) (string, func(), error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "appsmith-install-" + hex.EncodeToString(b[:]) + ext
	if err := p.CopyToContainer(ctx, pod, "/tmp", backup.FileTar(name, body)); err != nil {
		return "", nil, err
	}
	return "/tmp/" + name, func() {
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = p.run(bg, pod, []string{"rm", "-f", "--", "/tmp/" + name}, nil, io.Discard, io.Discard)
	}, nil
}

// envScript is env ("NAME=value") as lines sh sources with set -a: each
// value single-quoted, so nothing in it is expanded.
func envScript(env []string) []byte {
	var b strings.Builder
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		b.WriteString(k + "='" + strings.ReplaceAll(v, "'", `'\''`) + "'\n")
	}
	return []byte(b.String())
}

// podURL is the URL of a pod's subresource (exec, portforward) with opts
// as its query.
func podURL(cfg *rest.Config, ns, pod, sub string, opts *corev1.PodExecOptions) (*url.URL, error) {
	c := *cfg
	c.GroupVersion = &corev1.SchemeGroupVersion
	c.APIPath = "/api"
	c.NegotiatedSerializer = scheme.Codecs.WithoutConversion()
	rc, err := rest.RESTClientFor(&c)
	if err != nil {
		return nil, err
	}
	req := rc.Post().Resource("pods").Namespace(ns).Name(pod).SubResource(sub)
	if opts != nil {
		req = req.VersionedParams(opts, scheme.ParameterCodec)
	}
	return req.URL(), nil
}
