package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/appsmith-install/appsmith-install/test/stacksgen"
	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

const testDBURL = "mongodb://appsmith:s3cret@localhost/appsmith"

// fullDump names no database, as --oplog needs.
const fullDump = "--uri=mongodb://appsmith:s3cret@localhost/?authSource=admin"

// startMongo runs image version on a fresh root whose docker.env points at
// the embedded MongoDB with a password, and waits for a full start.
func startMongo(t *testing.T, version string, cfg spec.Config) (layout, *running) {
	t.Helper()
	l := newRoot(t)
	writeMongoEnv(t, l)
	return l, runOn(t, l, version, cfg)
}

func writeMongoEnv(t *testing.T, l layout) {
	t.Helper()
	if err := os.MkdirAll(l.stacks("configuration"), 0o755); err != nil {
		t.Fatal(err)
	}
	env := "APPSMITH_ENCRYPTION_PASSWORD=p\nAPPSMITH_ENCRYPTION_SALT=s\nAPPSMITH_DB_URL=" + testDBURL + "\n"
	if err := os.WriteFile(l.stacks("configuration", "docker.env"), []byte(env), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runOn(t *testing.T, l layout, version string, cfg spec.Config) *running {
	t.Helper()
	if cfg.BootDelay == "" {
		cfg.BootDelay = "0s"
	}
	setImage(t, l, version, cfg)
	r := startApp(t, l)
	r.waitStatus("/api/v1/health", 200)
	return r
}

// sh runs mongosh --quiet with the given arguments.
func sh(t *testing.T, l layout, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := mongosh(l, append([]string{"--quiet"}, args...), &out, &errb)
	return strings.TrimSpace(out.String()), strings.TrimSpace(errb.String()), code
}

func eval(t *testing.T, l layout, script string) string {
	t.Helper()
	out, errs, code := sh(t, l, testDBURL, "--eval", script)
	if code != 0 {
		t.Fatalf("mongosh --eval %q: exit %d: %s", script, code, errs)
	}
	return out
}

func refused(t *testing.T, l layout, script, want string) {
	t.Helper()
	out, errs, code := sh(t, l, testDBURL, "--eval", script)
	if code == 0 || !strings.Contains(errs, want) {
		t.Errorf("mongosh --eval %q: exit %d, stdout %q, stderr %q; want a failure with %q", script, code, out, errs, want)
	}
}

const getFCV = `db.adminCommand({getParameter:1, featureCompatibilityVersion:1})`

func TestMongoshFCV(t *testing.T) {
	l, r := startMongo(t, "v1.99", spec.Config{}) // MongoDB 6.0
	// As mongosh prints a replica-set member's reply: one field a line.
	if got := eval(t, l, getFCV); !regexp.MustCompile(`^\{\n  featureCompatibilityVersion: \{ version: '6\.0' \},\n  ok: 1,\n  '\$clusterTime': \{\n    clusterTime: Timestamp\(\{ t: \d+, i: 1 \}\),\n    signature: \{\n      hash: Binary\.createFromBase64\('A+=', 0\),\n      keyId: Long\('0'\)\n    \}\n  \},\n  operationTime: Timestamp\(\{ t: \d+, i: 1 \}\)\n\}$`).MatchString(got) {
		t.Errorf("getParameter printed\n%s", got)
	}
	if got := eval(t, l, getFCV+".featureCompatibilityVersion.version"); got != "6.0" {
		t.Errorf("FCV = %q", got)
	}
	if out, _, code := sh(t, l, testDBURL, "--json=relaxed", "--eval", getFCV); code != 0 || !strings.HasPrefix(out, `{"featureCompatibilityVersion":{"version":"6.0"},"ok":1,"$clusterTime":{"clusterTime":{"$timestamp":{"t":`) {
		t.Errorf("--json: %d %q", code, out)
	}

	refused(t, l, `db.adminCommand({setFeatureCompatibilityVersion: "4.4"})`, "Invalid feature compatibility version value '4.4'") // two steps down
	refused(t, l, `db.adminCommand({setFeatureCompatibilityVersion: "7.0"})`, "Invalid feature compatibility version value '7.0'") // above the binary
	refused(t, l, `db.adminCommand({setFeatureCompatibilityVersion: "5.0", confirm: true})`, "'setFeatureCompatibilityVersion.confirm' is an unknown field")
	refused(t, l, `db.runCommand({setFeatureCompatibilityVersion: "5.0"})`, "may only be run against the admin database")
	if got := eval(t, l, `db.adminCommand({setFeatureCompatibilityVersion: "5.0"})`); !strings.HasPrefix(got, "{\n  ok: 1,\n  '$clusterTime'") {
		t.Errorf("setFCV 5.0 printed %q", got)
	}
	if st := readState(t, l); st.FCV != "5.0" {
		t.Errorf("state file FCV %s after setFCV 5.0", st.FCV)
	}
	eval(t, l, `db.adminCommand({ setFeatureCompatibilityVersion: '6.0' })`)
	// The one-member replica set is the primary once it answers.
	if got := eval(t, l, `db.adminCommand({hello: 1}).isWritablePrimary`); got != "true" {
		t.Errorf("hello: isWritablePrimary = %q", got)
	}
	if got := eval(t, l, getFCV+".featureCompatibilityVersion.version"); got != "6.0" {
		t.Errorf("FCV after raising back = %q", got)
	}

	// Auth is on: a command needs the user of APPSMITH_DB_URL.
	if _, errs, code := sh(t, l, "--eval", getFCV); code == 0 || !strings.Contains(errs, "requires authentication") {
		t.Errorf("no credentials: %d %q", code, errs)
	}
	if _, errs, code := sh(t, l, "mongodb://appsmith:wrong@localhost/appsmith", "--eval", getFCV); code == 0 || !strings.Contains(errs, "Authentication failed") {
		t.Errorf("wrong password: %d %q", code, errs)
	}
	var ctlOut, ctlErr bytes.Buffer
	if code := appsmithctl(l, []string{"mongo-eval", getFCV + ".featureCompatibilityVersion.version"}, &ctlOut, &ctlErr); code != 0 || !strings.HasSuffix(strings.TrimSpace(ctlOut.String()), "\n6.0") || !strings.Contains(ctlOut.String(), "Using MongoDB:\t\t6.0.13") {
		t.Errorf("appsmithctl mongo-eval: %d %q %q", code, ctlOut.String(), ctlErr.String())
	}

	r.shutdown()
	if _, errs, code := sh(t, l, testDBURL, "--eval", getFCV); code == 0 || !strings.Contains(errs, "ECONNREFUSED") {
		t.Errorf("mongod stopped: %d %q", code, errs)
	}
}

func TestMongoshFCVConfirmOnMongo7(t *testing.T) {
	l, _ := startMongo(t, "v2.2.0", spec.Config{}) // MongoDB 7.0 at FCV 7.0
	refused(t, l, `db.adminCommand({setFeatureCompatibilityVersion: "6.0"})`, "re-run this command with 'confirm: true'")
	refused(t, l, `db.adminCommand({setFeatureCompatibilityVersion: "5.0", confirm: true})`, "Invalid feature compatibility version value '5.0'")
	eval(t, l, `db.adminCommand({setFeatureCompatibilityVersion: "6.0", confirm: true})`)
	refused(t, l, `db.adminCommand({setFeatureCompatibilityVersion: "7.0"})`, "Once you have upgraded to 7.0")
	eval(t, l, `db.adminCommand({setFeatureCompatibilityVersion: "7.0", confirm: true})`)
	if st := readState(t, l); st.FCV != "7.0" {
		t.Errorf("FCV %s", st.FCV)
	}
}

// seed inserts n documents into appsmith.<coll> in batches, as tests do.
func seed(t *testing.T, l layout, coll string, n int) {
	t.Helper()
	for done := 0; done < n; {
		batch := min(200, n-done)
		docs := make([]string, batch)
		for i := range docs {
			docs[i] = fmt.Sprintf(`{name: "doc %d", i: %d, tags: ["a", 'b'], nested: {ok: true}}`, done+i, done+i)
		}
		eval(t, l, "db."+coll+".insertMany(["+strings.Join(docs, ",")+"])")
		done += batch
	}
}

func count(t *testing.T, l layout, coll string) string {
	t.Helper()
	return eval(t, l, "db.getSiblingDB('appsmith').getCollection('"+coll+"').countDocuments({})")
}

func TestSeedAndCount(t *testing.T) {
	l, _ := startMongo(t, "v1.9.2", spec.Config{})
	if got := count(t, l, "users"); got != "0" {
		t.Errorf("empty collection counts %q", got)
	}
	seed(t, l, "users", 450)
	if got := eval(t, l, `db.users.insertOne({_id: "fixed", email: "a@b.c"})`); got != "{ acknowledged: true, insertedId: 'fixed' }" {
		t.Errorf("insertOne printed %q", got)
	}
	refused(t, l, `db.users.insertOne({_id: "fixed"})`, "E11000 duplicate key error")
	if got := count(t, l, "users"); got != "451" {
		t.Errorf("count = %q, want 451", got)
	}
	if got := eval(t, l, "db.getCollectionNames()"); got != "[ 'users' ]" {
		t.Errorf("collections %q", got)
	}
	// The documents are on disk: they outlive a restart of mongod.
	if out, code := ctl(t, l, "stop", "mongodb"); code != 0 {
		t.Fatalf("stop mongodb: %d %s", code, out)
	}
	refused(t, l, "db.users.countDocuments()", "ECONNREFUSED")
	if out, code := ctl(t, l, "start", "mongodb"); code != 0 {
		t.Fatalf("start mongodb: %d %s", code, out)
	}
	if got := count(t, l, "users"); got != "451" {
		t.Errorf("count after a mongod restart = %q, want 451", got)
	}
	refused(t, l, "db.users.find()", "unsupported method")
	refused(t, l, "db.users.countDocuments({i: 1})", "without a filter")
}

func dump(t *testing.T, l layout, args ...string) []byte {
	t.Helper()
	var out, errb bytes.Buffer
	if code := mongodump(l, append([]string{"--uri=" + testDBURL}, args...), &out, &errb); code != 0 {
		t.Fatalf("mongodump %v: exit %d: %s", args, code, errb.String())
	}
	return out.Bytes()
}

func restore(l layout, archive []byte, args ...string) (int, string) {
	var errb bytes.Buffer
	code := mongorestore(l, append([]string{"--uri", testDBURL}, args...), bytes.NewReader(archive), &errb)
	return code, errb.String()
}

func TestDumpRestoreRoundTrip(t *testing.T) {
	src, _ := startMongo(t, "v1.9.2", spec.Config{})
	seed(t, src, "users", 300)
	seed(t, src, "applications", 20)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"plain", []string{"--archive"}},
		{"gzip", []string{"--archive", "--gzip"}},
		{"gzip oplog", []string{"--archive=-", "--gzip", "--oplog", fullDump}},
	} {
		t.Run(c.name, func(t *testing.T) {
			archive := dump(t, src, c.args...)
			gz := bytes.HasPrefix(archive, []byte{0x1f, 0x8b})
			if wantGz := strings.Contains(strings.Join(c.args, " "), "--gzip"); gz != wantGz {
				t.Errorf("gzip magic %v, want %v", gz, wantGz)
			}
			dst, _ := startMongo(t, "v1.9.2", spec.Config{})
			seed(t, dst, "users", 5) // other data: kept without --drop, replaced with it
			rargs := []string{"--archive", "--drop"}
			if gz {
				rargs = append(rargs, "--gzip")
			}
			if code, errs := restore(dst, archive, rargs...); code != 0 || !strings.Contains(errs, "320 document(s) restored successfully. 0 document(s) failed") {
				t.Fatalf("mongorestore: %d %s", code, errs)
			}
			if got := count(t, dst, "users") + "/" + count(t, dst, "applications"); got != "300/20" {
				t.Errorf("restored counts %s, want 300/20", got)
			}
			// Again without --drop: every document is a duplicate.
			noDrop := []string{"--archive"}
			if gz {
				noDrop = append(noDrop, "--gzip")
			}
			if code, errs := restore(dst, archive, noDrop...); code != 0 || !strings.Contains(errs, "0 document(s) restored successfully. 320 document(s) failed") {
				t.Errorf("restore over the same data: %d %s", code, errs)
			}
			if got := count(t, dst, "users"); got != "300" {
				t.Errorf("users after a second restore = %s", got)
			}
		})
	}
}

