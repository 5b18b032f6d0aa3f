package main

import "testing"

// extract_postgres_db_params: the parts of the URL, port 5432 when absent.
func TestParsePGURL(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want pgParams
		ok   bool
	}{
		{"postgresql://appsmith:p%40ss@localhost:5432/appsmith", pgParams{"appsmith", "p@ss", "localhost", "5432", "appsmith"}, true},
		{"postgresql://appsmith:pw@127.0.0.1/appsmith", pgParams{"appsmith", "pw", "127.0.0.1", "5432", "appsmith"}, true},
		{"postgresql://localhost:5432/appsmith", pgParams{}, false},
		{"postgresql://appsmith:pw@localhost:5432", pgParams{}, false},
	} {
		got, err := parsePGURL(c.raw)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("parsePGURL(%q) = %+v, %v; want %+v (ok %v)", c.raw, got, err, c.want, c.ok)
		}
	}
}

// Values reach psql as SQL literals and identifiers that cannot be broken out of.
func TestPGQuoting(t *testing.T) {
	if got := pgLiteral(`it's`); got != `'it''s'` {
		t.Errorf("pgLiteral: %s", got)
	}
	if got := pgIdent(`a"b`); got != `"a""b"` {
		t.Errorf("pgIdent: %s", got)
	}
}

// Without postgresql-15 in the image (every FROM-scratch stand-in image),
// the imitation runs: the image decides, nothing else.
func TestRealPostgresOnlyWithTheBinary(t *testing.T) {
	l := newRoot(t)
	if l.hasRealPostgres() {
		t.Fatal("a root without postgresql-15 counts as having it")
	}
	code, out := startVersion(t, l, "v2.0.1")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
