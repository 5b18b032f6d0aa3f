package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"
)

// A control-plane component: its own process group (so stopping it stops
// whatever it forked) and a log file in the plane's directory.
type kubeProc struct {
	name string
	log  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has been reaped
	err  error         // Wait's result, set before done closes
	once sync.Once     // stop: a kubelet node's teardown stops some first
}

// starts are performed by one goroutine locked to its OS thread for the
// life of the test binary: Pdeathsig fires when the thread that forked a
// child ends, so the children must come from a thread that never does.
// Then a test binary that dies (a panic, a timeout, kill -9) takes its
// control plane with it instead of leaving an apiserver behind.
var (
	starts     = make(chan startReq)
	startsOnce sync.Once
)

type startReq struct {
	cmd *exec.Cmd
	err chan error
}

func startOnLockedThread(cmd *exec.Cmd) error {
	startsOnce.Do(func() {
		go func() {
			runtime.LockOSThread()
			for r := range starts {
				r.err <- r.cmd.Start()
			}
		}()
	})
	r := startReq{cmd: cmd, err: make(chan error)}
	starts <- r
	return <-r.err
}

func startKubeProc(dir, name, bin string, env []string, args ...string) (*kubeProc, error) {
	p := &kubeProc{name: name, log: filepath.Join(dir, name+".log"), done: make(chan struct{})}
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close() // the child has its own copy
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := startOnLockedThread(p.cmd); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// exited reports the process's end if it has ended.
func (p *kubeProc) exited() error {
	select {
	case <-p.done:
		if p.err == nil {
			return fmt.Errorf("%s exited", p.name)
		}
		return fmt.Errorf("%s exited: %w", p.name, p.err)
	default:
		return nil
	}
}

// stop asks the process group to end and kills it if it has not within
// a grace period (etcd and the apiserver flush on SIGTERM).
func (p *kubeProc) stop() { p.once.Do(p.stopNow) }

func (p *kubeProc) stopNow() {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	// Anything it forked into its group goes too.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// tail is the end of the component's log, for a failure message.
func (p *kubeProc) tail(lines int) string {
	data, err := os.ReadFile(p.log)
	if err != nil {
		return fmt.Sprintf("(%s: %v)", p.log, err)
	}
	data = bytes.TrimRight(data, "\n")
	if cut := bytes.Split(data, []byte("\n")); len(cut) > lines {
		data = bytes.Join(cut[len(cut)-lines:], []byte("\n"))
	}
	return fmt.Sprintf("--- %s (last %d lines of %s)\n%s", p.name, lines, p.log, data)
}
