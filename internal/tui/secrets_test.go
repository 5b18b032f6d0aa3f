package tui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/appsmith-install/appsmith-install/install"
)

func TestSplitJoinPassword(t *testing.T) {
	for _, c := range []struct{ raw, rest, pass string }{
		{"postgresql://app:s3cret@db:5432/appsmith?sslmode=require", "postgresql://app@db:5432/appsmith?sslmode=require", "s3cret"},
		{"mongodb://app:p%40ss%2Fw@h1:27017,h2:27017/appsmith", "mongodb://app@h1:27017,h2:27017/appsmith", "p@ss/w"},
		{"redis://:hunter2@cache:6379", "redis://@cache:6379", "hunter2"},
		{"redis://cache:6379", "redis://cache:6379", ""},
		{"mongodb://app@db/appsmith", "mongodb://app@db/appsmith", ""},
	} {
		rest, pass := splitPassword(c.raw)
		if rest != c.rest || pass != c.pass {
			t.Errorf("splitPassword(%q) = %q, %q; want %q, %q", c.raw, rest, pass, c.rest, c.pass)
		}
		if got := joinPassword(rest, pass); got != c.raw {
			t.Errorf("joinPassword(%q, %q) = %q; want %q", rest, pass, got, c.raw)
		}
	}
	if got := joinPassword("postgresql://app:old@db/x", "n:w@"); got != "postgresql://app:n%3Aw%40@db/x" {
		t.Errorf("a typed password replaces the URL's, encoded: %q", got)
	}
}

// TestWizardPasswordMasked: a typed database password is masked as it is
// typed and never appears in anything the wizard draws, yet it reaches the
// options; a password that came with the URL (environment, flag) is split
// out of the URL field the same way.
func TestWizardPasswordMasked(t *testing.T) {
	const typed, given = "Typed-s3cret", "Given-s3cret"
	t.Run("typed", func(t *testing.T) {
		w := newWalk(t, newFake(), install.Defaults(), sizes[1])
		w.toTLS(0)
		w.next("Custom CA roots")
		w.next("External database URL")
		w.set("postgresql://appsmith@db.internal:5432/appsmith")
		w.next("Database password", "Hidden as you type")
		w.tm.Type(typed)
		w.golden("1-masked", focus(t, w.tm, "Database password", "> "+strings.Repeat("*", len(typed))))
		w.next("External Redis URL")
		w.next("Send anonymous usage data")
		w.tm.Send(enter)
		w.golden("2-summary", frame(t, w.tm, "Ready to install", "external: postgresql://appsmith:xxxxx@db.internal:5432/appsmith"))
		w.tm.Send(enter)
		if o := w.result().result.Options; o.DBURL != "postgresql://appsmith:"+typed+"@db.internal:5432/appsmith" {
			t.Errorf("db url %q", o.DBURL)
		}
		noSecret(t, w.tm, typed)
	})
	t.Run("given", func(t *testing.T) {
		o := install.Defaults()
		o.DBURL = "postgresql://appsmith:" + given + "@db.internal:5432/appsmith"
		w := newWalk(t, newFake(), o, sizes[0])
		w.toTLS(0)
		w.next("Custom CA roots")
		w.next("External database URL", "> postgresql://appsmith@db.internal:5432/appsmith")
		w.next("Database password", "> "+strings.Repeat("*", len(given)))
		w.next("External Redis URL")
		w.next("Send anonymous usage data")
		w.tm.Send(enter)
		frame(t, w.tm, "Ready to install")
		w.tm.Send(enter)
		if got := w.result().result.Options.DBURL; got != o.DBURL {
			t.Errorf("db url %q, want %q", got, o.DBURL)
		}
		noSecret(t, w.tm, given)
	})
	t.Run("in-the-url", func(t *testing.T) {
		w := newWalk(t, newFake(), install.Defaults(), sizes[0])
		w.toTLS(0)
		w.next("Custom CA roots")
		w.next("External database URL")
		w.set("postgresql://appsmith:pw@db.internal:5432/appsmith")
		focus(t, w.tm, "External database URL", "⚠ this field shows what is typed")
	})
}

// noSecret ends the program and checks that nothing it wrote held secret.
func noSecret(t *testing.T, tm *teatest.TestModel, secret string) {
	t.Helper()
	b, err := io.ReadAll(tm.FinalOutput(t, teatest.WithFinalTimeout(5*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if len(b) == 0 || bytes.Contains(b, []byte(secret)) {
		t.Errorf("the secret was drawn (or nothing was: %d bytes)", len(b))
	}
}

// TestAccessiblePassword: line mode asks the password apart from the URL,
// and never writes it.
func TestAccessiblePassword(t *testing.T) {
	const secret = "Line-s3cret"
	answers := strings.Join([]string{"", "", "", "", "", "", // directory … TLS: keep
		"",                                  // CA roots
		"postgresql://appsmith@db/appsmith", // database URL
		secret,                              // its password
		"", "",                              // redis, telemetry
		"1", // install
	}, "\n") + "\n"
	var out bytes.Buffer
	r, err := RunWizard(context.Background(), strings.NewReader(answers), &out, install.Defaults(), newFake().env(), WizardOptions{Accessible: true})
	if err != nil || r.Options.DBURL != "postgresql://appsmith:"+secret+"@db/appsmith" {
		t.Fatalf("result %+v, err %v\n%s", r, err, out.String())
	}
	if s := out.String(); strings.Contains(s, secret) || !strings.Contains(s, "Database password") {
		t.Errorf("line mode transcript:\n%s", s)
	}
}
