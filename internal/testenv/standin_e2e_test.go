package testenv

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// These tests run the standard stand-in images on the real engine, pulled
// from the in-process registry, and check the contract of APPSMITH.md that
// the product relies on.
func TestStandinImages(t *testing.T) {
	cli := RequireEngine(t)
	reg := StartRegistry(t)
	reg.RemoveFromEngineOnCleanup(t, cli)
	refs := StandardImages(t, reg)
	ce := func(tag string) string {
		ref, ok := refs["appsmith/appsmith-ce:"+tag]
		if !ok {
			t.Fatalf("no standard image appsmith/appsmith-ce:%s", tag)
		}
		return ref
	}
	// The multi-start scenarios use copies with a short boot delay: they
	// test version rules, not timing, and run several starts in a row.
	fast := map[string]string{}
	for _, v := range StandardVersions {
		fast[v] = reg.Push(t, Image{Repo: "fast/appsmith-ce", Tag: v, BootDelay: 100 * time.Millisecond})
	}
	quick := func(tag string) string { return fast[tag] }

	// The scenarios mostly wait on the engine, so they run all at once
	// rather than -parallel (GOMAXPROCS) at a time; t.Run may be called
	// from several goroutines.
	scenarios := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"fresh v1.9.2", func(t *testing.T) {
			testFreshInstall(t, cli, ce("v1.9.2"))
		}},
		{"never healthy", func(t *testing.T) {
			in := start(t, cli, refs["faults/never-healthy:v1.9.2"], t.TempDir())
			body := in.waitStatus("/info", 200, 20*time.Second)
			mustContain(t, "/info", body, `"version":"v1.9.2"`)
			deadline := time.Now().Add(2500 * time.Millisecond) // 2.5× the boot delay
			for time.Now().Before(deadline) {
				if code, _, err := in.get("/api/v1/health"); err != nil || code != 502 {
					t.Fatalf("health = %d, %v; want 502 forever", code, err)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if _, code := in.exec("/opt/appsmith/healthcheck"); code != 1 {
				t.Errorf("healthcheck exit %d, want 1", code)
			}
		}},
		{"crash", func(t *testing.T) {
			in := start(t, cli, refs["faults/crash:v1.9.2"], t.TempDir())
			if code := in.waitExit(20 * time.Second); code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			mustContain(t, "logs", in.logs(), "ERROR: Unexpected error during start")
		}},
		{"crash-looping container is removed", func(t *testing.T) {
			testRemoveCrashLoop(t, cli, refs["faults/crash:v1.9.2"])
		}},
		{"illegal instruction", func(t *testing.T) {
			in := start(t, cli, refs["faults/illegal-instruction:v1.9.2"], t.TempDir())
			if code := in.waitExit(20 * time.Second); code != 132 {
				t.Errorf("exit %d, want 132", code)
			}
			mustContain(t, "logs", in.logs(), "Illegal instruction (core dumped)")
		}},
		{"custom certificate", func(t *testing.T) {
			testCustomCert(t, cli, ce("v1.9.2"))
		}},
		{"broken certificate stops the editor", func(t *testing.T) {
			stacks := t.TempDir()
			chain, _ := selfSigned(t, "appsmith.test")
			_, otherKey := selfSigned(t, "appsmith.test")
			writeFile(t, filepath.Join(stacks, "ssl", "fullchain.pem"), chain)
			writeFile(t, filepath.Join(stacks, "ssl", "privkey.pem"), otherKey)
			in := start(t, cli, ce("v1.9.2"), stacks, "APPSMITH_CUSTOM_DOMAIN=appsmith.test")
			if code := in.waitExit(20 * time.Second); code == 0 {
				t.Errorf("exit 0 with a mismatched key")
			}
			mustContain(t, "logs", in.logs(), "loading certificates")
		}},
		{"custom domain without certificate", func(t *testing.T) {
			in := start(t, cli, ce("v1.9.2"), t.TempDir(), "APPSMITH_CUSTOM_DOMAIN=appsmith.test")
			in.waitStatus("/api/v1/health", 200, 30*time.Second)
			mustContain(t, "logs", in.logs(), "Let's Encrypt")
			if _, err := httpsGet(in.https, "appsmith.test", &tls.Config{InsecureSkipVerify: true}, "/api/v1/health"); err == nil {
				t.Errorf("HTTPS served without a certificate")
			}
		}},
		{"checkpoint missed", func(t *testing.T) {
			// An external database keeps MongoDB's FCV check out of the way, so
			// the backend's own checkpoint check is what stops v2.0.1.
			stacks := t.TempDir()
			external := "APPSMITH_DB_URL=mongodb://appsmith:secret@db.example.com:27017/appsmith"
			runToHealthy(t, cli, quick("v1.8.15"), stacks, external)
			if _, err := os.Stat(filepath.Join(stacks, "data", "mongodb", "standin-mongo.json")); err == nil {
				t.Errorf("embedded MongoDB ran with an external APPSMITH_DB_URL")
			}
			in := start(t, cli, quick("v2.0.1"), stacks, external)
			if code := in.waitExit(20 * time.Second); code == 0 {
				t.Fatalf("v2.0.1 started on data last run by v1.8.15")
			}
			mustContain(t, "logs", in.logs(), "APPSMITH BACKEND START ABORTED — CHECKPOINT MISSED", "[v1.9.1]")

			runToHealthy(t, cli, quick("v2.0.1"), stacks, external, "APPSMITH_CHECKPOINT_OVERRIDE=v1.96")
			var st struct{ AppsmithVersion string }
			readJSON(t, filepath.Join(stacks, "data", "standin-backend.json"), &st)
			if st.AppsmithVersion != "v2.0.1" {
				t.Errorf("last started = %q after the override, want v2.0.1", st.AppsmithVersion)
			}
		}},
		{"FCV refusal, then the way through", func(t *testing.T) {
			testFCVPath(t, cli, quick)
		}},
		{"mongosh, mongodump and mongorestore over exec", func(t *testing.T) {
			testDumpRestore(t, cli, quick("v1.9.2"))
		}},
		{"faulty tag in the same repository corrupts the data", func(t *testing.T) {
			good := reg.Push(t, Image{Repo: "rollback/appsmith-ce", Tag: "v1.9.2", BootDelay: 100 * time.Millisecond})
			bad := reg.Push(t, Image{Repo: "rollback/appsmith-ce", Tag: "v1.9.38", Fault: spec.FaultCorruptOnStart})
			testCorruptRollback(t, cli, good, bad)
		}},
	}
	var wg sync.WaitGroup
	for _, sc := range scenarios {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(sc.name, sc.run)
		}()
	}
	wg.Wait()
}

