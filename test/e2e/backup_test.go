package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/moby/moby/client"

	"github.com/appsmith-install/appsmith-install/internal/stacks"
	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// backupResult is `appsmith backup --json`.
type backupResult struct {
	Name     string `json:"name"`
	Location string `json:"location"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Manifest struct {
		Format          int    `json:"format"`
		Mode            string `json:"mode"`
		AppsmithVersion string `json:"appsmith_version"`
		KeysIncluded    bool   `json:"keys_included"`
		DB              struct {
			Kind   string           `json:"kind"`
			Counts map[string]int64 `json:"counts"`
		} `json:"db"`
	} `json:"manifest"`
}

func (e *env) backup(args ...string) backupResult {
	e.t.Helper()
	r := e.run(nil, append([]string{"backup", "--json", "--progress", "plain"}, args...)...)
	e.mustSucceed(r, "backup")
	var b backupResult
	if err := json.Unmarshal([]byte(r.out), &b); err != nil {
		e.t.Fatalf("backup --json: %v\n%s", err, r.out)
	}
	return b
}

func (e *env) containerID() string {
	e.t.Helper()
	s, code := e.status()
	if code != 0 || !s.Healthy {
		e.t.Fatalf("not healthy: exit %d %+v", code, s)
	}
	return s.ContainerID
}

func passphraseFile(t *testing.T, pass string) string {
	p := filepath.Join(t.TempDir(), "passphrase")
	if err := os.WriteFile(p, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A backup taken while Appsmith runs, then more data written and files
// changed, then a restore: the documents, the git storage and the
// encryption keys are those of the backup, and the instance is healthy on
// them. The archive is named by time and version, and never holds the raw
// database directory.
func TestBackupRestoreMongoDB(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	id := e.containerID()
	testenv.SeedDocuments(t, e.cli, id, "widgets", 300)
	git := filepath.Join(e.dir, "stacks/git-storage/repo/app.json")
	os.MkdirAll(filepath.Dir(git), 0o755)
	os.WriteFile(git, []byte(`{"page":"one"}`), 0o644)
	env1, _ := readEnv(t, e.dir)
	pass := passphraseFile(t, "correct horse battery staple")

	b := e.backup("--passphrase-file", pass)
	if !strings.HasPrefix(b.Name, "appsmith-") || !strings.HasSuffix(b.Name, "-v1.9.2.tar.zst.age") {
		t.Errorf("archive name %q", b.Name)
	}
	if b.Location != filepath.Join(e.dir, "backups", b.Name) || b.Size == 0 || len(b.SHA256) != 64 {
		t.Errorf("backup result %+v", b)
	}
	if b.Manifest.DB.Kind != "mongodb" || b.Manifest.DB.Counts["appsmith.widgets"] != 300 || !b.Manifest.KeysIncluded {
		t.Errorf("manifest %+v", b.Manifest)
	}
	if fi, err := os.Stat(b.Location); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("archive: %v %v", fi, err)
	}

	testenv.SeedDocuments(t, e.cli, id, "widgets", 50)
	os.WriteFile(git, []byte(`{"page":"two"}`), 0o644)
	os.WriteFile(filepath.Join(filepath.Dir(git), "new.json"), []byte(`{}`), 0o644)

	r := e.run(nil, "restore", b.Location, "--passphrase-file", pass, "--yes", "--progress", "plain")
	e.mustSucceed(r, "restore")
	id = e.containerID()
	if n := testenv.CountDocuments(t, e.cli, id, "widgets"); n != 300 {
		t.Errorf("after the restore: %d documents, want the backup's 300", n)
	}
	if data, _ := os.ReadFile(git); string(data) != `{"page":"one"}` {
		t.Errorf("git storage not restored: %s", data)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(git), "new.json")); !os.IsNotExist(err) {
		t.Error("a file written after the backup survived the restore")
	}
	env2, _ := readEnv(t, e.dir)
	for _, k := range []string{stacks.KeyEncryptionPassword, stacks.KeyEncryptionSalt, stacks.KeyDBURL} {
		a, _ := env1.Get(k)
		b, _ := env2.Get(k)
		if a != b || a == "" {
			t.Errorf("%s changed by the restore", k)
		}
	}
	// Nothing of the restore is left behind but the archive.
	entries, _ := os.ReadDir(filepath.Join(e.dir, "backups"))
	for _, en := range entries {
		if en.Name() != b.Name {
			t.Errorf("left in backups/: %s", en.Name())
		}
	}
	st := e.run(nil, "status")
	contains(t, "status", st.out, "backups:    last", b.Location)
	if strings.Contains(e.outputs.String(), "correct horse") {
		t.Error("the passphrase was printed")
	}
}

// Bad input changes nothing: a wrong passphrase, no passphrase, a corrupted
// archive, a truncated one, a file that is not an archive — each exits 2
// naming the problem, and the stacks are byte for byte as before.
func TestRestoreBadInputChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	pass := passphraseFile(t, "the right one")
	b := e.backup("--passphrase-file", pass)
	e.mustSucceed(e.run(nil, "stop"), "stop") // nothing writes to the stacks while they are compared
	before := hashTree(t, filepath.Join(e.dir, "stacks"))

	data, _ := os.ReadFile(b.Location)
	dir := t.TempDir()
	write := func(name string, d []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, d, 0o600)
		return p
	}
	flipped := append([]byte(nil), data...)
	flipped[len(flipped)/2] ^= 0xff
	cases := []struct {
		name, archive string
		args          []string
		want          string
	}{
		{"wrong passphrase", b.Location, []string{"--passphrase-file", passphraseFile(t, "the wrong one")}, "passphrase"},
		{"no passphrase", b.Location, nil, "--passphrase-file"},
		{"corrupted", write("corrupt.tar.zst.age", flipped), []string{"--passphrase-file", pass}, "corrupt"},
		{"truncated", write("short.tar.zst.age", data[:len(data)*2/3]), []string{"--passphrase-file", pass}, "truncated"},
		{"not an archive", write("notes.txt", []byte("hello, this is not a backup\n")), []string{"--passphrase-file", pass}, "not"},
		{"missing", filepath.Join(dir, "nope.tar.zst.age"), []string{"--passphrase-file", pass}, "no such archive"},
	}
	for _, c := range cases {
		r := e.run(nil, append([]string{"restore", c.archive, "--yes", "--progress", "plain"}, c.args...)...)
		if r.code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", c.name, r.code, r.errOut)
		}
		contains(t, c.name, strings.ToLower(r.errOut), strings.ToLower(c.want))
		if h := hashTree(t, filepath.Join(e.dir, "stacks")); h != before {
			t.Fatalf("%s: the stacks changed", c.name)
		}
		if entries, _ := os.ReadDir(filepath.Join(e.dir, "backups")); len(entries) != 1 {
			t.Errorf("%s: left %d entries in backups/", c.name, len(entries))
		}
	}
}

// Disaster recovery in one command: a restore into an empty --dir installs
// the archive's version (with the install flags given) and restores into it.
func TestRestoreOntoFreshHost(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "pages", 120)
	pass := passphraseFile(t, "dr")
	b := e.backup("--passphrase-file", pass, "--to", filepath.Join(t.TempDir(), "offsite"))
	env1, _ := readEnv(t, e.dir)

	f := setup(t)
	f.reg = e.reg
	args := []string{"restore", b.Location, "--passphrase-file", pass, "--registry", e.reg.Host(),
		"--container-name", f.name, "--http-port", strconv.Itoa(f.http), "--https-port", strconv.Itoa(f.https),
		"--bind-address", "127.0.0.1", "--link-dir", f.linkDir, "--progress", "plain", "--timeout", "90s"}
	r := f.run(nil, args...)
	f.mustSucceed(r, "restore onto an empty dir")
	s, _ := f.status()
	if s.Version != "v1.9.2" || !s.Healthy {
		t.Fatalf("new host: %+v", s)
	}
	if n := testenv.CountDocuments(t, f.cli, s.ContainerID, "pages"); n != 120 {
		t.Errorf("new host has %d documents, want 120", n)
	}
	env2, _ := readEnv(t, f.dir)
	for _, k := range []string{stacks.KeyEncryptionPassword, stacks.KeyEncryptionSalt} {
		a, _ := env1.Get(k)
		b, _ := env2.Get(k)
		if a != b {
			t.Errorf("%s is not the archive's on the new host", k)
		}
	}
}

// A drill restores into a throwaway instance and leaves the live one as it
// was; it is recorded, and list shows it.
func TestBackupDrillLeavesLiveInstance(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	id := e.containerID()
	testenv.SeedDocuments(t, e.cli, id, "widgets", 40)
	b := e.backup("--no-encrypt")
	testenv.SeedDocuments(t, e.cli, id, "widgets", 5)

	// A relative path is recorded as the absolute one list and prune use.
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, b.Location)
	if err != nil {
		t.Fatal(err)
	}
	r := e.run(nil, "backup", "verify", rel, "--drill", "--progress", "plain")
	e.mustSucceed(r, "drill")
	contains(t, "drill", r.out, "drill: restored")
	if id2 := e.containerID(); id2 != id {
		t.Error("the drill replaced the live container")
	}
	if n := testenv.CountDocuments(t, e.cli, id, "widgets"); n != 45 {
		t.Errorf("the live instance has %d documents after the drill, want 45", n)
	}
	r = e.run(nil, "backup", "list", "--json")
	e.mustSucceed(r, "list")
	var l struct {
		Archives []struct {
			Location string `json:"location"`
			Version  string `json:"version"`
			Drilled  bool   `json:"drilled"`
		} `json:"archives"`
	}
	if err := json.Unmarshal([]byte(r.out), &l); err != nil || len(l.Archives) != 1 || !l.Archives[0].Drilled || l.Archives[0].Location != b.Location || l.Archives[0].Version != "v1.9.2" {
		t.Errorf("list --json: %v\n%s", err, r.out)
	}
	contains(t, "status", e.run(nil, "status").out, "drills:     last passed")
	// prune never deletes the only archive that passed a drill.
	e.backup("--no-encrypt")
	r = e.run(nil, "backup", "prune", "--keep-last", "1", "--dry-run")
	e.mustSucceed(r, "prune")
	if strings.Contains(r.out, b.Location) {
		t.Errorf("prune would delete the only drilled archive:\n%s", r.out)
	}
	// A keyless archive does not go onto a fresh host, whose new keys could
	// not read its credentials.
	f := setup(t)
	f.reg = e.reg
	r = f.run(nil, "restore", b.Location, "--registry", e.reg.Host(), "--container-name", f.name, "--http-port", strconv.Itoa(f.http),
		"--https-port", strconv.Itoa(f.https), "--bind-address", "127.0.0.1", "--link-dir", "", "--progress", "plain")
	if r.code != 3 || !strings.Contains(r.errOut, "APPSMITH_ENCRYPTION_PASSWORD") {
		t.Errorf("a keyless archive onto a fresh host: exit %d\n%s", r.code, r.errOut)
	}
	if _, err := os.Stat(filepath.Join(f.dir, "stacks")); err == nil {
		t.Error("the refused fresh-host restore installed something")
	}
}

// A restore killed at any journal record is finished or undone by the next
// command that changes the instance: the instance then runs either on its
// data from before the restore, or on the archive's, whole.
func TestRestoreKilledRecovers(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 10)
	b := e.backup("--no-encrypt")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 5) // 15 now; the archive has 10

	killed := 0
	for n := 1; n < 40; n++ {
		r := e.run([]string{testenv.FailpointAfterRecord(n)}, "restore", b.Location, "--yes", "--progress", "plain")
		if r.code == 0 {
			break
		}
		if r.code != 128+int(syscall.SIGKILL) {
			t.Fatalf("record %d: exit %d, want killed\n%s", n, r.code, r.errOut)
		}
		killed++
		r = e.run(nil, "start", "--progress", "plain")
		e.mustSucceed(r, "start after a restore killed at record "+strconv.Itoa(n))
		got := testenv.CountDocuments(t, e.cli, e.containerID(), "widgets")
		if got != 15 && got != 10 {
			t.Fatalf("record %d: %d documents after recovery: neither the old 15 nor the archive's 10", n, got)
		}
		if got == 10 { // restored for good: write the difference again
			testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 5)
		}
		if entries, _ := os.ReadDir(filepath.Join(e.dir, "backups")); len(entries) != 1 {
			t.Fatalf("record %d: %d entries left in backups/ after recovery", n, len(entries))
		}
	}
	if killed < 8 {
		t.Fatalf("covered only %d kill points", killed)
	}
	t.Logf("covered %d kill points", killed)
}

// Appsmith's own format both ways: a backup written as appsmithctl writes
// one (openssl-encrypted) restores, and so does one without encryption.
// A cold backup holds the whole stacks and says how long Appsmith was down.
func TestBackupAppsmithctlFormatAndCold(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 25)
	pass := passphraseFile(t, "ctl pass")
	b := e.backup("--format", "appsmithctl", "--passphrase-file", pass)
	if !strings.HasPrefix(b.Name, "appsmith-backup-") || !strings.HasSuffix(b.Name, ".tar.gz.enc") {
		t.Errorf("appsmithctl archive name %q", b.Name)
	}
	data, _ := os.ReadFile(b.Location)
	if !strings.HasPrefix(string(data), "Salted__") {
		t.Error("the appsmithctl archive is not openssl-encrypted")
	}
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 7)
	e.mustSucceed(e.run(nil, "restore", b.Location, "--passphrase-file", pass, "--yes", "--progress", "plain"), "restore of an appsmithctl archive")
	if n := testenv.CountDocuments(t, e.cli, e.containerID(), "widgets"); n != 25 {
		t.Errorf("%d documents after restoring the appsmithctl archive, want 25", n)
	}

	// A bad recipient is refused before anything stops.
	if r := e.run(nil, "backup", "--cold", "--recipient", "age1bogus"); r.code != 2 || !strings.Contains(r.errOut, "--recipient") {
		t.Errorf("a bad --recipient: exit %d\n%s", r.code, r.errOut)
	}
	// A cold backup of a stopped instance leaves it stopped.
	e.mustSucceed(e.run(nil, "stop"), "stop")
	r := e.run(nil, "backup", "--cold", "--no-encrypt", "--progress", "plain")
	e.mustSucceed(r, "cold backup of a stopped instance")
	if s, _ := e.status(); s.State != "stopped" {
		t.Errorf("a cold backup started a stopped instance: %+v", s)
	}
	e.mustSucceed(e.run(nil, "start"), "start")
	// Killed while Appsmith is stopped for it: status says so, and the next
	// command that changes the instance starts it again.
	r = e.run([]string{testenv.FailpointAt("done", "stop")}, "backup", "--cold", "--no-encrypt", "--progress", "plain")
	if r.code != 128+int(syscall.SIGKILL) {
		t.Fatalf("cold backup with a failpoint: exit %d\n%s", r.code, r.errOut)
	}
	contains(t, "status after a killed cold backup", e.run(nil, "status").out, "unfinished: backup-cold")
	e.mustSucceed(e.run(nil, "restart", "--progress", "plain"), "restart after a killed cold backup")
	e.containerID()
	r = e.run(nil, "backup", "--cold", "--no-encrypt", "--progress", "plain")
	e.mustSucceed(r, "cold backup")
	contains(t, "cold backup", r.errOut, "Appsmith was down for", "NOT encrypted", "APPSMITH_ENCRYPTION_PASSWORD and APPSMITH_ENCRYPTION_SALT")
	e.containerID() // started again
	cold := strings.TrimSpace(r.out)
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 3)
	e.mustSucceed(e.run(nil, "restore", cold, "--yes", "--progress", "plain"), "restore of a cold backup")
	if n := testenv.CountDocuments(t, e.cli, e.containerID(), "widgets"); n != 25 {
		t.Errorf("%d documents after restoring the cold backup, want 25", n)
	}
}

// Embedded PostgreSQL, the real one: rows survive a backup and a restore
// with the real pg_dump and pg_restore, checked by the manifest's counts.
func TestBackupRestoreRealPostgres(t *testing.T) {
	e := newEnv(t)
	e.reg.Push(t, realPGImage)
	e.mustSucceed(e.run(nil, e.installArgs(realPGImage.Tag)...), "install")
	// Appsmith's tables belong to the role of its URL, as the backend creates them.
	testenv.SeedRows(t, e.cli, e.name, "appsmith.widgets", 500)
	testenv.MustPGExec(t, e.cli, e.name, "ALTER TABLE appsmith.widgets OWNER TO appsmith")
	pass := passphraseFile(t, "pg pass")
	b := e.backup("--passphrase-file", pass)
	if b.Manifest.DB.Kind != "postgres" || b.Manifest.DB.Counts["appsmith.widgets"] != 500 {
		t.Errorf("manifest db %+v", b.Manifest.DB)
	}
	testenv.MustPGExec(t, e.cli, e.name, "DELETE FROM appsmith.widgets WHERE id > 100")
	testenv.SeedRows(t, e.cli, e.name, "appsmith.gadgets", 9)
	testenv.MustPGExec(t, e.cli, e.name, "ALTER TABLE appsmith.gadgets OWNER TO appsmith")
	e.mustSucceed(e.run(nil, "restore", b.Location, "--passphrase-file", pass, "--yes", "--progress", "plain"), "restore")
	if n := testenv.CountRows(t, e.cli, e.name, "appsmith.widgets"); n != 500 {
		t.Errorf("%d rows after the restore, want 500", n)
	}
	if got := testenv.MustPGExec(t, e.cli, e.name, "SELECT to_regclass('appsmith.gadgets') IS NULL"); got != "t" {
		t.Error("a table created after the backup survived the restore")
	}
}

// S3 with real signatures (versitygw): a backup streams to a bucket, list
// and verify read it there, restore takes it from its s3:// URL, prune
// deletes by the rules; a wrong secret or a missing bucket fails naming S3
// and the bucket and leaves no object.
func TestBackupToS3(t *testing.T) {
	s3 := testenv.Versitygw(t)
	if err := os.Mkdir(filepath.Join(s3.Dir, "appsmith-backups"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.2")...), "install")
	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 30)
	pass := passphraseFile(t, "s3 pass")
	creds := []string{"AWS_ACCESS_KEY_ID=" + s3.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3.SecretKey, "AWS_REGION=us-east-1"}
	s3flags := []string{"--s3-endpoint", s3.URL}
	to := "s3://appsmith-backups/prod"

	r := e.run(creds, append([]string{"backup", "--to", to, "--passphrase-file", pass, "--json", "--progress", "plain"}, s3flags...)...)
	e.mustSucceed(r, "backup to S3")
	var b backupResult
	if err := json.Unmarshal([]byte(r.out), &b); err != nil {
		t.Fatal(err)
	}
	if b.Location != to+"/"+b.Name {
		t.Errorf("location %q, want %s/%s", b.Location, to, b.Name)
	}
	if fi, err := os.Stat(filepath.Join(s3.Dir, "appsmith-backups/prod", b.Name)); err != nil || fi.Size() != b.Size {
		t.Errorf("the object in the bucket: %v %v (want %d bytes)", fi, err, b.Size)
	}

	r = e.run(creds, append([]string{"backup", "list", "--from", to, "--json"}, s3flags...)...)
	e.mustSucceed(r, "list S3")
	if !strings.Contains(r.out, `"location": "`+b.Location+`"`) {
		t.Errorf("list does not give the s3 location:\n%s", r.out)
	}
	e.mustSucceed(e.run(creds, append([]string{"backup", "verify", b.Location, "--passphrase-file", pass}, s3flags...)...), "verify from S3")

	testenv.SeedDocuments(t, e.cli, e.containerID(), "widgets", 4)
	e.mustSucceed(e.run(creds, append([]string{"restore", b.Location, "--passphrase-file", pass, "--yes", "--progress", "plain"}, s3flags...)...), "restore from S3")
	if n := testenv.CountDocuments(t, e.cli, e.containerID(), "widgets"); n != 30 {
		t.Errorf("%d documents after the restore from S3, want 30", n)
	}

	objects := func() []os.DirEntry {
		es, _ := os.ReadDir(filepath.Join(s3.Dir, "appsmith-backups/prod"))
		var files []os.DirEntry
		for _, e := range es {
			if !e.IsDir() {
				files = append(files, e)
			}
		}
		return files
	}
	wrong := []string{"AWS_ACCESS_KEY_ID=" + s3.AccessKey, "AWS_SECRET_ACCESS_KEY=not-the-secret", "AWS_REGION=us-east-1"}
	r = e.run(wrong, append([]string{"backup", "--to", to, "--passphrase-file", pass, "--progress", "plain"}, s3flags...)...)
	if r.code == 0 {
		t.Fatal("a backup with a wrong secret succeeded")
	}
	contains(t, "wrong secret", r.errOut, "S3", "appsmith-backups")
	if n := len(objects()); n != 1 {
		t.Errorf("%d objects after a refused upload, want 1", n)
	}
	r = e.run(creds, append([]string{"backup", "--to", "s3://no-such-bucket/x", "--passphrase-file", pass, "--progress", "plain"}, s3flags...)...)
	if r.code == 0 {
		t.Fatal("a backup to a missing bucket succeeded")
	}
	contains(t, "missing bucket", r.errOut, "no-such-bucket")

	e.mustSucceed(e.run(creds, append([]string{"backup", "--to", to, "--passphrase-file", pass, "--progress", "plain"}, s3flags...)...), "second backup")
	if n := len(objects()); n != 2 {
		t.Fatalf("%d objects after two backups", n)
	}
	r = e.run(creds, append([]string{"backup", "prune", "--from", to, "--keep-last", "1"}, s3flags...)...)
	e.mustSucceed(r, "prune")
	if os := objects(); len(os) != 1 || os[0].Name() == b.Name {
		t.Errorf("prune --keep-last 1 left %v", os)
	}
	if strings.Contains(e.outputs.String(), s3.SecretKey) {
		t.Error("the S3 secret was printed")
	}
}

// An archive of another version than the instance runs is refused (exit 3,
// nothing changed); with --yes the container is replaced by one on the
// archive's version with the same settings, which then runs the data.
func TestRestoreOtherVersionNeedsYes(t *testing.T) {
	a := newEnv(t)
	a.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2"})
	a.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.38"})
	a.mustSucceed(a.run(nil, a.installArgs("v1.9.2")...), "install A")
	testenv.SeedDocuments(t, a.cli, a.containerID(), "widgets", 12)
	b := a.backup("--no-encrypt", "--to", filepath.Join(t.TempDir(), "archives"))

	e := setup(t)
	e.reg = a.reg
	e.mustSucceed(e.run(nil, e.installArgs("v1.9.38")...), "install B")
	oldID := e.containerID()
	e.mustSucceed(e.run(nil, "stop"), "stop")
	before := hashTree(t, filepath.Join(e.dir, "stacks"))
	r := e.run(nil, "restore", b.Location, "--progress", "plain")
	if r.code != 3 {
		t.Fatalf("restore of a v1.9.2 archive into v1.9.38 without --yes: exit %d, want 3\n%s", r.code, r.errOut)
	}
	contains(t, "refusal", r.errOut, "v1.9.2", "v1.9.38", "--yes")
	if hashTree(t, filepath.Join(e.dir, "stacks")) != before {
		t.Fatal("the refused restore changed the stacks")
	}
	e.mustSucceed(e.run(nil, "start"), "start")

	e.mustSucceed(e.run(nil, "restore", b.Location, "--yes", "--progress", "plain"), "restore --yes")
	s, code := e.status()
	if code != 0 || s.Version != "v1.9.2" || s.ContainerID == oldID || s.Container != e.name || !strings.HasSuffix(s.Image, ":v1.9.2") {
		t.Fatalf("after the restore: exit %d %+v", code, s)
	}
	if n := testenv.CountDocuments(t, e.cli, s.ContainerID, "widgets"); n != 12 {
		t.Errorf("%d documents, want the archive's 12", n)
	}
	if _, err := e.cli.ContainerInspect(context.Background(), oldID, client.ContainerInspectOptions{}); err == nil {
		t.Error("the replaced container was kept after a good restore")
	}
}
