package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

type doctorReport struct {
	Findings []struct {
		ID, Status, Title, Message, Path, Fix string
	} `json:"findings"`
	Worst string `json:"worst"`
}

func (e *env) doctor() (doctorReport, result) {
	e.t.Helper()
	r := e.run(nil, "doctor", "--json")
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		e.t.Fatalf("doctor --json: exit %d: %v\nstdout:\n%s\nstderr:\n%s", r.code, err, r.out, r.errOut)
	}
	return rep, r
}

// worst is the worst status of check id's findings and its fix.
func (rep doctorReport) worst(id string) (status, fix string) {
	rank := map[string]int{"ok": 0, "info": 1, "warn": 2, "fail": 3}
	status = "missing"
	for _, f := range rep.Findings {
		if f.ID == id && (status == "missing" || rank[f.Status] > rank[status]) {
			status, fix = f.Status, f.Fix
		}
	}
	return status, fix
}

// TestDoctorFindsWhatBreaksAnInstance: a fresh install has nothing worse
// than the expected warnings; docker.env made world-readable, a .pem among
// the CA roots and the restart policy removed through the Engine API are
// each found with their fix (exit 6, warnings only), and a lost encryption
// salt fails it (exit 1).
func TestDoctorFindsWhatBreaksAnInstance(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")

	// Healthy: no backup yet is the one warning to expect.
	rep, r := e.doctor()
	for _, f := range rep.Findings {
		if f.Status == "fail" || (f.Status == "warn" && f.ID != "backup") {
			t.Errorf("fresh install: %s %s: %s (fix %s)", f.ID, f.Status, f.Message, f.Fix)
		}
	}
	if r.code != 6 || rep.Worst != "warn" {
		t.Errorf("fresh install: exit %d worst %s, want 6 (the backup warning)", r.code, rep.Worst)
	}
	for _, id := range []string{"engine", "container", "ports", "docker-env", "docker-env-mode", "version", "journal", "restart-policy"} {
		if st, _ := rep.worst(id); st != "ok" {
			t.Errorf("fresh install: %s is %s, want ok", id, st)
		}
	}
	if st, _ := rep.worst("fcv"); st == "fail" || st == "missing" {
		t.Errorf("fresh install: fcv %s", st)
	}

	// Broken three ways, none fatal yet.
	stacksDir := filepath.Join(e.dir, "stacks")
	envPath := filepath.Join(stacksDir, "configuration", "docker.env")
	if err := os.Chmod(envPath, 0o644); err != nil {
		t.Fatal(err)
	}
	pem := filepath.Join(stacksDir, "ca-certs", "corp.pem")
	if err := os.WriteFile(pem, []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cli.ContainerUpdate(context.Background(), e.name, client.ContainerUpdateOptions{
		RestartPolicy: &container.RestartPolicy{Name: container.RestartPolicyDisabled}}); err != nil {
		t.Fatal(err)
	}
	rep, r = e.doctor()
	if r.code != 6 || rep.Worst != "warn" {
		t.Errorf("broken: exit %d worst %s, want 6 (warnings only)", r.code, rep.Worst)
	}
	for id, fix := range map[string]string{
		"docker-env-mode": "chmod 600 " + envPath,
		"ca-certs":        "appsmith tls add-ca " + pem + " --dir " + e.dir,
		"restart-policy":  "docker update --restart unless-stopped " + e.name,
	} {
		if st, got := rep.worst(id); st != "warn" || !strings.Contains(got, fix) {
			t.Errorf("broken: %s is %s with fix %q, want warn with %q", id, st, got, fix)
		}
	}
	text := e.run(nil, "doctor")
	contains(t, "doctor", text.out, "WARN  docker-env-mode", "fix: `chmod 600 "+envPath+"`", "WARN  restart-policy")
	if text.code != 6 {
		t.Errorf("doctor: exit %d, want 6", text.code)
	}

	// A lost encryption salt is a failure.
	data, err := os.ReadFile(envPath)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, l := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(l, "APPSMITH_ENCRYPTION_SALT=") {
			kept = append(kept, l)
		}
	}
	if err := os.WriteFile(envPath, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, r = e.doctor()
	if st, fix := rep.worst("docker-env"); st != "fail" || !strings.Contains(fix, "appsmith backup list --dir "+e.dir) {
		t.Errorf("salt lost: docker-env %s fix %q", st, fix)
	}
	if r.code != 1 || rep.Worst != "fail" {
		t.Errorf("salt lost: exit %d worst %s, want 1", r.code, rep.Worst)
	}
}

// TestSupportBundleHoldsNoSecret: the bundle of a real install, with secrets
// in docker.env, in a program's log, in the environment and in a passphrase
// file, holds none of them in any encoding, nor the private key.
func TestSupportBundleHoldsNoSecret(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")

	const (
		dbPass     = "ext/DbPass+w0rd"
		mailPass   = "mailPassw0rd-e2e"
		awsSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		passphrase = "tls key passphrase e2e"
		keyBody    = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgE2E"
	)
	stacksDir := filepath.Join(e.dir, "stacks")
	env, _ := readEnv(t, e.dir)
	secrets := []string{dbPass, mailPass, awsSecret, passphrase, keyBody}
	for _, k := range append(secretKeys, "APPSMITH_DB_URL") {
		if v, _ := env.Get(k); v != "" {
			secrets = append(secrets, v)
		}
	}
	// The container reads docker.env only at start: the instance keeps
	// running on what it had.
	extURL := "postgresql://report:" + url.PathEscape(dbPass) + "@db.example.com:5432/reports"
	f, err := os.OpenFile(filepath.Join(stacksDir, "configuration", "docker.env"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("APPSMITH_MAIL_PASSWORD=" + mailPass + "\nAPPSMITH_REPORTS_DB=" + extURL + "\n")
	f.Close()
	os.MkdirAll(filepath.Join(stacksDir, "ssl"), 0o700)
	os.WriteFile(filepath.Join(stacksDir, "ssl", "privkey.pem"), []byte("-----BEGIN PRIVATE KEY-----\n"+keyBody+"\n-----END PRIVATE KEY-----\n"), 0o600)
	logDir := filepath.Join(stacksDir, "logs", "backend")
	os.MkdirAll(logDir, 0o755)
	leak := "connecting to " + extURL + " password=" + dbPass + " mail " + url.QueryEscape(mailPass) + " aws " + awsSecret + " pass " + passphrase + "\n"
	os.WriteFile(filepath.Join(logDir, "backend-leaky.log"), []byte("boot\n"+leak+"done\n"), 0o644)
	// The TLS key's passphrase file, as the install takes it from the
	// environment (--key-passphrase-file).
	passFile := filepath.Join(t.TempDir(), "passphrase")
	os.WriteFile(passFile, []byte(passphrase+"\n"), 0o600)

	out := filepath.Join(t.TempDir(), "bundle.tar.gz")
	r := e.run([]string{"AWS_SECRET_ACCESS_KEY=" + awsSecret, "APPSMITH_INSTALL_KEY_PASSPHRASE_FILE=" + passFile}, "support-bundle", "-o", out)
	e.mustSucceed(r, "support-bundle")
	if strings.TrimSpace(r.out) != out {
		t.Errorf("stdout %q, want the bundle's path", r.out)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("bundle: %v mode %v, want 0600", err, st.Mode().Perm())
	}
	files := testenv.ReadTarGz(t, out)
	testenv.NoSecretIn(t, files, secrets...)
	testenv.NoSecretIn(t, map[string][]byte{"command output": e.outputs.Bytes()}, secrets...)
	for _, name := range []string{"doctor.json", "engine-info.json", "container-inspect.json", "docker.env", "appsmith.yaml", "logs/backend/backend-leaky.log"} {
		if _, ok := files["appsmith-support/"+name]; !ok {
			t.Errorf("bundle lacks %s", name)
		}
	}
	var rep doctorReport
	if err := json.Unmarshal(files["appsmith-support/doctor.json"], &rep); err != nil || len(rep.Findings) == 0 {
		t.Errorf("doctor.json: %v %+v", err, rep)
	}
	if !strings.Contains(string(files["appsmith-support/logs/backend/backend-leaky.log"]), "boot") {
		t.Errorf("the log lost its lines")
	}
}