func TestRestoreCarriesTheAppsmithVersion(t *testing.T) {
	src, _ := startMongo(t, "v1.9.2", spec.Config{})
	archive := dump(t, src, "--archive", "--gzip")
	dst, _ := startMongo(t, "v1.8.15", spec.Config{})
	if code, errs := restore(dst, archive, "--archive", "--gzip", "--drop"); code != 0 {
		t.Fatalf("restore: %s", errs)
	}
	if st := readState(t, dst); st.AppsmithVersion != "v1.9.2" {
		t.Errorf("last started version after restore = %q, want v1.9.2 (the checkpoint lives in the database)", st.AppsmithVersion)
	}
}

func TestRestoreRefusesDamagedArchives(t *testing.T) {
	src, _ := startMongo(t, "v1.9.2", spec.Config{})
	seed(t, src, "users", 100)
	plain := dump(t, src, "--archive")
	gz := dump(t, src, "--archive", "--gzip")
	lastLine := bytes.LastIndexByte(plain[:len(plain)-1], '\n') + 1
	flipped := bytes.Clone(plain)
	flipped[len(flipped)/2] ^= 0x01

	dst, _ := startMongo(t, "v1.9.2", spec.Config{})
	seed(t, dst, "users", 7)
	cases := []struct {
		name    string
		archive []byte
		args    []string
	}{
		{"half", plain[:len(plain)/2], nil},
		{"without trailer", plain[:lastLine], nil},
		{"one byte short", plain[:len(plain)-1], nil},
		{"one bit flipped", flipped, nil},
		{"gzip half", gz[:len(gz)/2], []string{"--gzip"}},
		{"gzip one byte short", gz[:len(gz)-1], []string{"--gzip"}},
		{"gzip without --gzip", gz, nil},
		{"plain with --gzip", plain, []string{"--gzip"}},
		{"empty", nil, nil},
		{"oplogReplay without oplog", plain, []string{"--oplogReplay"}},
		{"unterminated line", append(bytes.Clone(plain[:lastLine]), "D {\"_id\":1}"...), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, errs := restore(dst, c.archive, append([]string{"--archive", "--drop"}, c.args...)...)
			if code == 0 || !strings.Contains(errs, "Failed:") {
				t.Errorf("exit %d, want a refusal:\n%s", code, errs)
			}
			if got := count(t, dst, "users"); got != "7" {
				t.Errorf("a refused restore changed the data: %s documents, want 7", got)
			}
		})
	}
	entries, _ := os.ReadDir(dst.stacks("data", "mongodb", "standin-docs"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("staging left behind: %s", e.Name())
		}
	}
}

