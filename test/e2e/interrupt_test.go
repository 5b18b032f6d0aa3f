package e2e

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// runInterrupted runs the binary and sends SIGINT once stderr shows marker.
func (e *env) runInterrupted(marker string, args ...string) result {
	return e.runSignalled(syscall.SIGINT, marker, args...)
}

// runSignalled runs the binary and sends sig once stderr shows marker.
func (e *env) runSignalled(sig syscall.Signal, marker string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(binary, append([]string{"--dir", e.dir}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_EC2_METADATA_DISABLED=true", "NO_COLOR=1")
	pr, pw := io.Pipe()
	var errOut bytes.Buffer
	cmd.Stderr = pw
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	sent := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		signalled := false
		for sc.Scan() {
			errOut.WriteString(sc.Text() + "\n")
			if !signalled && strings.Contains(sc.Text(), marker) {
				time.Sleep(500 * time.Millisecond)
				_ = cmd.Process.Signal(sig)
				signalled = true
			}
		}
		sent <- signalled
	}()
	err := cmd.Wait()
	pw.Close()
	if !<-sent {
		e.t.Fatalf("never saw %q in stderr:\n%s", marker, errOut.String())
	}
	r := result{errOut: errOut.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.code = 128 + int(ws.Signal())
		}
	}
	return r
}
