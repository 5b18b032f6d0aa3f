package tui

import (
	"context"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/appsmith-install/appsmith-install/install"
	"github.com/appsmith-install/appsmith-install/internal/instance"
)

// existingObservation is an instance already running in the directory.
func existingObservation() *install.Observation {
	obs := &install.Observation{Ready: &instance.ReadyInfo{Version: "v1.99"}}
	// The container type belongs to the Docker layer, which this package
	// does not import; the test fills it by field name.
	c := reflect.New(reflect.TypeOf(obs).Elem().FieldByIndex(fieldIndex(obs, "Container")).Type.Elem())
	for k, v := range map[string]string{"Name": "appsmith", "State": "running", "Health": "healthy", "Image": "appsmith/appsmith-ee:v1.99"} {
		c.Elem().FieldByName(k).SetString(v)
	}
	c.Elem().FieldByName("Running").SetBool(true)
	reflect.ValueOf(obs).Elem().FieldByName("Container").Set(c)
	return obs
}

func fieldIndex(v any, name string) []int {
	f, _ := reflect.TypeOf(v).Elem().FieldByName(name)
	return f.Index
}

// TestWizardExistingInstance: an installed instance is offered its status
// or quitting. No upgrade: this build has no command that does one, so
// offering it could only end in "not available".
func TestWizardExistingInstance(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sz.String(), func(t *testing.T) {
			f := newFake()
			f.obs = existingObservation()
			w := newWalk(t, f, install.Defaults(), sz)
			got := frame(t, w.tm, "already installed", "> Show its status")
			w.golden("1-existing", got)
			for _, bad := range []string{"pgrade", "backup"} {
				if strings.Contains(got, bad) {
					t.Errorf("the existing-instance screen offers %q:\n%s", bad, got)
				}
			}
			w.tm.Send(down)
			frame(t, w.tm, "> Quit")
			w.tm.Send(down) // wraps around: two entries only
			frame(t, w.tm, "> Show its status")
			w.tm.Send(down)
			frame(t, w.tm, "> Quit")
			w.tm.Send(enter)
			if m := w.result(); m.result.Action != ActionQuit || m.result.Confirmed {
				t.Errorf("result %+v", m.result)
			}
		})
	}
}

// TestWizardExistingStatusNamesDir: the status command shown for an
// install outside the default directory carries its --dir.
func TestWizardExistingStatusNamesDir(t *testing.T) {
	f := newFake()
	f.obs = existingObservation()
	o := install.Defaults()
	o.Dir = "/srv/appsmith"
	w := newWalk(t, f, o, sizes[0])
	frame(t, w.tm, "> Show its status", "appsmith status --dir /srv/appsmith")
}

func TestWizardExistingStatus(t *testing.T) {
	f := newFake()
	f.obs = existingObservation()
	w := newWalk(t, f, install.Defaults(), sizes[0])
	frame(t, w.tm, "> Show its status")
	w.tm.Send(enter)
	if r := w.result().result; r.Action != ActionStatus || r.Confirmed {
		t.Errorf("result %+v", r)
	}
}

// TestWizardBack: esc goes back a screen and nothing typed is lost; the
// checks run again for the answers so far.
func TestWizardBack(t *testing.T) {
	sz := sizes[0]
	f := newFake()
	w := newWalk(t, f, install.Defaults(), sz)
	w.toNetwork()
	w.set("8081")
	w.next("HTTPS port")
	w.tm.Send(shiftTab)
	focus(t, w.tm, "HTTP port", "> 8081")
	w.tm.Send(esc)
	frame(t, w.tm, "ports 8081 and 443 are free")
	w.next("Install directory")
	w.next("Edition")
	w.next("Version")
	w.next("HTTP port", "> 8081")
	w.next("HTTPS port")
	w.next("TLS")
	w.next("Custom CA roots")
	w.next("External database URL")
	w.next("Embedded database")
	w.next("External Redis URL")
	w.next("Send anonymous usage data")
	w.tm.Send(enter)
	frame(t, w.tm, "Ready to install", "http 8081")
	w.tm.Send(esc)
	focus(t, w.tm, "Install directory")
	w.tm.Type("q") // types into the directory: q quits only where nothing is typed
	frame(t, w.tm, "> /opt/appsmithq")
}

// TestWizardResize: a resize re-lays the current screen out at once.
func TestWizardResize(t *testing.T) {
	f := newFake()
	w := newWalk(t, f, install.Defaults(), sizes[0])
	frame(t, w.tm, "✓ disk")
	w.tm.Send(tea.WindowSizeMsg{Width: 60, Height: 14})
	w.sz = size{60, 14}
	w.golden("checks-60x14", frame(t, w.tm, "↓ more"))
	w.tm.Send(press(tea.KeyDown))
	w.tm.Send(press(tea.KeyDown))
	w.golden("checks-60x14-scrolled", frame(t, w.tm, "✓ ports"))
	w.next("Install directory")
	w.golden("options-60x14", frame(t, w.tm, "Install directory"))
	w.tm.Send(tea.WindowSizeMsg{Width: 120, Height: 40})
	w.sz = size{120, 40}
	w.golden("options-120x40", frame(t, w.tm, "v1.9.2"))
}

// TestWizardCtrlC: Ctrl-C asks once; the second one cancels the wizard.
func TestWizardCtrlC(t *testing.T) {
	w := newWalk(t, newFake(), install.Defaults(), sizes[0])
	frame(t, w.tm, "✓ disk")
	w.tm.Send(ctrlC)
	frame(t, w.tm, "Press Ctrl-C again")
	w.tm.Send(ctrlC)
	m := w.result()
	if m.err != context.Canceled {
		t.Errorf("err %v, want context.Canceled", m.err)
	}
	if got := m.render(); got != "Cancelled: nothing was changed.\n" {
		t.Errorf("last frame %q", got)
	}
}
