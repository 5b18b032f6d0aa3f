package doctor

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/internal/engine"
	"github.com/appsmith-install/appsmith-install/internal/instance"
	"github.com/appsmith-install/appsmith-install/internal/state"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// TestBundleHoldsNoSecret seeds secrets where an instance keeps them (and
// where they leak: logs, journals, the container's environment) and proves
// none is in the bundle, in any encoding, while what a helper needs is.
func TestBundleHoldsNoSecret(t *testing.T) {
	const (
		encPass    = "encPassw0rdXYZ"
		salt       = "encSaltABCDEFG"
		dbPass     = "pg/Secret+123"
		mailPass   = "mail-Pa55-word"
		oldPass    = "oldCommentedSecret9"
		awsSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
		passphrase = "key passphrase: Zq9!x"
		privKey    = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"
	)
	dbURL := "postgresql://appsmith:" + url.PathEscape(dbPass) + "@localhost:5432/appsmith"
	e := healthy(t)
	l := e.stacks()
	writeFile(t, l.DockerEnv(), "# APPSMITH_ENCRYPTION_PASSWORD="+oldPass+"\n"+
		"APPSMITH_DB_URL="+dbURL+"\nAPPSMITH_ENCRYPTION_PASSWORD="+encPass+"\nAPPSMITH_ENCRYPTION_SALT="+salt+"\n"+
		"APPSMITH_MAIL_PASSWORD='"+mailPass+"'\nAPPSMITH_CUSTOM_DOMAIN=apps.example.com\nAPPSMITH_MAIL_HOST=smtp.example.com\nAPPSMITH_OAUTH2_OIDC_ENABLED=true\n", 0o600)
	writeFile(t, l.PrivkeyPEM(), "-----BEGIN PRIVATE KEY-----\n"+privKey+"\n-----END PRIVATE KEY-----\n", 0o600)
	passFile := filepath.Join(t.TempDir(), "pass")
	writeFile(t, passFile, passphrase+"\n", 0o600)
	b64 := base64.StdEncoding.EncodeToString([]byte(encPass))
	j, _ := json.Marshal(map[string]string{"url": dbURL, "aws": awsSecret})
	writeFile(t, filepath.Join(l.LogsDir("backend"), "backend-0123456789ab.log"),
		"started healthy=true\nconnecting to "+dbURL+"\npassword "+dbPass+"\nsalt="+url.QueryEscape(salt)+"\nauth "+b64+"\n"+string(j)+"\nkey: "+passphrase+"\nmail "+mailPass+"\nready\n", 0o644)
	writeFile(t, filepath.Join(instance.Layout{Dir: e.Dir}.Journal(), "upgrade.journal"), `{"op":"upgrade","meta":{"aws":"`+awsSecret+`"}}`+"\n", 0o600)
	if err := state.Save(e.Dir, e.State); err != nil {
		t.Fatal(err)
	}
	e.Container.Env = []string{"APPSMITH_ENCRYPTION_PASSWORD=" + encPass, "PATH=/usr/bin"}
	e.Container.Config.Env = e.Container.Env

	var buf bytes.Buffer
	env := []string{"AWS_SECRET_ACCESS_KEY=" + awsSecret, "APPSMITH_TLS_KEY_PASSPHRASE_FILE=" + passFile, "HOME=/root"}
	if err := WriteBundle(context.Background(), &buf, e, BundleOptions{Report: Run(context.Background(), e), Environ: env}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	files := testenv.ReadTarGz(t, out)
	testenv.NoSecretIn(t, files, encPass, salt, dbPass, mailPass, oldPass, awsSecret, passphrase, privKey)

	for _, name := range []string{"doctor.json", "engine-info.json", "container-inspect.json", "docker.env", "appsmith.yaml", "journal/upgrade.journal", "logs/backend/backend-0123456789ab.log"} {
		if _, ok := files["appsmith-support/"+name]; !ok {
			t.Errorf("the bundle lacks %s (has %v)", name, keys(files))
		}
	}
	for name := range files {
		if strings.Contains(name, "ssl") || strings.Contains(name, "privkey") {
			t.Errorf("the bundle holds %s", name)
		}
	}
	denv := string(files["appsmith-support/docker.env"])
	for _, want := range []string{"APPSMITH_ENCRYPTION_PASSWORD=", Marker, "APPSMITH_CUSTOM_DOMAIN=apps.example.com", "APPSMITH_MAIL_HOST=smtp.example.com"} {
		if !strings.Contains(denv, want) {
			t.Errorf("docker.env in the bundle lacks %q:\n%s", want, denv)
		}
	}
	log := string(files["appsmith-support/logs/backend/backend-0123456789ab.log"])
	if !strings.Contains(log, "started healthy=true") || !strings.Contains(log, "ready") {
		t.Errorf("the log lost its other lines:\n%s", log)
	}
	if c := string(files["appsmith-support/container-inspect.json"]); !strings.Contains(c, "APPSMITH_ENCRYPTION_PASSWORD="+Marker) || !strings.Contains(c, "PATH="+Marker) {
		t.Errorf("the inspect should keep the names of the environment, not the values:\n%s", c)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestBundleKeepsTheNewestLogs(t *testing.T) {
	e := healthy(t)
	p := filepath.Join(e.stacks().LogsDir("rts"), "rts-0123456789ab.log")
	writeFile(t, p, strings.Repeat("old line\n", 1000)+"the newest line\n", 0o644)
	var buf bytes.Buffer
	if err := WriteBundle(context.Background(), &buf, e, BundleOptions{Report: Report{}, LogBytes: 100}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	os.WriteFile(out, buf.Bytes(), 0o600)
	got := string(testenv.ReadTarGz(t, out)["appsmith-support/logs/rts/rts-0123456789ab.log"])
	if len(got) != 100 || !strings.HasSuffix(got, "the newest line\n") {
		t.Errorf("kept %d bytes ending %q, want the last 100", len(got), got[max(0, len(got)-20):])
	}
}

// TestBundleKeepsTheNewestJournalsAndTheUnfinished: the last plans are the
// newest journals; an unfinished one is kept however old.
func TestBundleKeepsTheNewestJournalsAndTheUnfinished(t *testing.T) {
	e := healthy(t)
	dir := instance.Layout{Dir: e.Dir}.Journal()
	open, err := engine.Create(dir, "restore", engine.Plan{Name: "restore"}, map[string]string{"recover": "restore --resume"})
	if err != nil {
		t.Fatal(err)
	}
	open.Close()
	var done []string
	for i := 0; i < maxJournals+5; i++ {
		j, err := engine.Create(dir, fmt.Sprintf("op%02d", i), engine.Plan{Name: "op"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := j.Append(engine.Record{Type: engine.RecEnd, Outcome: engine.OutcomeDone}); err != nil {
			t.Fatal(err)
		}
		j.Close()
		done = append(done, filepath.Base(j.Path()))
	}
	var buf bytes.Buffer
	if err := WriteBundle(context.Background(), &buf, e, BundleOptions{}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	os.WriteFile(out, buf.Bytes(), 0o600)
	files := testenv.ReadTarGz(t, out)
	has := func(name string) bool { _, ok := files["appsmith-support/journal/"+name]; return ok }
	if !has(filepath.Base(open.Path())) {
		t.Error("the unfinished journal is missing")
	}
	for i, name := range done {
		if want := i >= len(done)-maxJournals; has(name) != want {
			t.Errorf("journal %s in the bundle: %v, want %v", name, has(name), want)
		}
	}
}