// testDumpRestore seeds documents through mongosh, streams them out with
// mongodump over the exec's stdout and into a second container with
// mongorestore over its stdin, all through the Engine API.
func testDumpRestore(t *testing.T, cli *client.Client, ref string) {
	src := start(t, cli, ref, t.TempDir())
	src.waitStatus("/api/v1/health", 200, 30*time.Second)
	uri := readEnv(t, filepath.Join(src.stacks, "configuration", "docker.env"))["APPSMITH_DB_URL"]
	if !strings.HasPrefix(uri, "mongodb://appsmith:") {
		t.Fatalf("fresh v1.9.2 database URL %q", uri)
	}
	if fcv := MongoEval(t, cli, src.id, "db.adminCommand({getParameter: 1, featureCompatibilityVersion: 1}).featureCompatibilityVersion.version"); fcv != "5.0" {
		t.Errorf("fresh v1.9.2 FCV %q", fcv)
	}
	SeedDocuments(t, cli, src.id, "users", 1200)
	SeedDocuments(t, cli, src.id, "applications", 30)
	archive := MongoDump(t, cli, src.id, uri, "--archive", "--gzip")
	whole := MongoDump(t, cli, src.id, strings.TrimSuffix(uri, "appsmith"), "--archive", "--oplog")

	dst := start(t, cli, ref, t.TempDir())
	dst.waitStatus("/api/v1/health", 200, 30*time.Second)
	dstURI := readEnv(t, filepath.Join(dst.stacks, "configuration", "docker.env"))["APPSMITH_DB_URL"]
	SeedDocuments(t, cli, dst.id, "users", 3)
	if code, errs := MongoRestore(t, cli, dst.id, dstURI, archive[:len(archive)/2], "--archive", "--gzip", "--drop"); code == 0 {
		t.Errorf("a truncated archive was restored: %s", errs)
	}
	if n := CountDocuments(t, cli, dst.id, "users"); n != 3 {
		t.Errorf("a refused restore left %d users, want the 3 there before", n)
	}
	if code, errs := MongoRestore(t, cli, dst.id, dstURI, archive, "--archive", "--gzip", "--drop"); code != 0 {
		t.Fatalf("mongorestore: exit %d: %s", code, errs)
	}
	if u, a := CountDocuments(t, cli, dst.id, "users"), CountDocuments(t, cli, dst.id, "applications"); u != 1200 || a != 30 {
		t.Errorf("restored %d users and %d applications, want 1200 and 30", u, a)
	}
	if code, errs := MongoRestore(t, cli, dst.id, dstURI, whole, "--archive", "--drop", "--oplogReplay"); code != 0 {
		t.Fatalf("mongorestore --oplogReplay: exit %d: %s", code, errs)
	}
	if u := CountDocuments(t, cli, dst.id, "users"); u != 1200 {
		t.Errorf("after the --oplog archive: %d users", u)
	}
}

