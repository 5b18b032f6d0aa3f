package doctor

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/dockerfake"
	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
)

var _ Docker = (*dockerfake.Engine)(nil)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const goodEnv = `APPSMITH_DB_URL=postgresql://appsmith:pgSecret123@localhost:5432/appsmith
APPSMITH_REDIS_URL=redis://127.0.0.1:6379
APPSMITH_ENCRYPTION_PASSWORD=encPassw0rdXYZ
APPSMITH_ENCRYPTION_SALT=encSaltABCDEFG
APPSMITH_CUSTOM_DOMAIN=
`

// healthy is an install with nothing to fix: engine 20.10, a running
// container with a restart policy, docker.env 0600, a backup of yesterday.
func healthy(t *testing.T) *Env {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "appsmith")
	l := instance.Layout{Dir: dir}.Stacks()
	if err := os.MkdirAll(l.ConfigurationDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, l.DockerEnv(), goodEnv, 0o600)
	fe := dockerfake.New(t)
	fe.InfoFunc = func(context.Context) (docker.EngineInfo, error) {
		return docker.EngineInfo{Host: "unix:///var/run/docker.sock", ServerVersion: "20.10.24", APIVersion: "1.41", Arch: "x86_64",
			MemTotal: 8 << 30, DockerRootDir: "/var/lib/docker", Driver: "overlay2"}, nil
	}
	fe.ExecFunc = fcvAnswer(t, "7.0")
	return &Env{
		Dir: dir, Installed: true, Engine: fe, Now: now,
		State: &state.State{Version: "v1.50", HTTPPort: 8080, HTTPSPort: 8443, BindAddress: "127.0.0.1",
			Backups: &state.Backups{Last: &state.BackupRecord{At: now.Add(-24 * time.Hour), Location: dir + "/backups/a.tar.zst.age"},
				LastDrill: &state.DrillRecord{At: now.Add(-48 * time.Hour), Location: dir + "/backups/a.tar.zst.age"}}},
		Container: &docker.Container{ID: "0123456789abcdef", Name: "appsmith", Image: "appsmith/appsmith-ce:v1.50", Running: true, State: "running",
			StartedAt: now.Add(-time.Hour), Restart: "unless-stopped",
			Ports: []docker.PortBinding{{HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80}}},
		InfoVersion: func(context.Context) (string, error) { return "v1.50", nil },
		Host: Host{
			DiskFree:   func(string) (uint64, error) { return 100 << 30, nil },
			HasAVX:     func() (bool, error) { return true, nil },
			PortFree:   func(string, int) error { return nil },
			LookupHost: func(context.Context, string) ([]string, error) { return []string{"203.0.113.5"}, nil },
			HostIPs:    func(context.Context) ([]string, error) { return []string{"203.0.113.5"}, nil },
		},
	}
}

