package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// handshake connects to the instance's HTTPS port trusting only ca, as a
// browser would, and returns the leaf it was served.
func (e *env) handshake(ca *testCA, domain string) (*x509.Certificate, error) {
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	conn, err := tls.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(e.https)), &tls.Config{RootCAs: pool, ServerName: domain})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

type tlsStatus struct {
	Mode        string `json:"mode"`
	Domain      string `json:"domain"`
	Certificate *struct {
		Source string   `json:"source"`
		SANs   []string `json:"sans"`
	} `json:"certificate"`
	CARoots []struct {
		File string `json:"file"`
	} `json:"ca_roots"`
}

func (e *env) tlsStatus() tlsStatus {
	e.t.Helper()
	r := e.run(nil, "tls", "status", "--json")
	e.mustSucceed(r, "tls status")
	var st tlsStatus
	if err := json.Unmarshal([]byte(r.out), &st); err != nil {
		e.t.Fatalf("tls status --json: %v\n%s", err, r.out)
	}
	return st
}

// TestCustomCertificateLifecycle: install with a custom certificate and a CA
// root, check what is served, rotate the certificate, then a certificate the
// container refuses is rolled back automatically.
func TestCustomCertificateLifecycle(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	ca := newCA(t, "Test Root CA")
	certFile, keyFile, _ := ca.leaf(t, "appsmith.test")
	caFile := filepath.Join(t.TempDir(), "corp-root.pem")
	os.WriteFile(caFile, newCA(t, "Corp Root 2026").pem, 0o644)

	r := e.run(nil, e.installArgs("v1.9.2", "--tls", "custom", "--domain", "appsmith.test", "--cert", certFile, "--key", keyFile, "--ca-cert", caFile)...)
	e.mustSucceed(r, "install with a custom certificate")
	leaf, err := e.handshake(ca, "appsmith.test")
	if err != nil {
		t.Fatalf("HTTPS with the test CA: %v", err)
	}
	if len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != "appsmith.test" {
		t.Fatalf("served SANs %v", leaf.DNSNames)
	}
	if st, err := os.Stat(filepath.Join(e.dir, "stacks/ssl/privkey.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("privkey.pem: %v %v", st.Mode(), err)
	}
	st := e.tlsStatus()
	if st.Mode != "custom" || st.Domain != "appsmith.test" || st.Certificate == nil || st.Certificate.Source != "served" || len(st.CARoots) != 1 ||
		!strings.HasSuffix(st.CARoots[0].File, ".crt") {
		t.Fatalf("tls status %+v", st)
	}

	// Rotation serves the new certificate.
	cert2, key2, want := ca.leaf(t, "appsmith.test")
	e.mustSucceed(e.run(nil, "tls", "use-cert", "--cert", cert2, "--key", key2, "--progress", "plain"), "tls use-cert")
	if got, err := e.handshake(ca, "appsmith.test"); err != nil || !got.Equal(want) {
		t.Fatalf("after rotation: %v (same as new: %v)", err, got != nil && got.Equal(want))
	}

	// Bad inputs are refused before anything is written (exit 2, the flag
	// named, the stacks' config, ssl and ca-certs byte for byte the same).
	stacksDirs := []string{filepath.Join(e.dir, "stacks/configuration"), filepath.Join(e.dir, "stacks/ssl"), filepath.Join(e.dir, "stacks/ca-certs")}
	h0 := hashTree(t, stacksDirs...)
	_, otherKey, _ := ca.leaf(t, "appsmith.test")
	expired, expiredKey, _ := ca.leaf(t, "appsmith.test", func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = c.NotBefore.AddDate(-2, 0, 0), c.NotBefore.AddDate(-1, 0, 0)
	})
	wrongSAN, wrongSANKey, _ := ca.leaf(t, "other.test")
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--cert", cert2, "--key", otherKey}, "--key"},
		{[]string{"--cert", expired, "--key", expiredKey}, "expired"},
		{[]string{"--cert", wrongSAN, "--key", wrongSANKey, "--domain", "appsmith.test"}, "appsmith.test"},
	} {
		r := e.run(nil, append([]string{"tls", "use-cert"}, bad.args...)...)
		if r.code != 2 || !strings.Contains(r.errOut, bad.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s", bad.args, r.code, bad.want, r.errOut)
		}
	}
	if hashTree(t, stacksDirs...) != h0 {
		t.Fatal("a refused TLS change modified the stacks")
	}
	// A file that is not a certificate is refused the same way.
	before, _ := os.ReadFile(filepath.Join(e.dir, "stacks/ssl/fullchain.pem"))
	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"), 0o644)
	r = e.run(nil, "tls", "use-cert", "--cert", bad, "--key", key2)
	if r.code != 2 || !strings.Contains(r.errOut, "--cert") {
		t.Fatalf("garbage certificate: exit %d, want 2 naming --cert\n%s", r.code, r.errOut)
	}
	if after, _ := os.ReadFile(filepath.Join(e.dir, "stacks/ssl/fullchain.pem")); string(after) != string(before) {
		t.Fatal("a refused certificate changed ssl/fullchain.pem")
	}
}