// testCorruptRollback upgrades by changing only the tag to a release that
// corrupts the data: the old tag alone stays broken, the old tag with the
// pre-upgrade data comes back with every document.
func testCorruptRollback(t *testing.T, cli *client.Client, good, bad string) {
	stacks := t.TempDir()
	in := start(t, cli, good, stacks)
	in.waitStatus("/api/v1/health", 200, 30*time.Second)
	SeedDocuments(t, cli, in.id, "users", 25)
	if code, _ := in.stop(); code != 0 {
		t.Fatalf("stop: %d", code)
	}
	saved := filepath.Join(t.TempDir(), "stacks")
	if err := os.CopyFS(saved, os.DirFS(stacks)); err != nil {
		t.Fatal(err)
	}

	up := start(t, cli, bad, stacks)
	if code := up.waitExit(20 * time.Second); code == 0 {
		t.Fatalf("the faulty release exited 0")
	}
	mustContain(t, "logs", up.logs(), "corrupt")
	back := start(t, cli, good, stacks)
	if code := back.waitExit(20 * time.Second); code == 0 {
		t.Fatalf("the old tag started on corrupted data")
	}

	if err := os.RemoveAll(stacks); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(stacks, os.DirFS(saved)); err != nil {
		t.Fatal(err)
	}
	again := start(t, cli, good, stacks)
	again.waitStatus("/api/v1/health", 200, 30*time.Second)
	if n := CountDocuments(t, cli, again.id, "users"); n != 25 {
		t.Errorf("after the rollback with data: %d users, want 25", n)
	}
}

