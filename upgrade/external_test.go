package upgrade

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// The hops of an external MongoDB get the FCV the next release needs,
// set on the running server as far as its major goes; a server older than
// a hop needs is refused, naming both.
func TestFitExternalMongo(t *testing.T) {
	tags := []string{"v1.8.15", "v1.9.2", "v1.9.40", "v1.99", "v2.0.1", "v2.2.0"}
	for _, c := range []struct {
		name, from, to string
		data           MongoData
		pre            []string // per hop: the set-fcv value ("~" when optional), "" = none
		refused        string
		notes          int
	}{
		{"MongoDB 5 left at 4.4: v1.9.2 crash-loops on it", "v1.8.15", "v1.9.2", MongoData{Server: "5.0", FCV: "4.4", Version: "5.0.14"}, []string{"5.0"}, "", 0},
		{"MongoDB 5 at 5.0: nothing to set", "v1.8.15", "v1.9.2", MongoData{Server: "5.0", FCV: "5.0", Version: "5.0.14"}, []string{""}, "", 0},
		{"MongoDB 4.4: refused", "v1.8.15", "v1.9.2", MongoData{Server: "4.4", FCV: "4.4", Version: "4.4.18"}, nil, "runs 4.4.18 and v1.9.2 needs 5.0", 0},
		{"three hops on MongoDB 5 at 4.4", "v1.8.15", "v2.0.1", MongoData{Server: "5.0", FCV: "4.4", Version: "5.0.14"}, []string{"5.0", "", ""}, "", 2},
		{"three hops on MongoDB 7 at 5.0", "v1.8.15", "v2.0.1", MongoData{Server: "7.0", FCV: "5.0", Version: "7.0.2"}, []string{"", "~6.0", ""}, "", 0},
		{"v2.2 raises to 7.0 on MongoDB 7", "v2.0.1", "v2.2.0", MongoData{Server: "7.0", FCV: "6.0", Version: "7.0.2"}, []string{"~7.0"}, "", 0},
		{"MongoDB 6 at 5.0 toward v2.2: as far as 6.0", "v1.99", "v2.2.0", MongoData{Server: "6.0", FCV: "5.0", Version: "6.0.1"}, []string{"~6.0"}, "", 1},
		{"FCV not readable: nothing set, the start floor named", "v1.8.15", "v1.9.2", MongoData{Server: "5.0", Version: "5.0.14"}, []string{""}, "", 1},
		{"FCV not readable past v1.9.38: nothing to name", "v1.9.40", "v1.99", MongoData{Server: "6.0", Version: "6.0.1"}, []string{""}, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			hops, err := Path(c.from, c.to, tags, DBExternalMongo)
			if err != nil {
				t.Fatal(err)
			}
			got, notes, err := FitExternalMongo(hops, c.data)
			if c.refused != "" {
				var me *ExternalMongoError
				if !errors.As(err, &me) || !strings.Contains(err.Error(), c.refused) {
					t.Fatalf("got %v, want a refusal saying %q", err, c.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var pre []string
			for _, h := range got {
				switch len(h.Pre) {
				case 0:
					pre = append(pre, "")
				case 1:
					if h.Pre[0].Kind != SetFCV || h.Pre[0].Why == "" {
						t.Errorf("hop to %s: %+v", h.To, h.Pre[0])
					}
					if h.Pre[0].Optional {
						pre = append(pre, "~"+h.Pre[0].FCV)
					} else {
						pre = append(pre, h.Pre[0].FCV)
					}
				default:
					t.Errorf("hop to %s: %d steps", h.To, len(h.Pre))
				}
			}
			if fmt.Sprint(pre) != fmt.Sprint(c.pre) || len(notes) != c.notes {
				t.Errorf("set-fcv per hop %q, %d notes %q; want %q, %d", pre, len(notes), notes, c.pre, c.notes)
			}
			for i := range hops {
				if len(hops[i].Pre) != 0 {
					t.Errorf("the graph's hops were changed: %+v", hops[i])
				}
			}
		})
	}
}

// The MongoDB is asked with appsmithctl inside the container or pod; an
// FCV the user may not read is left unknown, a version is required.
func TestReadExternalMongo(t *testing.T) {
	answer := func(fcv error) Execer {
		return Buffered(streamFunc(func(_ context.Context, id string, cmd, env []string, _ io.Reader, stdout, _ io.Writer) (int, error) {
			if id != "appsmith-0" || len(env) != 0 || len(cmd) != 3 || cmd[0] != "appsmithctl" || cmd[1] != "mongo-eval" {
				t.Errorf("ran %q in %s with %q", cmd, id, env)
			}
			if cmd[2] == "db.version()" {
				fmt.Fprint(stdout, "Current Mongosh Log ID: x\nUsing MongoDB: 5.0.14\n5.0.14\n")
				return 0, nil
			}
			if fcv != nil {
				fmt.Fprint(stdout, "MongoServerError: not authorized on admin")
				return 1, nil
			}
			fmt.Fprint(stdout, "'4.4'\n")
			return 0, nil
		}))
	}
	got, err := ReadExternalMongo(context.Background(), answer(nil), "appsmith-0")
	if err != nil || got != (MongoData{Server: "5.0", FCV: "4.4", Version: "5.0.14"}) {
		t.Errorf("got %+v, %v", got, err)
	}
	got, err = ReadExternalMongo(context.Background(), answer(errors.New("denied")), "appsmith-0")
	if err != nil || got != (MongoData{Server: "5.0", Version: "5.0.14"}) {
		t.Errorf("FCV not readable: got %+v, %v", got, err)
	}
	failing := Buffered(streamFunc(func(context.Context, string, []string, []string, io.Reader, io.Writer, io.Writer) (int, error) {
		return 0, errors.New("pods \"appsmith-0\" is forbidden: cannot create resource \"pods/exec\"")
	}))
	if _, err := ReadExternalMongo(context.Background(), failing, "appsmith-0"); err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("no exec: %v", err)
	}
}

type streamFunc func(ctx context.Context, id string, cmd, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error)

func (f streamFunc) ExecStream(ctx context.Context, id string, cmd, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	return f(ctx, id, cmd, env, stdin, stdout, stderr)
}

// RunSetFCV reads the FCV back: a server that answers {ok: 0} and exits 0
// (the shell does not throw for every refusal) is an error, not a success.
func TestRunSetFCVReadsItBack(t *testing.T) {
	server := func(takes bool) Execer {
		fcv := "4.4"
		return Buffered(streamFunc(func(_ context.Context, _ string, cmd, _ []string, _ io.Reader, stdout, _ io.Writer) (int, error) {
			switch {
			case strings.Contains(cmd[2], "setFeatureCompatibilityVersion"):
				if takes {
					fcv = "5.0"
					fmt.Fprintln(stdout, "{ ok: 1 }")
				} else {
					fmt.Fprintln(stdout, "{ ok: 0, errmsg: 'not allowed' }")
				}
			case strings.Contains(cmd[2], "getParameter"):
				fmt.Fprintf(stdout, "'%s'\n", fcv)
			}
			return 0, nil
		}))
	}
	if err := RunSetFCV(context.Background(), server(true), "c1", "5.0"); err != nil {
		t.Errorf("a server that takes it: %v", err)
	}
	if err := RunSetFCV(context.Background(), server(false), "c1", "5.0"); err == nil || !strings.Contains(err.Error(), "4.4") {
		t.Errorf("a server that refuses with exit 0: %v, want an error naming 4.4", err)
	}
}
