package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// These tests run the entrypoint in-process against a temporary root, so the
// contract logic is covered without Docker; internal/testenv runs the same
// program as a real container.

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newRoot lays out the image files of a stand-in at version with cfg.
func newRoot(t *testing.T) layout {
	t.Helper()
	l := layout{root: t.TempDir()}
	if err := os.MkdirAll(l.path("/tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	return l
}

func setImage(t *testing.T, l layout, version string, cfg spec.Config) {
	t.Helper()
	for path, v := range map[string]any{spec.InfoPath: spec.Info{Version: version, CommitSha: "abc"}, spec.ConfigPath: cfg} {
		if err := os.MkdirAll(filepath.Dir(l.path(path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := writeJSON(l.path(path), v); err != nil {
			t.Fatal(err)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type running struct {
	t    *testing.T
	a    *app
	out  *syncBuffer
	stop chan os.Signal
	done chan struct{} // closed at exit; code is set by then
	code int
	base string
}

func startApp(t *testing.T, l layout, environ ...string) *running {
	t.Helper()
	out := &syncBuffer{}
	a := &app{l: l, con: &console{w: out}, httpAddr: freeAddr(t), httpsAddr: freeAddr(t)}
	r := &running{t: t, a: a, out: out, stop: make(chan os.Signal, 1), done: make(chan struct{}), base: "http://" + a.httpAddr}
	go func() {
		code, err := a.run(append([]string{"HOSTNAME=testhost"}, environ...), r.stop)
		if err != nil {
			out.Write([]byte("ERROR: " + err.Error() + "\n"))
		}
		r.code = code
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case r.stop <- os.Interrupt:
		default:
		}
		select {
		case <-r.done:
		case <-time.After(5 * time.Second):
		}
	})
	return r
}

func (r *running) status(path string) int {
	resp, err := http.Get(r.base + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (r *running) waitStatus(path string, want int) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.status(path) != want {
		select {
		case <-r.done:
			r.t.Fatalf("exited %d while waiting for %s %d:\n%s", r.code, path, want, r.out)
		default:
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("%s never answered %d:\n%s", path, want, r.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// shutdown sends SIGTERM and returns the exit status.
func (r *running) shutdown() int {
	r.t.Helper()
	began := time.Now()
	r.stop <- os.Interrupt
	select {
	case <-r.done:
		if d := time.Since(began); d > time.Second {
			r.t.Errorf("shutdown took %s, want under a second", d)
		}
		return r.code
	case <-time.After(5 * time.Second):
		r.t.Fatalf("no exit after SIGTERM:\n%s", r.out)
	}
	return -1
}

func (r *running) exit() int {
	r.t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(10 * time.Second):
		r.t.Fatalf("still running:\n%s", r.out)
	}
	return -1
}

func ctl(t *testing.T, l layout, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	code := supervisorctl(l, args, &out)
	return out.String(), code
}

func TestEntrypointFreshStartAndSupervisorctl(t *testing.T) {
	l := newRoot(t)
	setImage(t, l, "v1.9.2", spec.Config{BootDelay: "300ms"})
	r := startApp(t, l)
	r.waitStatus("/info", 200)
	r.waitStatus("/api/v1/health", 200)

	fi, err := os.Stat(l.stacks("configuration", "docker.env"))
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("docker.env: %v %v", fi, err)
	}
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT", "APPSMITH_SUPERVISOR_PASSWORD"} {
		if v := r.a.env[k]; len(v) != 13 {
			t.Errorf("%s = %q", k, v)
		}
	}

	out, code := ctl(t, l, "status")
	if code != 0 || strings.Count(out, " RUNNING ") != 5 {
		t.Errorf("status = %d:\n%s", code, out)
	}
	out, code = ctl(t, l, "restart", "backend")
	if code != 0 || out != "backend: stopped\nbackend: started\n" {
		t.Errorf("restart = %d %q", code, out)
	}
	if c := r.status("/api/v1/health"); c != 502 {
		t.Errorf("health right after restart = %d, want 502", c)
	}
	r.waitStatus("/api/v1/health", 200)

	out, code = ctl(t, l, "stop", "rts")
	if code != 0 || out != "rts: stopped\n" {
		t.Errorf("stop rts = %d %q", code, out)
	}
	out, code = ctl(t, l, "status", "rts")
	if code != 3 || !strings.HasPrefix(out, "rts ") || !strings.Contains(out, "STOPPED") {
		t.Errorf("status rts = %d %q", code, out)
	}
	if out, code = ctl(t, l, "stop", "rts"); code == 0 || !strings.Contains(out, "rts: ERROR (not running)") {
		t.Errorf("second stop = %d %q", code, out)
	}
	if out, code = ctl(t, l, "start", "rts"); code != 0 || out != "rts: started\n" {
		t.Errorf("start rts = %d %q", code, out)
	}
	if out, code = ctl(t, l, "restart", "nosuch"); code == 0 || out != "nosuch: ERROR (no such process)\n" {
		t.Errorf("restart nosuch = %d %q", code, out)
	}
	if out, code = ctl(t, l, "restart", "all"); code != 0 || strings.Count(out, ": started") != 5 {
		t.Errorf("restart all = %d %q", code, out)
	}
	r.waitStatus("/api/v1/health", 200)

	log, err := os.ReadFile(l.stacks("logs", "backend", "backend-testhost.log"))
	if err != nil || strings.Count(string(log), "Started ServerApplication") != 3 {
		t.Errorf("backend log (%v):\n%s", err, log)
	}
	if code := r.shutdown(); code != 0 {
		t.Errorf("exit after SIGTERM = %d", code)
	}
	if !strings.Contains(r.out.String(), "backend stdout | ") {
		t.Errorf("program output not echoed to the console:\n%s", r.out)
	}
}

func TestEntrypointEnvironment(t *testing.T) {
	l := newRoot(t)
	setImage(t, l, "v1.9.2", spec.Config{})
	env := "# mine\n" +
		"APPSMITH_ENCRYPTION_PASSWORD='pa ss'\n" +
		"APPSMITH_ENCRYPTION_SALT=\"s\\\"alt\"\n" +
		"APPSMITH_DB_URL=mongodb://u:p@localhost/appsmith\n" +
		"APPSMITH_REDIS_URL=redis://redis.example.com:6379\n" +
		"FOO=from-file\n" +
		"export APPSMITH_CUSTOM_DOMAIN=file.example.com\n"
	if err := os.MkdirAll(l.stacks("configuration"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.stacks("configuration", "docker.env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &app{l: l, con: &console{w: &syncBuffer{}}}
	err := a.prepare([]string{"FOO=from-container", "APPSMITH_CUSTOM_DOMAIN=env.example.com", "MONGO_X=1"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(l.stacks("configuration", "docker.env"))
	if string(b) != env {
		t.Errorf("an existing docker.env was rewritten:\n%s", b)
	}
	for k, want := range map[string]string{
		"APPSMITH_ENCRYPTION_PASSWORD": "pa ss",
		"APPSMITH_ENCRYPTION_SALT":     `s"alt`,
		"FOO":                          "from-file",       // docker.env beats the plain environment
		"APPSMITH_CUSTOM_DOMAIN":       "env.example.com", // APPSMITH_* from the container beat docker.env
		"MONGO_X":                      "1",
	} {
		if a.env[k] != want {
			t.Errorf("%s = %q, want %q", k, a.env[k], want)
		}
	}
	if !a.localMongo {
		t.Errorf("localhost MongoDB not detected")
	}
	if _, err := os.Stat(l.stacks("data", "mongodb", "key")); err != nil {
		t.Errorf("MongoDB key file: %v", err)
	}
}

func TestEntrypointRefusesToStart(t *testing.T) {
	cases := []struct {
		name, env string
		cfg       spec.Config
		environ   []string
		code      int
		msg       string
	}{
		{"empty password", "APPSMITH_ENCRYPTION_PASSWORD=\nAPPSMITH_ENCRYPTION_SALT=s\n", spec.Config{}, nil, 1, "APPSMITH_ENCRYPTION_PASSWORD is empty"},
		{"salt emptied by the container", "APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\n", spec.Config{}, []string{"APPSMITH_ENCRYPTION_SALT="}, 1, "APPSMITH_ENCRYPTION_SALT is empty"},
		{"unquoted space", "APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\nAPPSMITH_JAVA_ARGS=-Xms1g -Xmx1g\n", spec.Config{}, nil, 127, "line 3: -Xmx1g: command not found"},
		{"crash fault", "APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\n", spec.Config{Fault: spec.FaultCrash}, nil, 1, "Unexpected error during start"},
		{"illegal instruction", "APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\nAPPSMITH_DB_URL=mongodb://localhost/a\n", spec.Config{Fault: spec.FaultIllegalInstruction}, nil, 132, "Illegal instruction (core dumped)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newRoot(t)
			setImage(t, l, "v1.9.2", c.cfg)
			if err := os.MkdirAll(l.stacks("configuration"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(l.stacks("configuration", "docker.env"), []byte(c.env), 0o644); err != nil {
				t.Fatal(err)
			}
			r := startApp(t, l, c.environ...)
			if code := r.exit(); code != c.code {
				t.Errorf("exit %d, want %d:\n%s", code, c.code, r.out)
			}
			if !strings.Contains(r.out.String(), c.msg) {
				t.Errorf("output lacks %q:\n%s", c.msg, r.out)
			}
		})
	}
}

func TestEntrypointTLS(t *testing.T) {
	l := newRoot(t)
	setImage(t, l, "v1.9.2", spec.Config{BootDelay: "0s"})
	if err := os.MkdirAll(l.stacks("ssl"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"fullchain.pem", "privkey.pem"} {
		if err := os.WriteFile(l.stacks("ssl", f), []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Without a domain the files are not used at all.
	r := startApp(t, l)
	r.waitStatus("/api/v1/health", 200)
	r.shutdown()

	r = startApp(t, l, "APPSMITH_CUSTOM_DOMAIN=appsmith.test")
	if code := r.exit(); code == 0 || !strings.Contains(r.out.String(), "loading certificates") {
		t.Errorf("exit %d with an unusable certificate:\n%s", code, r.out)
	}
}

// start runs the image at version on l's stacks to a healthy backend and
// stops it; it returns the exit status (0 = started fully) and the output.
func startVersion(t *testing.T, l layout, version string, environ ...string) (int, string) {
	t.Helper()
	setImage(t, l, version, spec.Config{BootDelay: "0s"})
	r := startApp(t, l, environ...)
	deadline := time.Now().Add(10 * time.Second)
	for r.status("/api/v1/health") != 200 {
		select {
		case <-r.done:
			return r.code, r.out.String()
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: neither healthy nor exited:\n%s", version, r.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return r.shutdown(), r.out.String()
}

func readState(t *testing.T, l layout) mongoState {
	t.Helper()
	var st mongoState
	b, err := os.ReadFile(l.stacks("data", "mongodb", mongoStateFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestEntrypointVersionPaths(t *testing.T) {
	type step struct {
		version string
		environ []string
		code    int    // 0 = starts fully
		msg     string // in the output
		fcv     string // FCV afterwards
		marker  string // content of .appsmith-mongo-fcv-min afterwards
	}
	cases := []struct {
		name  string
		mongo bool // a docker.env naming the embedded MongoDB first (the template of v1.47+ writes PostgreSQL)
		steps []step
	}{
		{"fresh 2.2 starts at FCV 7.0", true, []step{{version: "v2.2", fcv: "7.0", marker: "7.0\n"}}},
		{"skipping the FCV raise strands v1.9.2 data", false, []step{
			{version: "v1.8.15", fcv: "4.4"},
			{version: "v1.9.2", fcv: "4.4"},
			{version: "v1.99", code: 62, msg: "Invalid feature compatibility version value '4.4'", fcv: "4.4"},
			{version: "v1.9.38", fcv: "5.0"},
			{version: "v1.99", fcv: "6.0"},
			{version: "v2.0.1", fcv: "6.0", marker: "6.0\n"},
			{version: "v2.2", fcv: "7.0", marker: "7.0\n"},
		}},
		{"checkpoint v1.9.2", false, []step{
			{version: "v1.8.15", fcv: "4.4"},
			{version: "v1.9.38", code: 1, msg: "[v1.9.1]", fcv: "4.4"},
			{version: "v1.9.38", environ: []string{"APPSMITH_CHECKPOINT_OVERRIDE=v1.9"}, msg: "APPSMITH_CHECKPOINT_OVERRIDE=v1.9", fcv: "5.0"},
			{version: "v1.9.38", fcv: "5.0"}, // the override was needed once
		}},
		{"every standard release in order; v1.9.1 is one hop, not the checkpoint", false, []step{
			{version: "v1.8.15", fcv: "4.4"},
			{version: "v1.9.1", fcv: "4.4"},
			{version: "v1.9.38", code: 1, msg: "[v1.9.1]", fcv: "4.4"},
			{version: "v1.9.2", fcv: "4.4"},
			{version: "v1.9.38", fcv: "5.0"},
			{version: "v1.99", fcv: "6.0"},
			{version: "v2.0.1", fcv: "6.0", marker: "6.0\n"},
			{version: "v2.2.0", fcv: "7.0", marker: "7.0\n"},
		}},
		{"checkpoint before 2.x", false, []step{
			{version: "v1.9.38", fcv: "5.0"},
			{version: "v1.95", fcv: "5.0"},
			{version: "v2.0.1", code: 62, msg: "featureCompatibilityVersion", fcv: "5.0"},
		}},
		{"new data refuses an old mongod", true, []step{
			{version: "v2.2", fcv: "7.0", marker: "7.0\n"},
			{version: "v1.99", code: 62, msg: "featureCompatibilityVersion", fcv: "7.0", marker: "7.0\n"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newRoot(t)
			if c.mongo {
				writeEnvFile(t, l, "APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\n"+
					"APPSMITH_DB_URL=mongodb://appsmith:pw@localhost/appsmith\nAPPSMITH_REDIS_URL=redis://127.0.0.1:6379\n")
			}
			for i, s := range c.steps {
				code, out := startVersion(t, l, s.version, s.environ...)
				if code != s.code {
					t.Fatalf("step %d (%s): exit %d, want %d:\n%s", i, s.version, code, s.code, out)
				}
				if s.msg != "" && !strings.Contains(out, s.msg) {
					t.Errorf("step %d (%s): output lacks %q:\n%s", i, s.version, s.msg, out)
				}
				if code == 1 && !strings.Contains(out, "APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED") {
					t.Errorf("step %d: no checkpoint banner:\n%s", i, out)
				}
				if got := readState(t, l).FCV; got != s.fcv {
					t.Errorf("step %d (%s): FCV %s, want %s", i, s.version, got, s.fcv)
				}
				if marker, _ := os.ReadFile(l.stacks("data", "mongodb", ".appsmith-mongo-fcv-min")); string(marker) != s.marker {
					t.Errorf("step %d (%s): FCV marker %q, want %q", i, s.version, marker, s.marker)
				}
			}
		})
	}
}

func TestCACertsLogging(t *testing.T) {
	l := newRoot(t)
	if err := os.MkdirAll(l.stacks("ca-certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	cert := "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
	files := map[string]string{"bundle.crt": cert + cert, "junk.crt": "not pem", "x.pem": cert}
	for n, body := range files {
		if err := os.WriteFile(l.stacks("ca-certs", n), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := &syncBuffer{}
	(&app{l: l, con: &console{w: out}}).setupCACerts()
	for _, want := range []string{"Adding custom CA certificate ca-certs/bundle.crt (2 certificates)", "Input not an X.509 certificate: ca-certs/junk.crt", "'.pem' files"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), "x.pem (") {
		t.Errorf(".pem file was added:\n%s", out)
	}
}

func writeEnvFile(t *testing.T, l layout, text string) {
	t.Helper()
	if err := os.MkdirAll(l.stacks("configuration"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.stacks("configuration", "docker.env"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
