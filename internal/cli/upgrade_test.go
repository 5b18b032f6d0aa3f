package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// An external MongoDB older than a hop needs is refused before anything
// stops, with its version and the one needed; one that cannot be asked is
// refused too; a new enough one passes, with the FCV the next release
// needs set first when the data are below it.
func TestCheckExternalMongo(t *testing.T) {
	hops, err := upgrade.Path("v1.8.15", "v1.9.2", []string{"v1.8.15", "v1.9.2"}, upgrade.DBExternalMongo)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		version, fcv string
		err          error
		refused      string
		setFCV       string
	}{
		{version: "4.4.18\n", fcv: "4.4", refused: "runs 4.4.18 and v1.9.2 needs 5.0"},
		{version: "Current Mongosh Log ID: x\n5.0.14\n", fcv: "5.0"},
		{version: "5.0.14\n", fcv: "4.4", setFCV: "5.0"},
		{version: "7.0.2\n", fcv: "7.0"},
		{err: errors.New("connection refused"), refused: "could not ask"},
	} {
		eng := &dockerfake.Engine{T: t, ExecFunc: func(_ context.Context, id string, cmd, env []string, _ io.Reader) (docker.ExecResult, error) {
			if len(cmd) != 3 || cmd[0] != "appsmithctl" || cmd[1] != "mongo-eval" || id != "c1" {
				t.Errorf("ran %v in %s", cmd, id)
			}
			if cmd[2] == "db.version()" {
				return docker.ExecResult{Stdout: []byte(c.version)}, c.err
			}
			return docker.ExecResult{Stdout: []byte(c.fcv + "\n")}, c.err
		}}
		in := &located{dir: "/opt/appsmith", c: &docker.Container{ID: "c1", Name: "appsmith"}, d: eng}
		out, _, refused, err := checkExternalMongo(context.Background(), in, hops, "v1.9.2")
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%q: refused: %v", c.version, err)
		case c.refused != "" && (engine.ExitCode(err) != engine.ExitPreflight || !strings.Contains(err.Error(), c.refused) || refused == ""):
			t.Errorf("%q: got %v, want exit 3 with %q", c.version, err, c.refused)
		case c.refused == "":
			got := ""
			if len(out[0].Pre) == 1 {
				got = out[0].Pre[0].FCV
			}
			if got != c.setFCV || len(out[0].Pre) > 1 {
				t.Errorf("%q at FCV %s: set-fcv %+v, want %q", c.version, c.fcv, out[0].Pre, c.setFCV)
			}
		}
	}
	// No hop with a requirement: nothing is asked.
	if _, _, _, err := checkExternalMongo(context.Background(), &located{}, []upgrade.Hop{{From: "v2.0.1", To: "v2.2.0"}}, "v2.2.0"); err != nil {
		t.Error(err)
	}
	for _, c := range [][2]string{{"4.4", "5.0"}, {"5.0.14", "6.0"}, {"", "5.0"}} {
		if !versionLess(c[0], c[1]) || versionLess(c[1], c[0]) {
			t.Errorf("versionLess(%q, %q)", c[0], c[1])
		}
	}
}

// --no-snapshot and --no-db-check are a Kubernetes install's: a host
// upgrade's rollback needs its copy of the stacks, and its container
// always answers for the database, so the flags are refused there, named.
func TestUpgradeKubernetesOnlyFlags(t *testing.T) {
	for _, flag := range []string{"--no-snapshot", "--no-db-check"} {
		dir := t.TempDir()
		r := run(t, Deps{}, nil, "upgrade", "v1.9.38", "--yes", flag, "--dir", dir)
		if r.code != 2 || !strings.Contains(r.errOut, flag) {
			t.Errorf("upgrade %s on a host: exit %d %s", flag, r.code, r.errOut)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("upgrade %s on a host wrote %d entries", flag, len(entries))
		}
	}
}