// testRemoveCrashLoop checks removeContainer on what the product creates for
// a broken release: a crash-looping container with a restart policy.
func testRemoveCrashLoop(t *testing.T, cli *client.Client, ref string) {
	pull(t, cli, ref)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := UniqueName(t, "loop")
	RemoveContainersOnCleanup(t, cli, name) // a safety net; the test removes it itself
	_, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Name:       name,
		Config:     &container.Config{Image: ref},
		HostConfig: &container.HostConfig{RestartPolicy: container.RestartPolicy{Name: container.RestartPolicyUnlessStopped}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ContainerStart(ctx, name, client.ContainerStartOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		insp, err := cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if insp.Container.RestartCount >= 2 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no restart loop: %+v", insp.Container.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
	removeContainer(ctx, t, cli, name)
	if _, err := cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{}); !isNotFound(err) {
		t.Errorf("container still there after removal: %v", err)
	}
}

func testFreshInstall(t *testing.T, cli *client.Client, ref string) {
	stacks := t.TempDir()
	in := start(t, cli, ref, stacks)
	body := in.waitStatus("/api/v1/health", 200, 30*time.Second)
	mustContain(t, "health", body, `"responseMeta":{"status":200,"success":true}`, `"data":"success"`)
	var info struct{ Version, CommitSha, ImageBuiltAt string }
	if err := json.Unmarshal([]byte(in.waitStatus("/info", 200, time.Second)), &info); err != nil || info.Version != "v1.9.2" || info.CommitSha == "" {
		t.Errorf("/info = %+v, %v", info, err)
	}

	// docker.env: written by the entrypoint with the real keys and secrets.
	envPath := filepath.Join(stacks, "configuration", "docker.env")
	fi, err := os.Stat(envPath)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("docker.env mode %v, want 0644 (what the real entrypoint's redirect under umask 022 gives)", fi.Mode().Perm())
	}
	env := readEnv(t, envPath)
	secret := regexp.MustCompile(`^[A-Za-z0-9]{13}$`)
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT", "APPSMITH_SUPERVISOR_PASSWORD"} {
		if !secret.MatchString(env[k]) {
			t.Errorf("%s = %q, want 13 alphanumerics", k, env[k])
		}
	}
	if !regexp.MustCompile(`^mongodb://appsmith:[A-Za-z0-9]{13}@localhost/appsmith$`).MatchString(env["APPSMITH_DB_URL"]) {
		t.Errorf("APPSMITH_DB_URL = %q", env["APPSMITH_DB_URL"])
	}
	for k, want := range map[string]string{"APPSMITH_REDIS_URL": "redis://127.0.0.1:6379", "APPSMITH_CUSTOM_DOMAIN": "", "APPSMITH_SUPERVISOR_USER": "appsmith"} {
		if v, ok := env[k]; !ok || v != want {
			t.Errorf("%s = %q (present %v), want %q", k, v, ok, want)
		}
	}
	for _, d := range []string{"configuration", "data/mongodb", "data/postgres/main", "data/redis", "data/caddy", "data/backup", "ssl", "ca-certs", "git-storage", "logs/backend", "logs/editor", "logs/mongodb"} {
		if fi, err := os.Stat(filepath.Join(stacks, d)); err != nil || !fi.IsDir() {
			t.Errorf("stacks/%s missing: %v", d, err)
		}
	}
	if st := readMongo(t, stacks); st != (mongoFile{Version: "5.0.14", FCV: "5.0", AppsmithVersion: "v1.9.2"}) {
		t.Errorf("embedded MongoDB state = %+v", st)
	}

	host := in.id[:12]
	backendLog := filepath.Join(stacks, "logs", "backend", "backend-"+host+".log")
	b, err := os.ReadFile(backendLog)
	if err != nil {
		t.Fatalf("backend log: %v", err)
	}
	mustContain(t, "backend log", string(b), "Started ServerApplication")
	for _, f := range []string{"logs/editor/" + host + "-stdout.log", "logs/rts/rts-" + host + ".log", "logs/mongodb/db.log", "logs/redis/redis.log", "logs/supervisor/supervisord.log"} {
		if _, err := os.Stat(filepath.Join(stacks, f)); err != nil {
			t.Errorf("log file: %v", err)
		}
	}

	out, code := in.exec("supervisorctl", "status")
	if code != 0 {
		t.Errorf("supervisorctl status exit %d:\n%s", code, out)
	}
	for _, p := range []string{"backend", "editor", "rts", "mongodb", "redis"} {
		if !regexp.MustCompile(`(?m)^` + p + ` +RUNNING +pid \d+, uptime \d+:\d\d:\d\d$`).MatchString(out) {
			t.Errorf("status lacks a RUNNING line for %s:\n%s", p, out)
		}
	}

	out, code = in.exec("supervisorctl", "restart", "backend")
	if code != 0 || out != "backend: stopped\nbackend: started\n" {
		t.Errorf("restart backend = %d %q", code, out)
	}
	if c, _, err := in.get("/api/v1/health"); err != nil || c != 502 {
		t.Errorf("health right after restarting backend = %d, %v; want 502 during the boot delay", c, err)
	}
	in.waitStatus("/api/v1/health", 200, 10*time.Second)
	b, _ = os.ReadFile(backendLog)
	if n := strings.Count(string(b), "Started ServerApplication"); n != 2 {
		t.Errorf("backend log shows %d starts, want 2", n)
	}

	out, code = in.exec("supervisorctl", "restart", "nosuch")
	if code == 0 || !strings.Contains(out, "nosuch: ERROR (no such process)") {
		t.Errorf("restart of an unknown program = %d %q", code, out)
	}
	if out, code = in.exec("appsmithctl", "version"); code != 0 || out != "v1.9.2\n" {
		t.Errorf("appsmithctl version = %d %q", code, out)
	}
	if out, code = in.exec("appsmithctl", "backup"); code != 1 || !strings.Contains(out, "not implemented in the stand-in") {
		t.Errorf("appsmithctl backup = %d %q", code, out)
	}
	if out, code = in.exec("/opt/appsmith/healthcheck"); code != 0 {
		t.Errorf("healthcheck = %d %q", code, out)
	}

	// The image config as the engine sees it: no label but the registry's.
	insp, err := cli.ImageInspect(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	cfg := insp.Config
	regHost, _, _ := strings.Cut(ref, "/")
	if cfg == nil || cfg.Healthcheck == nil || cfg.Healthcheck.Interval != 15*time.Second || cfg.Healthcheck.StartPeriod != 45*time.Second ||
		len(cfg.Entrypoint) != 1 || cfg.Entrypoint[0] != "/opt/appsmith/entrypoint.sh" || len(cfg.Labels) != 1 || cfg.Labels[RegistryLabel] != regHost {
		t.Errorf("image config = %+v", cfg)
	}

	// Exit 0: it stopped on SIGTERM; a stop that had to kill it gives 137.
	if code, _ := in.stop(); code != 0 {
		t.Errorf("docker stop: exit %d, want 0 (stopped on SIGTERM, not killed)", code)
	}
}

