package doctor

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

// DefaultLogBytes is how much of each program's logs a bundle keeps: the
// newest part, where the failure is.
const DefaultLogBytes = 2 << 20

// BundleOptions says what a support bundle holds besides the install's
// files.
type BundleOptions struct {
	Report  Report
	Environ []string // the process environment: its secrets are scrubbed too
	// LogBytes per program; 0: DefaultLogBytes.
	LogBytes int64
}

// WriteBundle writes a support bundle of e's install as a tar.gz to w:
// doctor's report, the Engine's info, the container's inspect with its
// environment values hidden, docker.env with every secret hidden and its
// comments dropped, appsmith.yaml, the newest journals (the last plans
// and their steps) and the newest logs of each
// program. It never includes the private keys of stacks/ssl/, and every
// secret value known (docker.env's, the environment's) is replaced in every
// file, in each encoding a file may hold it in.
func WriteBundle(ctx context.Context, w io.Writer, e *Env, o BundleOptions) error {
	if o.LogBytes <= 0 {
		o.LogBytes = DefaultLogBytes
	}
	b := &bundle{root: "appsmith-support", now: e.Now}
	if b.now.IsZero() {
		b.now = time.Now()
	}
	env, envErr := e.dockerEnv()
	if envErr == nil {
		for _, k := range env.Keys() {
			v, _ := env.Get(k)
			switch {
			case stacks.IsSecret(k) || urlUserinfo.MatchString(v):
				b.sc.add(v)
			case redactValue(k, v) != v:
				// Caught only by the wide net (APPSMITH_OAUTH2_..._ENABLED):
				// hidden in docker.env, but a short value ("true", "openid")
				// is a setting, and scrubbing it would shred every file.
				b.sc.addMin(v, 8)
			}
		}
	}
	b.sc.addEnv(o.Environ)

	b.json("doctor.json", o.Report)
	if info, err := e.engineInfo(ctx); err == nil {
		b.json("engine-info.json", info)
	} else {
		b.text("engine-info.txt", "Docker Engine not reachable: "+err.Error()+"\n")
	}
	if c := e.Container; c != nil {
		b.json("container-inspect.json", redactContainer(*c))
	}
	switch {
	case envErr == nil:
		b.text("docker.env", redactEnv(env))
	case e.Installed:
		b.text("docker.env.txt", "docker.env not readable: "+envErr.Error()+"\n")
	}
	b.file(state.FileName, state.Path(e.Dir), 1<<20)
	b.journals("journal", instance.Layout{Dir: e.Dir}.Journal())
	b.logs(e.stacks(), o.LogBytes)
	if len(b.errs) > 0 {
		b.text("bundle-errors.txt", strings.Join(b.errs, "\n")+"\n")
	}
	return b.write(w)
}

type bundle struct {
	root  string
	now   time.Time
	sc    scrubber
	files []bundleFile
	errs  []string
}

type bundleFile struct {
	name string
	data []byte
	mod  time.Time
}

func (b *bundle) add(name string, data []byte, mod time.Time) {
	if mod.IsZero() {
		mod = b.now
	}
	b.files = append(b.files, bundleFile{name: path.Join(b.root, name), data: b.sc.scrub(data), mod: mod})
}

func (b *bundle) text(name, s string) { b.add(name, []byte(s), time.Time{}) }

func (b *bundle) json(name string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the marker stays readable: <redacted>
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		b.errs = append(b.errs, name+": "+err.Error())
		return
	}
	b.add(name, buf.Bytes(), time.Time{})
}

// file adds the last max bytes of a regular file.
func (b *bundle) file(name, p string, max int64) {
	data, mod, err := tail(p, max)
	if err != nil {
		if !os.IsNotExist(err) {
			b.errs = append(b.errs, name+": "+err.Error())
		}
		return
	}
	b.add(name, data, mod)
}

// maxJournals: journals are kept, one per operation, and their names sort
// by time; the newest hold the last plans and any unfinished one.
const maxJournals = 20

func (b *bundle) journals(name, dir string) {
	ents, err := os.ReadDir(dir) // sorted by name: oldest first
	if err != nil {
		return
	}
	keep := map[string]bool{}
	if js, err := engine.Unfinished(dir); err == nil {
		for _, j := range js {
			keep[filepath.Base(j.Path())] = true
		}
	}
	for i, d := range ents {
		if i >= len(ents)-maxJournals {
			keep[d.Name()] = true
		}
	}
	for _, d := range ents {
		if !keep[d.Name()] {
			continue
		}
		if d.Type().IsRegular() {
			b.file(path.Join(name, d.Name()), filepath.Join(dir, d.Name()), 1<<20)
		}
	}
}

// logs adds, per program dir under stacks/logs, its newest files until max
// bytes, the newest part of each.
func (b *bundle) logs(l stacks.Layout, max int64) {
	root := filepath.Dir(l.LogsDir("x"))
	progs, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, p := range progs {
		if !p.IsDir() {
			continue
		}
		dir := filepath.Join(root, p.Name())
		ents, _ := os.ReadDir(dir)
		type f struct {
			name string
			mod  time.Time
		}
		var fs []f
		for _, d := range ents {
			if fi, err := d.Info(); err == nil && fi.Mode().IsRegular() {
				fs = append(fs, f{d.Name(), fi.ModTime()})
			}
		}
		sort.Slice(fs, func(i, j int) bool { return fs[i].mod.After(fs[j].mod) })
		left := max
		for _, x := range fs {
			if left <= 0 {
				break
			}
			data, mod, err := tail(filepath.Join(dir, x.name), left)
			if err != nil {
				continue
			}
			left -= int64(len(data))
			b.add(path.Join("logs", p.Name(), x.name), data, mod)
		}
	}
}

func tail(p string, max int64) ([]byte, time.Time, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, time.Time{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, err
	}
	if !fi.Mode().IsRegular() {
		return nil, time.Time{}, fmt.Errorf("%s is not a regular file", p)
	}
	if off := fi.Size() - max; off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return nil, time.Time{}, err
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, max))
	return data, fi.ModTime(), err
}

func (b *bundle) write(w io.Writer) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	for _, f := range b.files {
		hdr := &tar.Header{Name: f.name, Mode: 0o600, Size: int64(len(f.data)), ModTime: f.mod, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := io.Copy(tw, bytes.NewReader(f.data)); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// redactEnv is docker.env as KEY=value lines, every secret value replaced
// and comments dropped (an old password is often commented out, not gone).
func redactEnv(env *stacks.EnvFile) string {
	var b strings.Builder
	for _, k := range env.Keys() {
		v, _ := env.Get(k)
		fmt.Fprintf(&b, "%s=%s\n", k, stacks.Quote(redactValue(k, v)))
	}
	return b.String()
}

// redactContainer keeps the names of the container's environment, not the
// values: APPSMITH_* variables there override docker.env, secrets included.
func redactContainer(c docker.Container) docker.Container {
	red := func(env []string) []string {
		out := make([]string, len(env))
		for i, kv := range env {
			k, _, _ := strings.Cut(kv, "=")
			out[i] = k + "=" + Marker
		}
		return out
	}
	c.Env = red(c.Env)
	c.Config.Env = red(c.Config.Env)
	return c
}