// With --oplog a dump taken while the application writes is one point in
// time; without, each collection is read when the dump reaches it, as the
// real tool does. The dump is held mid-stream (its reader stops reading)
// inside a collection larger than the socket buffers, the application writes
// to a collection the dump has not reached yet, then the dump goes on.
func TestDumpWhileWriting(t *testing.T) {
	l, _ := startMongo(t, "v1.9.2", spec.Config{})
	seed(t, l, "bulk", 5000) // ~500 KB: the server blocks writing it
	seed(t, l, "events", 10)
	for _, oplog := range []bool{true, false} {
		before, _ := strconv.Atoi(count(t, l, "events"))
		conn, err := dialMongo(l, mongoRequest{Op: "dump", User: "appsmith", Pass: "s3cret", Oplog: oplog})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.reply(); err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 4096)
		if _, err := io.ReadFull(conn.br, head); err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(head, []byte(`C {"ns":"appsmith.bulk"}`)) {
			t.Fatalf("the dump is not inside the bulk collection yet:\n%s", head)
		}
		seed(t, l, "events", 7)
		rest, err := io.ReadAll(conn.br)
		conn.c.Close()
		if err != nil {
			t.Fatal(err)
		}
		n := perNS(t, append(head, rest...))
		want := before
		if !oplog {
			want += 7
		}
		if n["appsmith.events"] != want || n["appsmith.bulk"] != 5000 {
			t.Errorf("oplog %v: archive holds %v, want %d events", oplog, n, want)
		}
	}
	archive := dump(t, l, "--archive", "--oplog", fullDump)
	dst, _ := startMongo(t, "v1.9.2", spec.Config{})
	if code, errs := restore(dst, archive, "--archive", "--oplogReplay"); code != 0 {
		t.Fatalf("restore --oplogReplay: %s", errs)
	}
	if got := count(t, dst, "events"); got != "24" {
		t.Errorf("restored %s events, want 24", got)
	}
}

