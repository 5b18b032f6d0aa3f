package testenv

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// VersitygwVersion is the S3 gateway scripts/test-tools.sh builds.
const VersitygwVersion = "v1.8.0"

// S3Server is a versitygw S3 gateway on 127.0.0.1 over a posix directory:
// a real S3 implementation, signatures checked, multipart uploads kept
// until completed or aborted.
type S3Server struct {
	URL       string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Dir       string // buckets are its subdirectories
}

// Versitygw starts a gateway for the test and stops it at cleanup. Without
// the binary the test fails under CI=true and is skipped otherwise, naming
// scripts/test-tools.sh.
func Versitygw(tb testing.TB) *S3Server {
	tb.Helper()
	bin, err := versitygwBinary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("testenv: versitygw %s is needed and CI=true: %v (run bash scripts/test-tools.sh)", VersitygwVersion, err)
		}
		tb.Skipf("testenv: versitygw %s not found (%v): run bash scripts/test-tools.sh", VersitygwVersion, err)
	}
	s := &S3Server{AccessKey: "testenv-root", SecretKey: "testenv-" + rand.Text(), Dir: tb.TempDir()}
	addr, err := freeAddr()
	if err != nil {
		tb.Fatalf("testenv: versitygw: %v", err)
	}
	s.URL = "http://" + addr
	// The keys go through the environment, not the command line.
	cmd := exec.Command(bin, "--port", addr, "--quiet", "posix", s.Dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY_ID="+s.AccessKey, "ROOT_SECRET_ACCESS_KEY="+s.SecretKey)
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("testenv: start versitygw: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Any HTTP answer (an unsigned request is refused) means it serves.
		resp, err := http.Get(s.URL + "/")
		if err == nil {
			resp.Body.Close()
			return s
		}
		select {
		case err := <-exited:
			tb.Fatalf("testenv: versitygw exited: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("testenv: versitygw did not answer on %s: %v\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// versitygwBinary finds versitygw on PATH or where `go install` put it, at
// the version the tests are written for.
func versitygwBinary() (string, error) {
	var candidates []string
	if p, err := exec.LookPath("versitygw"); err == nil {
		candidates = append(candidates, p)
	}
	if out, err := exec.Command("go", "env", "GOBIN", "GOPATH").Output(); err == nil {
		// One line each, the first empty when GOBIN is unset.
		lines := strings.Split(string(out), "\n")
		if len(lines) > 0 && strings.TrimSpace(lines[0]) != "" {
			candidates = append(candidates, filepath.Join(strings.TrimSpace(lines[0]), "versitygw"))
		}
		if len(lines) > 1 {
			for _, gp := range filepath.SplitList(strings.TrimSpace(lines[1])) {
				candidates = append(candidates, filepath.Join(gp, "bin", "versitygw"))
			}
		}
	}
	var errs []error
	for _, c := range candidates {
		if _, err := os.Stat(c); err != nil {
			continue
		}
		out, err := exec.Command("go", "version", "-m", c).Output()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", c, err))
			continue
		}
		if !bytes.Contains(out, []byte("github.com/versity/versitygw\t"+VersitygwVersion+"\t")) {
			errs = append(errs, fmt.Errorf("%s is not versitygw %s", c, VersitygwVersion))
			continue
		}
		return c, nil
	}
	if len(errs) == 0 {
		return "", fmt.Errorf("not on PATH nor in the Go bin directory (%s)", strings.Join(candidates, ", "))
	}
	return "", errors.Join(errs...)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