// TestRefusedCertificateIsRolledBack: a certificate that passes our checks
// but that the container refuses at start (as Caddy refuses a key type it
// cannot use) must not leave Appsmith down: the previous files come back.
func TestRefusedCertificateIsRolledBack(t *testing.T) {
	e := newEnv(t)
	ref := e.reg.Push(t, testenv.Image{Repo: "faults/reject-cert", Tag: "v1.9.2", Fault: "reject-cert"})
	e.mustSucceed(e.run(nil, append(e.installArgs("v1.9.2"), "--image", ref)...), "install (TLS none)")
	envBefore, _ := os.ReadFile(filepath.Join(e.dir, "stacks/configuration/docker.env"))

	ca := newCA(t, "Test Root CA")
	certFile, keyFile, _ := ca.leaf(t, "appsmith.test")
	r := e.run(nil, "tls", "use-cert", "--cert", certFile, "--key", keyFile, "--timeout", "30s", "--progress", "plain")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.errOut)
	}
	contains(t, "stderr", r.errOut, "rolled back", "undo: Write the new TLS files")
	envAfter, _ := os.ReadFile(filepath.Join(e.dir, "stacks/configuration/docker.env"))
	if string(envAfter) != string(envBefore) {
		t.Error("docker.env was not restored")
	}
	if _, err := os.Stat(filepath.Join(e.dir, "stacks/ssl/fullchain.pem")); !os.IsNotExist(err) {
		t.Error("the refused certificate was left in ssl/")
	}
	if s, code := e.status(); code != 0 || !s.Healthy {
		t.Fatalf("after the rollback: exit %d %+v", code, s)
	}
	if st := e.tlsStatus(); st.Mode != "none" || st.Domain != "" {
		t.Fatalf("tls status after the rollback %+v", st)
	}
}

// TestTLSProxyAndCARoots: day-two changes without a certificate.
func TestTLSProxyAndCARoots(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	bundle := filepath.Join(t.TempDir(), "bundle.pem")
	var b []byte
	for _, n := range []string{"Root A", "Root B", "Root C"} {
		b = append(b, newCA(t, n).pem...)
	}
	os.WriteFile(bundle, b, 0o644)
	e.mustSucceed(e.run(nil, "tls", "add-ca", bundle, "--progress", "plain"), "tls add-ca")
	st := e.tlsStatus()
	if len(st.CARoots) != 3 {
		t.Fatalf("CA roots after adding a bundle of three: %+v", st.CARoots)
	}
	e.mustSucceed(e.run(nil, "tls", "remove-ca", st.CARoots[0].File, "--progress", "plain"), "tls remove-ca")
	if st = e.tlsStatus(); len(st.CARoots) != 2 {
		t.Fatalf("CA roots after removing one: %+v", st.CARoots)
	}
	e.mustSucceed(e.run(nil, "tls", "proxy", "--progress", "plain"), "tls proxy")
	if st = e.tlsStatus(); st.Mode != "proxy" || st.Domain != "" {
		t.Fatalf("tls status after proxy %+v", st)
	}
	if r := e.run(nil, "tls", "remove-ca", "no-such-root"); r.code != 2 {
		t.Fatalf("remove-ca of an unknown root: exit %d", r.code)
	}
}