func testCustomCert(t *testing.T, cli *client.Client, ref string) {
	stacks := t.TempDir()
	chain, key := selfSigned(t, "appsmith.test")
	writeFile(t, filepath.Join(stacks, "ssl", "fullchain.pem"), chain)
	writeFile(t, filepath.Join(stacks, "ssl", "privkey.pem"), key)
	writeFile(t, filepath.Join(stacks, "ca-certs", "corp.crt"), chain)
	writeFile(t, filepath.Join(stacks, "ca-certs", "ignored.pem"), chain)
	in := start(t, cli, ref, stacks, "APPSMITH_CUSTOM_DOMAIN=appsmith.test")
	in.waitStatus("/api/v1/health", 200, 30*time.Second)

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(chain)
	code, err := httpsGet(in.https, "appsmith.test", &tls.Config{RootCAs: pool, ServerName: "appsmith.test"}, "/api/v1/health")
	if err != nil || code != 200 {
		t.Errorf("HTTPS health = %d, %v", code, err)
	}
	if _, err := httpsGet(in.https, "appsmith.test", &tls.Config{ServerName: "appsmith.test"}, "/"); err == nil {
		t.Errorf("HTTPS verified without the custom root: not our certificate?")
	}
	mustContain(t, "logs", in.logs(),
		"Adding custom CA certificate ca-certs/corp.crt (1 certificate)",
		"Looks like you have some '.pem' files in your 'ca-certs' folder")
}