func writeFile(t *testing.T, p, data string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

func findings(t *testing.T, e *Env, id string) []Finding {
	t.Helper()
	var out []Finding
	for _, f := range Run(context.Background(), e).Findings {
		if f.ID == id {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no finding of check %s", id)
	}
	return out
}

func TestHealthyInstallHasNothingToFix(t *testing.T) {
	e := healthy(t)
	r := Run(context.Background(), e)
	for _, f := range r.Findings {
		if f.Status == Warn || f.Status == Fail {
			t.Errorf("%s: %s %s (fix: %s)", f.ID, f.Status, f.Message, f.Fix)
		}
	}
	if r.ExitCode() != engine.ExitOK {
		t.Errorf("exit code %d, want 0", r.ExitCode())
	}
	if len(r.Findings) < len(Checks) {
		t.Errorf("%d findings for %d checks: every check says something", len(r.Findings), len(Checks))
	}
}

func TestNotInstalledRunsTheMachineChecksOnly(t *testing.T) {
	e := healthy(t)
	e.Installed, e.State, e.Container = false, nil, nil
	r := Run(context.Background(), e)
	for _, f := range r.Findings {
		c := checkByID(t, f.ID)
		if c.Install && (f.Status != Info || !strings.Contains(f.Message, "not installed")) {
			t.Errorf("%s: %s %q, want info \"not installed\"", f.ID, f.Status, f.Message)
		}
		if !c.Install && f.Status != OK {
			t.Errorf("%s: %s %q, want the machine's check to run", f.ID, f.Status, f.Message)
		}
	}
	if r.ExitCode() != engine.ExitOK {
		t.Errorf("exit code %d", r.ExitCode())
	}
}

func checkByID(t *testing.T, id string) Check {
	for _, c := range Checks {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no check %s", id)
	return Check{}
}

func TestChecksFindTheBadCondition(t *testing.T) {
	mongoEnv := strings.Replace(goodEnv, "postgresql://appsmith:pgSecret123@localhost:5432/appsmith", "mongodb://appsmith:mgSecret@localhost:27017/appsmith", 1)
	tests := []struct {
		name   string
		check  string
		break_ func(t *testing.T, e *Env)
		want   Status
		fix    string // a substring of the fix
	}{
		{"engine unreachable", "engine", func(t *testing.T, e *Env) { e.Engine, e.DockerErr = nil, errors.New("dial unix: no such file") }, Fail, "systemctl start docker"},
		{"engine API too old", "engine", func(t *testing.T, e *Env) { setInfo(e, func(i *docker.EngineInfo) { i.APIVersion = "1.40" }) }, Fail, "20.10"},
		{"vfs storage driver", "engine-storage", func(t *testing.T, e *Env) { setInfo(e, func(i *docker.EngineInfo) { i.Driver = "vfs" }) }, Warn, "overlay2"},
		{"docker root nearly full", "engine-storage", func(t *testing.T, e *Env) {
			e.Host.DiskFree = func(p string) (uint64, error) {
				if p == "/var/lib/docker" {
					return 100 << 20, nil
				}
				return 100 << 30, nil
			}
		}, Fail, "docker system prune"},
		{"little memory", "memory", func(t *testing.T, e *Env) { setInfo(e, func(i *docker.EngineInfo) { i.MemTotal = 1 << 30 }) }, Warn, "swap"},
		{"no AVX under embedded MongoDB 5+", "avx", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), mongoEnv, 0o600)
			e.Host.HasAVX = func() (bool, error) { return false, nil }
		}, Fail, "v1.8.15"},
		{"no AVX under PostgreSQL is fine", "avx", func(t *testing.T, e *Env) { e.Host.HasAVX = func() (bool, error) { return false, nil } }, OK, ""},
		{"no AVX under MongoDB 4.4 is fine", "avx", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), mongoEnv, 0o600)
			e.State.Version, e.InfoVersion = "v1.8.15", func(context.Context) (string, error) { return "v1.8.15", nil }
			e.Host.HasAVX = func() (bool, error) { return false, nil }
		}, OK, ""},
		{"container gone", "container", func(t *testing.T, e *Env) { e.Container = nil }, Fail, "appsmith-install --yes --dir"},
		{"container stopped", "container", func(t *testing.T, e *Env) { e.Container.Running, e.Container.State = false, "exited" }, Warn, "appsmith start --dir"},
		{"port of a stopped instance taken", "ports", func(t *testing.T, e *Env) {
			e.Container = nil
			e.Host.PortFree = func(ip string, p int) error {
				if p == 8080 {
					return errors.New("address already in use")
				}
				return nil
			}
		}, Fail, "appsmith start"},
		{"port of a stopped container taken (ports from appsmith.yaml)", "ports", func(t *testing.T, e *Env) {
			e.Container.Running, e.Container.State, e.Container.Ports = false, "exited", nil
			e.Host.PortFree = func(ip string, p int) error {
				if ip == "127.0.0.1" && p == 8443 {
					return errors.New("address already in use")
				}
				return nil
			}
		}, Fail, "sudo ss -ltnp"},
		{"disk nearly full", "disk", func(t *testing.T, e *Env) {
			writeFile(t, filepath.Join(e.stacks().Root, "data", "big"), strings.Repeat("x", 3<<20), 0o600)
			e.Host.DiskFree = func(string) (uint64, error) { return 2 << 20, nil }
		}, Fail, "free space"},
		{"stacks larger than free space", "disk", func(t *testing.T, e *Env) {
			sparse(t, filepath.Join(e.stacks().Root, "data", "big"), 3<<30)
			e.Host.DiskFree = func(string) (uint64, error) { return 2 << 30, nil }
		}, Warn, "backup --to s3://BUCKET/PREFIX --dir"},
		{"room for a backup or a snapshot, not both", "disk", func(t *testing.T, e *Env) {
			sparse(t, filepath.Join(e.stacks().Root, "data", "big"), 3<<30)
			e.Host.DiskFree = func(string) (uint64, error) { return 4 << 30, nil }
		}, Warn, "free space"},
		{"domain resolves elsewhere", "dns", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), strings.Replace(goodEnv, "APPSMITH_CUSTOM_DOMAIN=", "APPSMITH_CUSTOM_DOMAIN=apps.example.com", 1), 0o600)
			e.Host.LookupHost = func(context.Context, string) ([]string, error) { return []string{"198.51.100.7"}, nil }
		}, Warn, "public address"},
		{"domain does not resolve", "dns", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), strings.Replace(goodEnv, "APPSMITH_CUSTOM_DOMAIN=", "APPSMITH_CUSTOM_DOMAIN=apps.example.com", 1), 0o600)
			e.Host.LookupHost = func(context.Context, string) ([]string, error) { return nil, errors.New("no such host") }
		}, Warn, "A (or AAAA) record"},
		{"domain resolves here", "dns", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), strings.Replace(goodEnv, "APPSMITH_CUSTOM_DOMAIN=", "APPSMITH_CUSTOM_DOMAIN=apps.example.com", 1), 0o600)
		}, OK, ""},
		{"custom certificate expires soon", "certificate", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().FullchainPEM(), certPEM(t, now.Add(5*24*time.Hour)), 0o644)
		}, Warn, "tls use-cert"},
		{"custom certificate expired", "certificate", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().FullchainPEM(), certPEM(t, now.Add(-time.Hour)), 0o644)
		}, Fail, "tls use-cert"},
		{"custom certificate fine", "certificate", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().FullchainPEM(), certPEM(t, now.Add(80*24*time.Hour)), 0o644)
		}, OK, ""},
		{"Let's Encrypt certificate expired", "certificate", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), strings.Replace(goodEnv, "APPSMITH_CUSTOM_DOMAIN=", "APPSMITH_CUSTOM_DOMAIN=apps.example.com", 1), 0o600)
			writeFile(t, filepath.Join(e.stacks().CaddyDir(), "certificates", "acme-v02.api.letsencrypt.org-directory", "apps.example.com", "apps.example.com.crt"),
				certPEM(t, now.Add(-time.Hour)), 0o600)
		}, Fail, "logs editor"},
		{".pem in ca-certs", "ca-certs", func(t *testing.T, e *Env) {
			writeFile(t, filepath.Join(e.stacks().CACertsDir(), "corp.pem"), certPEM(t, now.Add(300*24*time.Hour)), 0o644)
		}, Warn, "tls add-ca"},
		{"unparsable .crt in ca-certs", "ca-certs", func(t *testing.T, e *Env) {
			writeFile(t, filepath.Join(e.stacks().CACertsDir(), "corp.crt"), "not a certificate\n", 0o644)
		}, Warn, "tls add-ca"},
		{"good .crt in ca-certs", "ca-certs", func(t *testing.T, e *Env) {
			writeFile(t, filepath.Join(e.stacks().CACertsDir(), "corp.crt"), certPEM(t, now.Add(300*24*time.Hour)), 0o644)
		}, OK, ""},
		{"encryption salt missing", "docker-env", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), strings.Replace(goodEnv, "APPSMITH_ENCRYPTION_SALT=encSaltABCDEFG\n", "", 1), 0o600)
		}, Fail, "backup list"},
		{"docker.env missing", "docker-env", func(t *testing.T, e *Env) { os.Remove(e.stacks().DockerEnv()) }, Fail, "backup list"},
		{"database URL missing", "docker-env", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), strings.Replace(goodEnv, "APPSMITH_DB_URL=postgresql://appsmith:pgSecret123@localhost:5432/appsmith\n", "", 1), 0o600)
		}, Fail, "APPSMITH_DB_URL"},
		{"legacy APPSMITH_MONGODB_URI", "docker-env", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), strings.Replace(mongoEnv, "APPSMITH_DB_URL=", "APPSMITH_MONGODB_URI=", 1), 0o600)
		}, Warn, "add APPSMITH_DB_URL"},
		{"legacy and current URL differ", "docker-env", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), mongoEnv+"APPSMITH_MONGODB_URI=mongodb://other@localhost/x\n", 0o600)
		}, Warn, "give both the URL"},
		{"legacy and current URL the same, as the install writes them", "docker-env", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), mongoEnv+"APPSMITH_MONGODB_URI=mongodb://appsmith:mgSecret@localhost:27017/appsmith\n", 0o600)
		}, OK, ""},
		{"docker.env readable by others", "docker-env-mode", func(t *testing.T, e *Env) { os.Chmod(e.stacks().DockerEnv(), 0o644) }, Warn, "chmod 600"},
		{"recorded version drifted", "version", func(t *testing.T, e *Env) {
			e.InfoVersion = func(context.Context) (string, error) { return "v1.51", nil }
			e.Container.Image = "appsmith/appsmith-ce:latest"
		}, Warn, "appsmith status"},
		{"image tag drifted", "version", func(t *testing.T, e *Env) {
			e.State.Version = "v1.51"
			e.InfoVersion = func(context.Context) (string, error) { return "v1.51", nil }
		}, Warn, "appsmith upgrade v1.51"},
		{"FCV behind the image's MongoDB", "fcv", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), mongoEnv, 0o600)
			e.State.Version, e.Container.Image = "v1.96", "appsmith/appsmith-ce:v1.96"
			e.InfoVersion = func(context.Context) (string, error) { return "v1.96", nil }
			e.Engine.(*dockerfake.Engine).ExecFunc = fcvAnswer(t, "5.0")
		}, Warn, "appsmith upgrade"},
		{"FCV at the image's MongoDB", "fcv", func(t *testing.T, e *Env) {
			writeFile(t, e.stacks().DockerEnv(), mongoEnv, 0o600)
			e.State.Version, e.Container.Image = "v1.96", "appsmith/appsmith-ce:v1.96"
			e.InfoVersion = func(context.Context) (string, error) { return "v1.96", nil }
			e.Engine.(*dockerfake.Engine).ExecFunc = fcvAnswer(t, "6.0")
		}, OK, ""},
		{"FCV under PostgreSQL is not checked", "fcv", func(t *testing.T, e *Env) {}, Info, ""},
		{"no backup", "backup", func(t *testing.T, e *Env) { e.State.Backups = nil }, Warn, "appsmith backup"},
		{"old backup", "backup", func(t *testing.T, e *Env) { e.State.Backups.Last.At = now.Add(-10 * 24 * time.Hour) }, Warn, "backup schedule --daily"},
		{"never drilled", "drill", func(t *testing.T, e *Env) { e.State.Backups.LastDrill = nil }, Info, "--drill"},
		{"old drill", "drill", func(t *testing.T, e *Env) { e.State.Backups.LastDrill.At = now.Add(-40 * 24 * time.Hour) }, Warn, "backup verify"},
		{"unfinished operation", "journal", func(t *testing.T, e *Env) {
			j, err := engine.Create(instance.Layout{Dir: e.Dir}.Journal(), "upgrade v1.50 → v1.51", engine.Plan{Name: "upgrade"}, map[string]string{"recover": "upgrade --resume"})
			if err != nil {
				t.Fatal(err)
			}
			j.Close()
		}, Fail, "appsmith upgrade --resume --dir"},
		{"no restart policy", "restart-policy", func(t *testing.T, e *Env) { e.Container.Restart = "no" }, Warn, "docker update --restart unless-stopped appsmith"},
		{"empty restart policy", "restart-policy", func(t *testing.T, e *Env) { e.Container.Restart = "" }, Warn, "unless-stopped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := healthy(t)
			tt.break_(t, e)
			fs := findings(t, e, tt.check)
			var got *Finding
			for i := range fs {
				if got == nil || fs[i].Status.rank() > got.Status.rank() {
					got = &fs[i]
				}
			}
			if got.Status != tt.want {
				t.Fatalf("%s: %s %q (fix %q), want %s", tt.check, got.Status, got.Message, got.Fix, tt.want)
			}
			if !strings.Contains(got.Fix, tt.fix) {
				t.Errorf("fix %q lacks %q", got.Fix, tt.fix)
			}
			if tt.want != OK && got.Message == "" {
				t.Error("no message")
			}
		})
	}
}