// perNS counts the documents of each collection of an archive.
func perNS(t *testing.T, archive []byte) map[string]int {
	t.Helper()
	ar, err := newArchiveReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	ns := ""
	for {
		tag, body, err := ar.next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tag {
		case 'C':
			ns = string(body)
		case 'D':
			n[ns]++
		}
	}
}

func TestDumpToFileAndRefusals(t *testing.T) {
	l, r := startMongo(t, "v1.9.2", spec.Config{})
	seed(t, l, "users", 3)
	file := filepath.Join(t.TempDir(), "mongodb-data.gz")
	dump(t, l, "--archive="+file, "--gzip")
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("archive file is not gzip: %v", err)
	}
	zr.Close()
	f.Close()
	var o, e bytes.Buffer
	if code := mongodump(l, []string{"--uri=" + testDBURL, "--db=appsmith", "--oplog", "--archive"}, &o, &e); code == 0 || !strings.Contains(e.String(), "--oplog mode only supported on full dumps") {
		t.Errorf("--oplog with --db: %d %s", code, e.String())
	}
	e.Reset()
	if code := mongodump(l, []string{"--uri=" + testDBURL}, &o, &e); code == 0 || !strings.Contains(e.String(), "--archive") {
		t.Errorf("without --archive: %d %s", code, e.String())
	}
	r.shutdown()
	e.Reset()
	if code := mongodump(l, []string{"--uri=" + testDBURL, "--archive"}, &o, &e); code == 0 || !strings.Contains(e.String(), "connection refused") && !strings.Contains(e.String(), "ECONNREFUSED") {
		t.Errorf("mongod stopped: %d %s", code, e.String())
	}
	e.Reset()
	if code := mongorestore(l, []string{"--archive=" + file, "--gzip"}, nil, &e); code == 0 || !strings.Contains(e.String(), "ECONNREFUSED") {
		t.Errorf("restore with mongod stopped: %d %s", code, e.String())
	}
}

