package cli

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// An external MongoDB older than a hop needs is refused before anything
// stops, with its version and the one needed; one that cannot be asked is
// refused too; a new enough one passes.
func TestCheckExternalMongo(t *testing.T) {
	hops, err := upgrade.Path("v1.8.15", "v1.9.2", []string{"v1.8.15", "v1.9.2"}, upgrade.DBExternalMongo)
	if err != nil {
		t.Fatal(err)
	}
	sp := upgrade.Spec{From: "v1.8.15", To: "v1.9.2", Hops: hops}
	for _, c := range []struct {
		out     string
		err     error
		refused string
	}{
		{out: "4.4.18\n", refused: "runs 4.4.18 and v1.9.2 needs 5.0"},
		{out: "Current Mongosh Log ID: x\n5.0.14\n"},
		{out: "7.0.2\n"},
		{err: errors.New("connection refused"), refused: "could not ask"},
	} {
		eng := &dockerfake.Engine{T: t, ExecFunc: func(_ context.Context, id string, cmd, env []string, _ io.Reader) (docker.ExecResult, error) {
			if strings.Join(cmd, " ") != "appsmithctl mongo-eval db.version()" {
				t.Errorf("ran %v", cmd)
			}
			return docker.ExecResult{Stdout: []byte(c.out)}, c.err
		}}
		in := &located{dir: "/opt/appsmith", c: &docker.Container{ID: "c1", Name: "appsmith"}, d: eng}
		var v UpgradePlan
		err := checkExternalMongo(context.Background(), in, sp, &v)
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%q: refused: %v", c.out, err)
		case c.refused != "" && (engine.ExitCode(err) != engine.ExitPreflight || !strings.Contains(err.Error(), c.refused) || v.Refused == ""):
			t.Errorf("%q: got %v, want exit 3 with %q", c.out, err, c.refused)
		}
	}
	// No hop with a requirement: nothing is asked.
	if err := checkExternalMongo(context.Background(), &located{}, upgrade.Spec{Hops: []upgrade.Hop{{From: "v2.0.1", To: "v2.2.0"}}}, &UpgradePlan{}); err != nil {
		t.Error(err)
	}
	for _, c := range [][2]string{{"4.4", "5.0"}, {"5.0.14", "6.0"}, {"", "5.0"}} {
		if !versionLess(c[0], c[1]) || versionLess(c[1], c[0]) {
			t.Errorf("versionLess(%q, %q)", c[0], c[1])
		}
	}
}

// --no-snapshot is a Kubernetes install's: a host upgrade's rollback needs
// its copy of the stacks, so the flag is refused there, naming it.
func TestUpgradeNoSnapshotIsKubernetesOnly(t *testing.T) {
	r := run(t, Deps{}, nil, "upgrade", "v1.9.38", "--yes", "--no-snapshot", "--dir", t.TempDir())
	if r.code != 2 || !strings.Contains(r.errOut, "--no-snapshot") {
		t.Errorf("upgrade --no-snapshot on a host: exit %d %s", r.code, r.errOut)
	}
}
