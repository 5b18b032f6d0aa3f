package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
)

func writeAged(t *testing.T, path, body string, age time.Duration) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-age)
	os.Chtimes(path, at, at)
}

func TestProgramLogPicksTheCurrentContainersFiles(t *testing.T) {
	l := stacks.Layout{Root: t.TempDir()}
	be, ed := l.LogsDir("backend"), l.LogsDir("editor")
	writeAged(t, filepath.Join(be, "backend-oldhost00000.log"), "old backend\n", time.Hour)
	writeAged(t, filepath.Join(be, "backend-newhost00000.log"), "new backend\n", time.Minute)
	writeAged(t, filepath.Join(be, "starting_page_init.log"), "page init\n", 0)
	writeAged(t, filepath.Join(ed, "oldhost00000-stdout.log"), "old editor out\n", time.Hour)
	writeAged(t, filepath.Join(ed, "newhost00000-stdout.log"), "editor out\n", time.Minute)
	writeAged(t, filepath.Join(ed, "newhost00000-stderr.log"), "editor err\n", time.Minute)
	writeAged(t, filepath.Join(l.LogsDir("redis"), "redis.log"), "redis\n", time.Minute)
	writeAged(t, filepath.Join(l.LogsDir("rts"), "rts-stdout---supervisor-abc123.log"), "rts old run\n", time.Hour)
	writeAged(t, filepath.Join(l.LogsDir("rts"), "rts-stdout---supervisor-def456.log"), "rts out\n", time.Minute)
	writeAged(t, filepath.Join(l.LogsDir("rts"), "rts-stderr---supervisor-def456.log"), "rts err\n", time.Minute)
	for _, c := range []struct {
		program, host, file string
		want, not           []string
	}{
		{"backend", "", "", []string{"new backend"}, []string{"old backend", "page init", "==>"}},
		{"backend", "oldhost00000", "", []string{"old backend"}, []string{"new backend"}},
		{"backend", "gonehost0000", "", []string{"new backend"}, nil}, // a host with no files: the newest
		{"backend", "", "starting_page_init.log", []string{"page init"}, []string{"backend"}},
		{"editor", "newhost00000", "", []string{"==> newhost00000-stderr.log <==\neditor err", "==> newhost00000-stdout.log <==\neditor out"}, []string{"old editor"}},
		{"redis", "newhost00000", "", []string{"redis"}, nil},
		{"rts", "", "", []string{"rts out", "rts err"}, []string{"old run"}},
	} {
		var b bytes.Buffer
		if err := programLog(context.Background(), &b, l, c.program, c.host, c.file, -1, false); err != nil {
			t.Errorf("%s %s: %v", c.program, c.host, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s (host %q, file %q) lacks %q:\n%s", c.program, c.host, c.file, w, b.String())
			}
		}
		for _, n := range c.not {
			if strings.Contains(b.String(), n) {
				t.Errorf("%s (host %q) shows %q:\n%s", c.program, c.host, n, b.String())
			}
		}
	}
	var b bytes.Buffer
	if err := programLog(context.Background(), &b, l, "backend", "", "nope.log", -1, false); err == nil || !strings.Contains(err.Error(), "starting_page_init.log") {
		t.Errorf("--file of a missing file: %v", err)
	}
}