// TestKilledTLSChangeIsRolledBackByTheNextCommand: kill -9 in the middle of
// a TLS change (files written, container restarting) leaves a journal; the
// next TLS command restores the previous files before its own change, and
// other changes are refused until then.
func TestKilledTLSChangeIsRolledBackByTheNextCommand(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2", BootDelay: 4 * time.Second})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	envBefore, _ := os.ReadFile(filepath.Join(e.dir, "stacks/configuration/docker.env"))

	r := e.runSignalled(syscall.SIGKILL, "Wait until Appsmith is ready", "tls", "use-letsencrypt", "--domain", "appsmith.test", "--progress", "plain")
	if r.code != 128+int(syscall.SIGKILL) {
		t.Fatalf("exit %d, want killed\n%s", r.code, r.errOut)
	}
	if st := e.tlsStatus(); st.Domain != "appsmith.test" {
		t.Fatalf("the killed change had not written its domain yet: %+v", st)
	}
	r = e.run(nil, "tls", "status")
	contains(t, "tls status", r.out, "interrupted", "appsmith tls recover")
	r = e.run(nil, "status")
	contains(t, "status", r.out, "unfinished: tls use-letsencrypt", "appsmith tls recover --dir "+e.dir)
	// Another change on top of a half-made one is refused, naming the fix.
	r = e.run(nil, "restart")
	if r.code != 3 {
		t.Fatalf("restart during an unfinished TLS change: exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "restart", r.errOut, "tls use-letsencrypt", "tls recover")

	ca := filepath.Join(t.TempDir(), "root.pem")
	os.WriteFile(ca, newCA(t, "Root After Crash").pem, 0o644)
	r = e.run(nil, "tls", "add-ca", ca, "--progress", "plain")
	e.mustSucceed(r, "the next tls command")
	contains(t, "stderr", r.errOut, "(rollback)", "undo: Restart the container", "==> tls add-ca finished")
	envAfter, _ := os.ReadFile(filepath.Join(e.dir, "stacks/configuration/docker.env"))
	if string(envAfter) != string(envBefore) {
		t.Fatal("docker.env was not rolled back to before the killed change")
	}
	if st := e.tlsStatus(); st.Mode != "none" || len(st.CARoots) != 1 {
		t.Fatalf("after recovery and add-ca: %+v", st)
	}
	e.mustSucceed(e.run(nil, "restart", "--progress", "plain"), "restart once the change is recovered")
}

// TestTLSChangeKilledAtEveryJournalStep kills `appsmith tls use-cert` (kill
// -9, through the engine's failpoint: no delay, no cleanup) right after each
// record of its journal in turn, then runs `appsmith tls recover`. After
// each, Appsmith must be healthy and serve either the old certificate with
// the old files byte for byte, or the new one — never a broken instance.
// One kill point also kills the recovery itself once.
func TestTLSChangeKilledAtEveryJournalStep(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	ca := newCA(t, "Test Root CA")
	certA, keyA, leafA := ca.leaf(t, "appsmith.test")
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2", "--tls", "custom", "--domain", "appsmith.test", "--cert", certA, "--key", keyA)...), "install")
	certB, keyB, leafB := ca.leaf(t, "appsmith.test")
	tlsFiles := []string{filepath.Join(e.dir, "stacks/configuration"), filepath.Join(e.dir, "stacks/ssl"), filepath.Join(e.dir, "stacks/ca-certs")}
	oldFiles := hashTree(t, tlsFiles...)
	failpoint := func(v string) []string { return []string{"APPSMITH_INSTALL_FAILPOINT=" + v} }

	killed := 0
	for n := 1; ; n++ {
		r := e.run(failpoint("record:"+strconv.Itoa(n)), "tls", "use-cert", "--cert", certB, "--key", keyB, "--timeout", "60s", "--progress", "plain")
		if r.code == 0 {
			break // the change ran to its end before record n
		}
		if r.code != 128+int(syscall.SIGKILL) {
			t.Fatalf("record %d: exit %d, want killed\n%s", n, r.code, r.errOut)
		}
		killed++
		if n == 6 { // in the middle: the recovery is killed too, once, at its first undo
			if r := e.run(failpoint("undo_start:restart"), "tls", "recover", "--progress", "plain"); r.code != 128+int(syscall.SIGKILL) {
				t.Fatalf("record %d: the recovery was not killed (exit %d)\n%s", n, r.code, r.errOut)
			}
		}
		r = e.run(nil, "tls", "recover", "--progress", "plain")
		e.mustSucceed(r, "tls recover after a kill at record "+strconv.Itoa(n))
		if s, code := e.status(); code != 0 || !s.Healthy {
			t.Fatalf("record %d: not healthy after recovery: exit %d %+v", n, code, s)
		}
		got, err := e.handshake(ca, "appsmith.test")
		switch {
		case err != nil:
			t.Fatalf("record %d: HTTPS after recovery: %v", n, err)
		case got.Equal(leafA):
			if h := hashTree(t, tlsFiles...); h != oldFiles {
				t.Fatalf("record %d: the old certificate is served but the files differ from before the change", n)
			}
		case got.Equal(leafB):
			if st := e.tlsStatus(); st.Mode != "custom" || st.Domain != "appsmith.test" {
				t.Fatalf("record %d: new certificate served, tls status %+v", n, st)
			}
			// Changed for good: the next round changes it back.
			certA, keyA, leafA, certB, keyB, leafB = certB, keyB, leafB, certA, keyA, leafA
			oldFiles = hashTree(t, tlsFiles...)
		default:
			t.Fatalf("record %d: serves a certificate that is neither the old nor the new one", n)
		}
		if n > 40 {
			t.Fatal("the change never ran to its end")
		}
	}
	if killed < 10 {
		t.Fatalf("covered only %d kill points", killed)
	}
	t.Logf("covered %d kill points", killed)
}
