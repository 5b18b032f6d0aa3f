package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/appsmith-install/appsmith-install/install"
)

// TestWizardImageGiven: --image fixes the edition and version, so the
// wizard shows the image and asks neither; the summary shows the image and
// no "latest, ee edition" it would then ignore.
func TestWizardImageGiven(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.String(), func(t *testing.T) {
			o := install.Defaults()
			o.Image = "registry.example.com/appsmith/appsmith-ce:v1.9.2"
			w := newWalk(t, newFake(), o, sz)
			w.golden("1-checked", frame(t, w.tm, "✓ disk", "appsmith-ce:v1.9.2"))
			got := w.next("Install directory", "Image", "Given with --image")
			w.golden("2-options-appsmith", got)
			for _, bad := range []string{"Edition", "Version"} {
				if strings.Contains(got, bad) {
					t.Errorf("the options ask %q although --image fixes it:\n%s", bad, got)
				}
			}
			w.next("HTTP port") // the next question after the directory
			for _, title := range []string{"HTTPS port", "TLS", "Custom CA roots", "External database URL", "Embedded database", "External Redis URL", "Send anonymous usage data"} {
				w.next(title)
			}
			w.tm.Send(enter)
			sum := frame(t, w.tm, "Ready to install", "Image      registry.example.com/appsmith/appsmith-ce:v1.9.2")
			w.golden("3-summary", sum)
			// (the steps below come from the fake's fixed plan)
			if shown, _, _ := strings.Cut(sum, "What will happen"); strings.Contains(shown, "latest") || strings.Contains(shown, "edition") {
				t.Errorf("the summary shows an edition or version the image overrides:\n%s", sum)
			}
			w.tm.Send(enter)
			if r := w.result().result; r.Options.Image != o.Image || r.Options.Version != o.Version || r.Options.Edition != o.Edition {
				t.Errorf("result options %+v", r.Options)
			}
		})
	}
}

// TestAccessibleImageGiven: line mode asks neither edition nor version
// when --image is given.
func TestAccessibleImageGiven(t *testing.T) {
	o := install.Defaults()
	o.Image = "registry.example.com/appsmith/appsmith-ce:v1.9.2"
	answers := strings.Repeat("\n", 9) + "1\n" // every answer kept; then install
	var out bytes.Buffer
	r, err := RunWizard(context.Background(), strings.NewReader(answers), &out, o, newFake().env(), WizardOptions{Accessible: true})
	if err != nil || !r.Confirmed || r.Options.Image != o.Image {
		t.Fatalf("result %+v, err %v\n%s", r, err, out.String())
	}
	s := out.String()
	if strings.Contains(s, "Edition") || strings.Contains(s, "Version") {
		t.Errorf("line mode asks for what --image fixes:\n%s", s)
	}
	if !strings.Contains(s, "Image: "+o.Image) {
		t.Errorf("line mode does not show the image:\n%s", s)
	}
}

// TestWizardUnlistedVersion: a version the registry does not list is
// flagged as soon as it is the answer, not when the pull fails.
func TestWizardUnlistedVersion(t *testing.T) {
	o := install.Defaults()
	o.Version = "v1.5.7"
	w := newWalk(t, newFake(), o, sizes[1])
	w.toOptions()
	w.next("Edition")
	w.golden("flagged", w.next("Version", "v1.5.7 is not in the registry's list of releases, the newest is v1.100"))
	w.tm.Send(press(tea.KeyUp))
	frame(t, w.tm, "> latest", "!v1.5.7 is not in the registry's list")
}

// TestAccessibleUnlistedVersion: in line mode a typed version the registry
// does not list is flagged right after it is typed.
func TestAccessibleUnlistedVersion(t *testing.T) {
	answers := "\n\nv1.5.7\n" + strings.Repeat("\n", 3) + "\n\n\n\n4\n" // keep the rest, quit
	var out bytes.Buffer
	_, _ = RunWizard(context.Background(), strings.NewReader(answers), &out, install.Defaults(), newFake().env(), WizardOptions{Accessible: true})
	s := out.String()
	i, j := strings.Index(s, "Version [latest]"), strings.Index(s, "v1.5.7 is not in the registry's list")
	if i < 0 || j < i || strings.Contains(s[i:j], "Custom CA") {
		t.Errorf("the unlisted version is not flagged right after the first page:\n%s", s)
	}
}

// TestAccessibleChoosesTheEmbeddedDatabase: the wizard asks which embedded
// database (without an external URL), gives it as --db, and its summary
// names it.
func TestAccessibleChoosesTheEmbeddedDatabase(t *testing.T) {
	o := install.Defaults()
	o.Image = "registry.example.com/appsmith/appsmith-ce:v2.0.1"
	answers := strings.Repeat("\n", 6) + "3\n" + "\n\n" + "1\n" // MongoDB; the rest kept; install
	var out bytes.Buffer
	r, err := RunWizard(context.Background(), strings.NewReader(answers), &out, o, newFake().env(), WizardOptions{Accessible: true})
	if err != nil || !r.Confirmed || r.Options.DB != "embedded-mongodb" || r.Options.DBURL != "" {
		t.Fatalf("result %+v, err %v\n%s", r, err, out.String())
	}
	if !strings.Contains(out.String(), "Database   embedded MongoDB") {
		t.Errorf("the summary does not name the chosen database:\n%s", out.String())
	}
}
