package lock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSecondHolderIsRefusedUntilRelease(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "inst") // never created: the lock writes nothing
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	// flock is per open file: a second Acquire in this process conflicts too.
	if _, err := Acquire(dir); !errors.Is(err, ErrBusy) || !strings.Contains(err.Error(), "pid ") {
		t.Fatalf("second acquire: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(dir)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the lock created %s", dir)
	}
}

// A holder that dies leaves no stale lock: the kernel drops flocks.
func TestDeadHolderLeavesNoLock(t *testing.T) {
	if os.Getenv("LOCK_HELPER_DIR") != "" {
		if _, err := Acquire(os.Getenv("LOCK_HELPER_DIR")); err != nil {
			os.Exit(3)
		}
		time.Sleep(time.Minute)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run", "TestDeadHolderLeavesNoLock")
	cmd.Env = append(os.Environ(), "LOCK_HELPER_DIR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		l, err := Acquire(dir)
		if errors.Is(err, ErrBusy) {
			break // the child holds it
		}
		if err == nil {
			l.Release()
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never took the lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("lock still held after the holder died: %v", err)
	}
	l.Release()
}
