package kube

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/appsmith-install/appsmith-install/internal/testenv"
)

// The release's MongoDB (the chart's subchart or the user's; here a
// stand-in's, which the pod's exec reaches) is asked through the pod
// before anything changes, as a host's external MongoDB is: a server
// older than a hop needs refuses the upgrade with nothing changed (no
// snapshot, no revision); data a MongoDB 4.4 → 5.0 upgrade left at FCV 4.4
// get FCV 5.0 set before the hop onto v1.9.2 (which crash-loops on 4.4),
// and the three hops through the checkpoints run on it.
func TestUpgradeAsksTheMongoDBThroughExec(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cli := testenv.RequireEngine(t)
	e.reg.RemoveFromEngineOnCleanup(t, cli)

	// MongoDB 4.4 (v1.8.15's): v1.9.2 and later need 5.0.
	old := e.hostInstall("v1.8.15")
	e.k.BackExec(t, e.ns, podName, old.id)
	e.installBacked(old, "v1.8.15")
	r := e.run("upgrade", "v2.0.1", "--plan", "--json")
	var p struct {
		Database string `json:"database"`
		Refused  string `json:"refused"`
		Mongo    struct {
			Server, FCV, Version string
		} `json:"mongo"`
		Hops []struct {
			To  string `json:"to"`
			Pre []struct {
				Kind, FCV string
			} `json:"pre"`
		} `json:"hops"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(r.out), &p); err != nil || r.code != 0 {
		t.Fatalf("upgrade --plan --json: %v\n%s", err, r)
	}
	if p.Database != "external-mongodb" || p.Mongo.Server != "4.4" || !strings.Contains(p.Refused, "needs 5.0") {
		t.Errorf("plan on MongoDB 4.4: %+v", p)
	}
	r = e.run("upgrade", "v2.0.1", "--yes", "--timeout", "2m")
	if r.code != 3 || !strings.Contains(r.errOut, "runs 4.4") || !strings.Contains(r.errOut, "v1.9.2 needs 5.0") {
		t.Fatalf("upgrade on MongoDB 4.4: want exit 3 naming both versions:\n%s", r)
	}
	if n := len(e.history()); n != 1 {
		t.Errorf("a refused upgrade made revision %d", n)
	}
	if snaps, _ := filepath.Glob(filepath.Join(e.dir, "backups", "*")); len(snaps) != 0 {
		t.Errorf("a refused upgrade took a snapshot: %v", snaps)
	}

	// The operator moves the data to MongoDB 5.0 and leaves its FCV at
	// 4.4, as MongoDB's upgrade does until told otherwise: a v1.9.2
	// stand-in's MongoDB (5.0) at FCV 4.4, the release's URL pointed at it.
	// Its image has the Debian userland (GNU tar) the snapshot's copy of
	// the claim runs in the pod, as Appsmith's image has.
	e.reg.Push(t, testenv.Image{Repo: "appsmith/appsmith-ce", Tag: "v1.9.2", RealPostgres: true})
	cur := e.hostInstall("v1.9.2")
	testenv.MongoEval(t, cli, cur.id, `db.adminCommand({setFeatureCompatibilityVersion: "4.4"})`)
	testenv.SeedDocuments(t, cli, cur.id, "fcvseed", 50)
	e.k.BackExec(t, e.ns, podName, cur.id)
	s, err := e.cs.CoreV1().Secrets(e.ns).Get(t.Context(), secretName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Data["APPSMITH_DB_URL"] = []byte(cur.env(t).DBURL())
	if _, err := e.cs.CoreV1().Secrets(e.ns).Update(t.Context(), s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	r = e.must(e.run("upgrade", "v2.0.1", "--plan", "--json"), "upgrade --plan --json")
	p.Refused, p.Hops, p.Notes = "", nil, nil
	if err := json.Unmarshal([]byte(r.out), &p); err != nil {
		t.Fatal(err)
	}
	var pre []string
	for _, h := range p.Hops {
		for _, s := range h.Pre {
			pre = append(pre, h.To+":"+s.Kind+"="+s.FCV)
		}
	}
	if p.Refused != "" || p.Mongo.Server != "5.0" || p.Mongo.FCV != "4.4" || strings.Join(pre, " ") != "v1.9.2:set-fcv=5.0" || len(p.Notes) < 2 {
		t.Errorf("plan on MongoDB 5.0 at FCV 4.4: %+v (steps %v)", p, pre)
	}
	r = e.must(e.run("upgrade", "v2.0.1", "--plan"), "upgrade --plan")
	contains(t, "upgrade --plan", r.out, "MongoDB 5.0", "featureCompatibilityVersion 4.4", "1. before: set MongoDB's featureCompatibilityVersion to 5.0",
		"3. helm upgrade to v2.0.1", "MongoDB 5.0 cannot have")
	if got := testenv.MongoEval(t, cli, cur.id, "db.adminCommand({getParameter: 1, featureCompatibilityVersion: 1}).featureCompatibilityVersion.version"); !strings.Contains(got, "4.4") {
		t.Fatalf("--plan changed the FCV to %s", got)
	}

	r = e.must(e.run("upgrade", "v2.0.1", "--yes", "--timeout", "2m", "--progress", "plain"), "upgrade v2.0.1")
	contains(t, "upgrade's stderr", r.errOut, "Set MongoDB's featureCompatibilityVersion to 5.0 before v1.9.2")
	if got := testenv.MongoEval(t, cli, cur.id, "db.adminCommand({getParameter: 1, featureCompatibilityVersion: 1}).featureCompatibilityVersion.version"); !strings.Contains(got, "5.0") {
		t.Errorf("FCV after the upgrade: %s, want 5.0", got)
	}
	hist := e.history()
	if len(hist) != 4 || tagOf(hist[3].Config) != "v2.0.1" {
		t.Fatalf("after the upgrade: %d revisions", len(hist))
	}
	if n := testenv.CountDocuments(t, cli, cur.id, "fcvseed"); n != 50 {
		t.Errorf("%d documents after the upgrade, want 50", n)
	}
	if snaps, _ := filepath.Glob(filepath.Join(e.dir, "backups", "appsmith-"+releaseName+"."+e.ns+"-*-v1.8.15.tar.zst")); len(snaps) != 1 {
		t.Errorf("want the MongoDB snapshot taken before the hops: %v", snaps)
	}
	e.noSecretLeaks(e.secret(), e.history())
}
