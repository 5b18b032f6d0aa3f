package dockerfake

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appsmith-install/appsmith-install/internal/docker"
)

// The fake stands in for the client: every method a consumer may declare
// from *docker.Client exists here with the same signature, so a new client
// method fails this test until the fake has it too.
func TestEngineHasEveryMethodOfTheClient(t *testing.T) {
	client := reflect.TypeOf((*docker.Client)(nil))
	fake := reflect.TypeOf((*Engine)(nil))
	for i := 0; i < client.NumMethod(); i++ {
		m := client.Method(i)
		f, ok := fake.MethodByName(m.Name)
		if !ok {
			t.Errorf("dockerfake.Engine lacks %s%s", m.Name, signature(m.Type))
			continue
		}
		if signature(f.Type) != signature(m.Type) {
			t.Errorf("dockerfake.Engine.%s is %s, the client's is %s", m.Name, signature(f.Type), signature(m.Type))
		}
	}
}

// signature is a method's type without its receiver.
func signature(t reflect.Type) string {
	var in, out []string
	for i := 1; i < t.NumIn(); i++ {
		in = append(in, t.In(i).String())
	}
	for i := 0; i < t.NumOut(); i++ {
		out = append(out, t.Out(i).String())
	}
	return "(" + strings.Join(in, ", ") + ") (" + strings.Join(out, ", ") + ")"
}

// tb records what the fake reports instead of failing this test.
type tb struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *tb) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestUnexpectedCallFailsTheTestNamingIt(t *testing.T) {
	rec := &tb{}
	e := New(rec)
	err := e.ContainerStop(context.Background(), "c0ffee", 90*time.Second)
	if err == nil || !strings.Contains(err.Error(), `unexpected call ContainerStop("c0ffee", 1m30s)`) {
		t.Fatalf("err %v", err)
	}
	if len(rec.errs) != 1 || rec.errs[0] != err.Error() {
		t.Fatalf("reported %q, want %q", rec.errs, err)
	}
	// The secrets an exec may carry in env stay out of the message.
	_, err = e.Exec(context.Background(), "c0ffee", []string{"mongosh", "--quiet"}, []string{"APPSMITH_DB_PASSWORD=s3cret"}, nil)
	if err == nil || !strings.Contains(err.Error(), `Exec("c0ffee", [mongosh --quiet])`) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err %v", err)
	}
}

// Readiness follows logs in a goroutine, where Fatalf would not stop the
// test: the fake reports with Errorf and returns the error to the caller.
func TestUnexpectedCallFromAnotherGoroutine(t *testing.T) {
	rec := &tb{}
	e := New(rec)
	done := make(chan error)
	go func() {
		done <- e.ContainerLogs(context.Background(), "c1", docker.LogsOptions{Follow: true}, nil, nil)
	}()
	if err := <-done; err == nil || len(rec.errs) != 1 || !strings.Contains(rec.errs[0], `ContainerLogs("c1"`) {
		t.Fatalf("err %v, reported %q", err, rec.errs)
	}
}

func TestWithoutTAnUnexpectedCallPanicsNamingIt(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `unexpected call ImageRemove("appsmith/appsmith-ce:v1.9.2")`) {
			t.Fatalf("recovered %v", r)
		}
	}()
	(&Engine{}).ImageRemove(context.Background(), "appsmith/appsmith-ce:v1.9.2")
}

func TestScriptedCallsAreAnsweredAndRecordedInOrder(t *testing.T) {
	e := New(t)
	var stopped time.Duration
	e.ContainerStopFunc = func(_ context.Context, id string, timeout time.Duration) error { stopped = timeout; return nil }
	e.ContainerRemoveFunc = func(_ context.Context, id string) error { return errors.New("busy") }
	ctx := context.Background()
	if err := e.ContainerStop(ctx, "c1", time.Minute); err != nil || stopped != time.Minute {
		t.Fatalf("stop: %v %v", err, stopped)
	}
	if err := e.ContainerRemove(ctx, "c1"); err == nil || err.Error() != "busy" {
		t.Fatalf("remove: %v", err)
	}
	if got := strings.Join(e.Methods(), " "); got != "ContainerStop ContainerRemove" {
		t.Fatalf("methods %q", got)
	}
	if got := fmt.Sprint(e.Calls()); got != `[ContainerStop("c1", 1m0s) ContainerRemove("c1")]` {
		t.Fatalf("calls %s", got)
	}
}

func TestServeMatchesAsTheEngine(t *testing.T) {
	a := docker.Container{ID: "aaaa1111", Name: "appsmith", Labels: map[string]string{"managed": "true", "dir": "/srv/a"}}
	b := docker.Container{ID: "bbbb2222", Name: "other", Labels: map[string]string{"managed": "true"}}
	e := New(t).Serve(a, b)
	ctx := context.Background()
	for _, c := range []struct {
		labels map[string]string
		want   []string
	}{
		{nil, []string{"aaaa1111", "bbbb2222"}},
		{map[string]string{"managed": "true"}, []string{"aaaa1111", "bbbb2222"}},
		{map[string]string{"dir": ""}, []string{"aaaa1111"}}, // an empty value: the key with any value
		{map[string]string{"dir": "/srv/b"}, nil},
	} {
		cs, err := e.ContainerList(ctx, c.labels)
		var ids []string
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		if err != nil || !reflect.DeepEqual(ids, c.want) {
			t.Errorf("list %v: %v %v, want %v", c.labels, ids, err, c.want)
		}
	}
	for ref, want := range map[string]string{"aaaa1111": "aaaa1111", "bbbb": "bbbb2222", "appsmith": "aaaa1111", "/other": "bbbb2222"} {
		if c, err := e.ContainerInspect(ctx, ref); err != nil || c.ID != want {
			t.Errorf("inspect %q: %q %v, want %q", ref, c.ID, err, want)
		}
	}
	for _, ref := range []string{"", "cccc", "appsmith-2"} {
		if _, err := e.ContainerInspect(ctx, ref); !errors.Is(err, docker.ErrNotFound) {
			t.Errorf("inspect %q: %v, want not found", ref, err)
		}
	}
}

func TestInState(t *testing.T) {
	c := docker.Container{ID: "c1"}
	if r := InState(c, true); !r.Running || r.State != "running" {
		t.Errorf("running: %+v", r)
	}
	if s := InState(c, false); s.Running || s.State != "exited" {
		t.Errorf("stopped: %+v", s)
	}
}
