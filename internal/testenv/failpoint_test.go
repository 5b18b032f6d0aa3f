package testenv

import (
	"os"
	"os/exec"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/engine"
)

func TestFailpointEnv(t *testing.T) {
	if got := FailpointAt("done", "restart"); got != engine.FailpointEnv+"=done:restart" {
		t.Errorf("FailpointAt = %q", got)
	}
	if got := FailpointAfterRecord(3); got != engine.FailpointEnv+"=record:3" {
		t.Errorf("FailpointAfterRecord = %q", got)
	}
}

func TestKilledAtFailpoint(t *testing.T) {
	if os.Getenv("TESTENV_KILL_SELF") == "1" {
		p, _ := os.FindProcess(os.Getpid())
		_ = p.Kill()
		select {}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledAtFailpoint$")
	cmd.Env = append(os.Environ(), "TESTENV_KILL_SELF=1")
	if err := cmd.Run(); !KilledAtFailpoint(err) {
		t.Errorf("a SIGKILLed child: KilledAtFailpoint(%v) = false", err)
	}
	if err := exec.Command("false").Run(); KilledAtFailpoint(err) || KilledAtFailpoint(nil) {
		t.Errorf("an ordinary failure counted as a kill")
	}
}
