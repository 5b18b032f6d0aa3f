package install

import (
	"strings"
	"testing"
)

func TestPostgresSchemeIsWrittenAsPostgresql(t *testing.T) {
	o := Defaults()
	o.Dir = t.TempDir() + "/a"
	o.DBURL = "postgres://appsmith:pw@db.example.com:5432/appsmith"
	n, err := o.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if n.DBURL != "postgresql://appsmith:pw@db.example.com:5432/appsmith" || len(n.Notes) != 1 || !strings.Contains(n.Notes[0], "postgresql://") {
		t.Errorf("got %q, notes %v", n.DBURL, n.Notes)
	}
	o.DBURL = "postgresql://a:b@db/x"
	if n, _ := o.Normalize(); n.DBURL != o.DBURL || len(n.Notes) != 0 {
		t.Errorf("a postgresql URL changed: %q %v", n.DBURL, n.Notes)
	}
}

func TestHTTPSPortWarning(t *testing.T) {
	if HTTPSPortWarning("", 8443) != "" || HTTPSPortWarning("a.example.com", 443) != "" {
		t.Error("warned with no domain, or on 443")
	}
	if w := HTTPSPortWarning("a.example.com", 8443); !strings.Contains(w, "8443") || !strings.Contains(w, "https://a.example.com/") {
		t.Errorf("warning %q", w)
	}
}