// sparse makes a file of size bytes that takes no disk.
func sparse(t *testing.T, p string, size int64) {
	t.Helper()
	writeFile(t, p, "", 0o600)
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
}

func setInfo(e *Env, f func(*docker.EngineInfo)) {
	fe := e.Engine.(*dockerfake.Engine)
	prev := fe.InfoFunc
	fe.InfoFunc = func(ctx context.Context) (docker.EngineInfo, error) {
		i, err := prev(ctx)
		f(&i)
		return i, err
	}
}

func fcvAnswer(t *testing.T, fcv string) func(context.Context, string, []string, []string, io.Reader) (docker.ExecResult, error) {
	return func(_ context.Context, id string, cmd, _ []string, _ io.Reader) (docker.ExecResult, error) {
		if len(cmd) < 2 || cmd[0] != "appsmithctl" || cmd[1] != "mongo-eval" {
			t.Errorf("exec %q, want appsmithctl mongo-eval", cmd)
		}
		return docker.ExecResult{Stdout: []byte("Connecting...\n" + fcv + "\n")}, nil
	}
}

func certPEM(t *testing.T, notAfter time.Time) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "apps.example.com"}, DNSNames: []string{"apps.example.com"},
		NotBefore: notAfter.Add(-90 * 24 * time.Hour), NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestExitCodeIsTheWorstFinding(t *testing.T) {
	for _, tt := range []struct {
		worst Status
		code  int
	}{{OK, 0}, {Info, 0}, {Warn, engine.ExitWarnings}, {Fail, engine.ExitFailure}} {
		if got := (Report{Worst: tt.worst}).ExitCode(); got != tt.code {
			t.Errorf("worst %s: exit %d, want %d", tt.worst, got, tt.code)
		}
	}
	e := healthy(t)
	e.Container.Restart = "no"
	if r := Run(context.Background(), e); r.Worst != Warn || r.ExitCode() != engine.ExitWarnings {
		t.Errorf("a warning only: worst %s exit %d", r.Worst, r.ExitCode())
	}
}

func TestChecksAreDocumented(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range Checks {
		if c.ID == "" || c.Title == "" || c.Finds == "" || c.Fix == "" || c.run == nil {
			t.Errorf("check %q lacks an ID, a title, what it finds, a fix or its function", c.ID)
		}
		if seen[c.ID] {
			t.Errorf("check %s twice", c.ID)
		}
		seen[c.ID] = true
	}
}