// testFCVPath: MongoDB 7 refuses v1.8.15's FCV 4.4 data without touching
// it; the checkpoint v1.9.2 keeps FCV 4.4 and v1.9.38 raises it to 5.0, with
// docker.env's secrets untouched throughout. (The full path to 2.x is covered
// in-process by test/standin's TestEntrypointVersionPaths.)
func testFCVPath(t *testing.T, cli *client.Client, ref func(string) string) {
	stacks := t.TempDir()
	runToHealthy(t, cli, ref("v1.8.15"), stacks)
	before := readMongo(t, stacks)
	if before != (mongoFile{"4.4.18", "4.4", "v1.8.15"}) {
		t.Errorf("after v1.8.15: %+v", before)
	}
	envPath := filepath.Join(stacks, "configuration", "docker.env")
	secrets := readEnv(t, envPath)
	envBefore, err := os.ReadFile(envPath)
	if err != nil {
		t.Fatal(err)
	}

	in := start(t, cli, ref("v2.0.1"), stacks)
	if code := in.waitExit(20 * time.Second); code == 0 {
		t.Fatalf("MongoDB 7 opened FCV 4.4 data")
	}
	mustContain(t, "logs", in.logs(), "featureCompatibilityVersion", "'4.4'")
	if after := readMongo(t, stacks); after != before {
		t.Errorf("a refused start changed the data: %+v → %+v", before, after)
	}
	// The entrypoint backfills the Redis password before MongoDB refuses,
	// as the real one does; a 1.x Redis has none, so going back means the
	// docker.env of before too (a rollback is the old image plus the old data).
	if readEnv(t, envPath)["APPSMITH_REDIS_PASSWORD"] == "" {
		t.Errorf("v2.0.1 did not backfill APPSMITH_REDIS_PASSWORD")
	}
	writeFile(t, envPath, envBefore)

	runToHealthy(t, cli, ref("v1.9.2"), stacks)
	if got := readMongo(t, stacks); got != (mongoFile{"5.0.14", "4.4", "v1.9.2"}) {
		t.Errorf("after v1.9.2: %+v (the checkpoint leaves FCV alone)", got)
	}
	runToHealthy(t, cli, ref("v1.9.38"), stacks)
	if got := readMongo(t, stacks); got != (mongoFile{"5.0.14", "5.0", "v1.9.38"}) {
		t.Errorf("after v1.9.38: %+v", got)
	}
	env := readEnv(t, filepath.Join(stacks, "configuration", "docker.env"))
	for _, k := range []string{"APPSMITH_ENCRYPTION_PASSWORD", "APPSMITH_ENCRYPTION_SALT", "APPSMITH_DB_URL"} {
		if env[k] != secrets[k] {
			t.Errorf("%s changed across upgrades", k)
		}
	}
}

type mongoFile struct {
	Version         string `json:"version"`
	FCV             string `json:"fcv"`
	AppsmithVersion string `json:"appsmithVersion"`
}

func readMongo(t *testing.T, stacks string) mongoFile {
	t.Helper()
	var m mongoFile
	readJSON(t, filepath.Join(stacks, "data", "mongodb", "standin-mongo.json"), &m)
	return m
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// readEnv reads the generated docker.env, which uses only KEY=value lines
// and one double-quoted value.
func readEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			m[k] = strings.Trim(v, `"`)
		}
	}
	return m
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// selfSigned returns a PEM certificate for host and its PEM key.
func selfSigned(t *testing.T, host string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: host},
		DNSNames:              []string{host},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}
