package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// A salt lost from the docker.env of an instance with data is never
// regenerated: a new one would make every stored credential unreadable.
// The re-run refuses (exit 3) naming the key and changes nothing.
func TestLostSaltIsRefusedOnData(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	if entries, _ := os.ReadDir(filepath.Join(e.dir, "stacks/data/mongodb")); len(entries) == 0 {
		t.Fatal("the instance wrote no embedded database: the test needs one")
	}
	path := filepath.Join(e.dir, "stacks/configuration/docker.env")
	_, data := readEnv(t, e.dir)
	lost := regexp.MustCompile(`(?m)^APPSMITH_ENCRYPTION_SALT=.*\n`).ReplaceAll(data, nil)
	if len(lost) == len(data) {
		t.Fatal("no salt line to remove")
	}
	if err := os.WriteFile(path, lost, 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(nil, e.installArgs("v1.9.2")...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "lacks APPSMITH_ENCRYPTION_SALT", "stacks/data/mongodb holds a database", "put APPSMITH_ENCRYPTION_SALT back")
	if after, _ := os.ReadFile(path); string(after) != string(lost) {
		t.Fatal("docker.env changed: a refused run must not touch it")
	}
	if baks, _ := filepath.Glob(path + ".bak*"); len(baks) != 0 {
		t.Errorf("the refused run wrote %q", baks)
	}
}

// A docker.env line bash cannot parse stops Appsmith's entrypoint, which
// sources the file: a re-run reports it as a preflight failure naming the
// line, and changes nothing.
func TestUnparsableDockerEnvLineIsAPreflightFailure(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	path := filepath.Join(e.dir, "stacks/configuration/docker.env")
	_, data := readEnv(t, e.dir)
	broken := append(append([]byte(nil), data...), "APPSMITH_MAIL_FROM \"Appsmith <a@example.com>\n"...)
	line := bytes.Count(data, []byte("\n")) + 1
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run(nil, e.installArgs("v1.9.2")...)
	if r.code != 3 {
		t.Fatalf("exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, fmt.Sprintf("docker.env line %d: unterminated double quote", line), "bash -n")
	if after, _ := os.ReadFile(path); !bytes.Equal(after, broken) {
		t.Fatal("docker.env changed: a refused run must not touch it")
	}
}
