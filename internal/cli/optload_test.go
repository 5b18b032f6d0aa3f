package cli

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/engine"
)

// backupTestOptions stands for the options of a command to come (backup,
// upgrade): nothing in the loader may know install.Options.
type backupTestOptions struct {
	Target  string        `opt:"target"`
	Keep    int           `opt:"keep"`
	Timeout time.Duration `opt:"timeout"`
	Verify  bool          `opt:"verify"`
	Exclude []string      `opt:"exclude"`
	Note    string        // no tag: not an option
}

func loadBackupTest(t *testing.T, yaml string, env map[string]string, args ...string) (*optLoader[backupTestOptions], error) {
	t.Helper()
	l := newOptLoader(backupTestOptions{Keep: 7, Timeout: time.Minute, Note: "default"}, "APPSMITH_BACKUPTEST_")
	fs := pflag.NewFlagSet("backup", pflag.ContinueOnError)
	fs.String("target", "", "")
	fs.Int("keep", 7, "")
	fs.Duration("timeout", time.Minute, "")
	fs.Bool("verify", false, "")
	fs.StringArray("exclude", nil, "")
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if yaml != "" {
		cfg := filepath.Join(t.TempDir(), "backup.yaml")
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := l.fromFile(cfg); err != nil {
			return l, err
		}
	}
	if err := l.fromEnv(func(k string) string { return env[k] }); err != nil {
		return l, err
	}
	return l, l.fromFlags(fs)
}

func TestOptLoaderFillsAnyOptionsStructWithTheSamePrecedence(t *testing.T) {
	yaml := "target: /from/file\nkeep: 3\ntimeout: 5m\nverify: true\nexclude: [logs, tmp]\n"
	env := map[string]string{"APPSMITH_BACKUPTEST_KEEP": "4", "APPSMITH_BACKUPTEST_EXCLUDE": "cache, mongo",
		"APPSMITH_INSTALL_TARGET": "/not/this/prefix"}
	l, err := loadBackupTest(t, yaml, env, "--timeout", "90s")
	if err != nil {
		t.Fatal(err)
	}
	want := backupTestOptions{Target: "/from/file", Keep: 4, Timeout: 90 * time.Second, Verify: true, Exclude: []string{"cache", "mongo"}, Note: "default"}
	if !reflect.DeepEqual(l.opts, want) {
		t.Errorf("merged\n%+v, want\n%+v", l.opts, want)
	}
	wantSrc := map[string]string{"target": "target in ", "keep": "APPSMITH_BACKUPTEST_KEEP", "timeout": "--timeout",
		"verify": "verify in ", "exclude": "APPSMITH_BACKUPTEST_EXCLUDE"}
	for k, v := range wantSrc {
		if !strings.HasPrefix(l.sources[k], v) {
			t.Errorf("source of %s = %q, want %q...", k, l.sources[k], v)
		}
	}

	// Flags win over the environment, repeated flags replace a list.
	l, err = loadBackupTest(t, "", env, "--keep", "9", "--exclude", "a", "--exclude", "b")
	if err != nil {
		t.Fatal(err)
	}
	if l.opts.Keep != 9 || !reflect.DeepEqual(l.opts.Exclude, []string{"a", "b"}) || l.opts.Target != "" {
		t.Errorf("flags over env: %+v", l.opts)
	}
}

func TestOptLoaderErrorsNameTheFlagKeyOrVariable(t *testing.T) {
	for _, c := range []struct {
		yaml string
		env  map[string]string
		args []string
		want string
	}{
		{"keep: many\n", nil, nil, `invalid keep in `},
		{"keeep: 3\n", nil, nil, `unknown key "keeep" (known: target, keep, timeout, verify, exclude)`},
		{"note: x\n", nil, nil, `unknown key "note"`},
		{"target: [a, b]\n", nil, nil, `target must be a single value`},
		{"", map[string]string{"APPSMITH_BACKUPTEST_TIMEOUT": "soon"}, nil, `invalid APPSMITH_BACKUPTEST_TIMEOUT "soon": want a duration`},
		{"", map[string]string{"APPSMITH_BACKUPTEST_VERIFY": "maybe"}, nil, `invalid APPSMITH_BACKUPTEST_VERIFY "maybe": want true or false`},
	} {
		_, err := loadBackupTest(t, c.yaml, c.env, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || engine.ExitCode(err) != engine.ExitUsage {
			t.Errorf("%q %v: got %v (exit %d), want usage error containing %q", c.yaml, c.env, err, engine.ExitCode(err), c.want)
		}
	}

	// A value the command rejects later is reported by where it came from.
	l, err := loadBackupTest(t, "", map[string]string{"APPSMITH_BACKUPTEST_TARGET": "rel/path"})
	if err != nil {
		t.Fatal(err)
	}
	err = l.usage(&install.FieldError{Field: "target", Value: l.opts.Target, Reason: "must be absolute"})
	if want := `invalid APPSMITH_BACKUPTEST_TARGET "rel/path": must be absolute`; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
