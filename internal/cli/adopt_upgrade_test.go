package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/upgrade"
)

// On a terminal, an upgrade of a compose service asks to change the image
// line itself: no leaves the file alone (exit 2), yes changes it to the
// first hop's image with a copy kept and names the next hop. Without a
// terminal or --update-compose it only says what to change.
func TestComposeUpgradeAsksOnATerminal(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "docker-compose.yml")
	text := "services:\n  appsmith:\n    image: appsmith/appsmith-ee:v1.8.15 # docs\n    volumes: [\"./stacks:/appsmith-stacks\"]\n"
	os.WriteFile(file, []byte(text), 0o644)
	cs := &state.ComposeService{Project: "p", Service: "appsmith", ConfigFiles: file, WorkingDir: dir}
	c := &docker.Container{ID: "c1", Name: "appsmith", Image: "appsmith/appsmith-ee:v1.8.15",
		Labels: map[string]string{"com.docker.compose.project": "p", "com.docker.compose.service": "appsmith"},
		Mounts: []docker.Mount{{Source: filepath.Join(dir, "stacks"), Destination: "/appsmith-stacks"}}}
	in := &located{dir: dir, c: c, state: &state.State{Adopted: &state.Adoption{Compose: cs}}}
	hops, err := upgrade.Path("v1.8.15", "v1.9.38", []string{"v1.8.15", "v1.9.2", "v1.9.38"}, upgrade.DBEmbeddedMongo)
	if err != nil {
		t.Fatal(err)
	}
	v := UpgradePlan{Dir: dir, From: "v1.8.15", To: "v1.9.38", Hops: hops,
		Images: []string{"appsmith/appsmith-ee:v1.9.2", "appsmith/appsmith-ee:v1.9.38"}}
	refusal := refuseComposeUpgrade(in, &v)
	if refusal == nil || !strings.Contains(engine.HintOf(refusal), "--update-compose") {
		t.Fatalf("refusal %v hint %q", refusal, engine.HintOf(refusal))
	}

	opts := func(tty bool, answer bool, asked *[]string) *UpgradeOptions {
		stdio, _, _ := testIO()
		stdio.IsTTY = tty
		deps := fakeDeps(nil)
		deps.Now = func() time.Time { return time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC) }
		deps.Confirm = func(_ IO, q string) (bool, error) { *asked = append(*asked, q); return answer, nil }
		return &UpgradeOptions{IO: stdio, Deps: deps, Root: &rootOpts{}}
	}
	var asked []string
	if err := composeUpgradeRun(opts(false, true, &asked), in, v, refusal); !errors.Is(err, refusal) || len(asked) != 0 {
		t.Errorf("no terminal: %v, asked %q", err, asked)
	}
	if err := composeUpgradeRun(opts(true, false, &asked), in, v, refusal); engine.ExitCode(err) != engine.ExitUsage || len(asked) != 1 {
		t.Errorf("answered no: %v (exit %d), asked %q", err, engine.ExitCode(err), asked)
	}
	if b, _ := os.ReadFile(file); string(b) != text {
		t.Fatalf("changed without a yes:\n%s", b)
	}
	asked = nil
	o := opts(true, true, &asked)
	if err := composeUpgradeRun(o, in, v, refusal); err != nil {
		t.Fatal(err)
	}
	if len(asked) != 1 || !strings.Contains(asked[0], "image: appsmith/appsmith-ee:v1.9.2") {
		t.Errorf("asked %q", asked)
	}
	if b, _ := os.ReadFile(file); string(b) != strings.Replace(text, "v1.8.15 #", "v1.9.2 #", 1) {
		t.Errorf("compose file now:\n%s", b)
	}
	if b, err := os.ReadFile(file + ".appsmith-bak-20261201T030000Z"); err != nil || string(b) != text {
		t.Errorf("the copy: %v\n%s", err, b)
	}
	contains(t, o.IO.Err.(interface{ String() string }).String(), "docker compose up -d", "upgrade v1.9.38 --update-compose", "next of 2 hops")
}