// A release that corrupts the data on start: the old tag alone does not
// bring the instance back, the old tag with the pre-upgrade data does.
func TestCorruptOnStart(t *testing.T) {
	for _, local := range []bool{true, false} {
		t.Run(fmt.Sprintf("local mongo %v", local), func(t *testing.T) {
			l := newRoot(t)
			if local {
				writeMongoEnv(t, l)
			}
			r := runOn(t, l, "v1.9.2", spec.Config{})
			if local {
				seed(t, l, "users", 10)
			}
			r.shutdown()
			saved := filepath.Join(t.TempDir(), "stacks")
			if err := os.CopyFS(saved, os.DirFS(l.stacks())); err != nil {
				t.Fatal(err)
			}

			setImage(t, l, "v1.9.38", spec.Config{Fault: spec.FaultCorruptOnStart, BootDelay: "0s"})
			bad := startApp(t, l)
			if code := bad.exit(); code == 0 || !strings.Contains(bad.out.String(), "corrupt") {
				t.Fatalf("faulty release: exit %d:\n%s", code, bad.out)
			}
			setImage(t, l, "v1.9.2", spec.Config{BootDelay: "0s"})
			back := startApp(t, l)
			if code := back.exit(); code == 0 {
				t.Fatalf("the old tag started on corrupted data:\n%s", back.out)
			}

			if err := os.RemoveAll(l.stacks()); err != nil {
				t.Fatal(err)
			}
			if err := os.CopyFS(l.stacks(), os.DirFS(saved)); err != nil {
				t.Fatal(err)
			}
			runOn(t, l, "v1.9.2", spec.Config{})
			if local {
				if got := count(t, l, "users"); got != "10" {
					t.Errorf("after the rollback with data: %s users", got)
				}
			}
		})
	}
}

// A generated benchmark tree is data the stand-in opens and counts.
func TestGeneratedStacksOpen(t *testing.T) {
	l := newRoot(t)
	if _, err := stacksgen.Generate(l.stacks(), stacksgen.Options{Size: 1 << 20, Seed: 3, Version: "v1.9.2"}); err != nil {
		t.Fatal(err)
	}
	runOn(t, l, "v1.9.38", spec.Config{})
	var out, errb bytes.Buffer
	if code := appsmithctl(l, []string{"mongo-eval", "db.users.countDocuments()"}, &out, &errb); code != 0 || !strings.HasSuffix(strings.TrimSpace(out.String()), fmt.Sprint("\n", stacksgen.SeedUsers)) {
		t.Errorf("count on generated data: %d %q %q", code, out.String(), errb.String())
	}
	if st := readState(t, l); st.FCV != "5.0" || st.AppsmithVersion != "v1.9.38" {
		t.Errorf("state after upgrading generated data: %+v", st)
	}
}
