package upgrade

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/appsmith-install/appsmith-install/internal/docker"
	"github.com/appsmith-install/appsmith-install/internal/releases"
)

// A MongoDB outside the container (a host's external one, or on
// Kubernetes the chart's subchart or the user's) never changes with the
// image: its server is the operator's to upgrade. What an upgrade still
// owes it is asked through the image's own appsmithctl, wherever the
// image runs (a container's exec, a pod's): the server must be new enough
// for every hop, and the data's featureCompatibilityVersion must be one
// the next release starts on.

// ExternalMongoError refuses a path the MongoDB's server cannot take.
type ExternalMongoError struct {
	Server string // the full version it reported ("4.4.18")
	To     string // the hop that needs more
	Need   string // the server major it needs ("5.0")
}

func (e *ExternalMongoError) Error() string {
	return fmt.Sprintf("the external MongoDB runs %s and %s needs %s or newer", e.Server, e.To, e.Need)
}

// ReadExternalMongo asks the MongoDB the image is configured with (its
// APPSMITH_DB_URL, read inside the container or pod id: no secret passes
// through this process) its version and, when the user may read it, the
// data's featureCompatibilityVersion. A version that cannot be read is an
// error; an FCV that cannot is left "" (a user without clusterMonitor on
// a managed MongoDB), and FitExternalMongo then sets none.
func ReadExternalMongo(ctx context.Context, ex Execer, id string) (MongoData, error) {
	v, err := mongoEval(ctx, ex, id, "db.version()")
	if err != nil {
		return MongoData{}, err
	}
	data := MongoData{Version: trimQuotes(v), Server: releases.MongoMajor(v)}
	if data.Server == "" {
		return MongoData{}, fmt.Errorf("MongoDB answered version %q", v)
	}
	if f, err := mongoEval(ctx, ex, id, fcvExpr); err == nil {
		data.FCV = releases.MongoMajor(f)
	}
	return data, nil
}

// FitExternalMongo checks each hop against what the MongoDB said and
// adds the FCV step a hop needs: before a release that starts only on
// data at a newer FCV (StartFCV), or that raises the data to one itself
// after start (FCVFloor), the running server's FCV is set to that, as far
// as the server's own major allows. MongoDB's upgrade procedure ends with
// that very command, the running release works on it, and the data are
// then what the next release expects whether or not it raises FCV on a
// database it does not run. An FCV the server cannot reach is a note: the
// data stay where they are until the operator upgrades MongoDB.
func FitExternalMongo(hops []Hop, data MongoData) ([]Hop, []string, error) {
	out := make([]Hop, len(hops))
	copy(out, hops)
	var notes []string
	fcv := data.FCV
	for i := range out {
		h := &out[i]
		v, ok := releases.Parse(h.To)
		if !ok {
			continue
		}
		for _, need := range []string{h.NeedsExternalMongo, releases.StartFCV(v)} {
			if need != "" && releases.CompareFCV(data.Server, need) < 0 {
				return nil, nil, &ExternalMongoError{Server: data.Version, To: h.To, Need: need}
			}
		}
		start, floor := releases.StartFCV(v), releases.FCVFloor(v)
		if fcv == "" {
			// Not readable (a user without clusterMonitor): nothing to set
			// from, but a release that crash-loops below its FCV is named.
			if start != "" {
				notes = append(notes, fmt.Sprintf("the data's featureCompatibilityVersion could not be read: %s starts only on data at FCV %s or newer; check it (db.adminCommand({getParameter: 1, featureCompatibilityVersion: 1})) before the upgrade", h.To, start))
			}
			continue
		}
		want := start
		switch {
		case floor == "":
		case releases.CompareFCV(floor, data.Server) <= 0:
			if releases.CompareFCV(floor, want) > 0 {
				want = floor
			}
		case releases.CompareFCV(fcv, data.Server) < 0:
			want = data.Server // as far as the server goes
			notes = append(notes, fmt.Sprintf("%s raises the data to FCV %s, which MongoDB %s cannot have: it is set to %s, and stays there until MongoDB is upgraded", h.To, floor, data.Server, data.Server))
		default:
			notes = append(notes, fmt.Sprintf("%s raises the data to FCV %s, which MongoDB %s cannot have: the data stay at %s until MongoDB is upgraded", h.To, floor, data.Server, fcv))
		}
		if want == "" || releases.CompareFCV(fcv, want) >= 0 {
			continue
		}
		why := fmt.Sprintf("%s raises the data to FCV %s after start: set it on the running MongoDB %s first (the last step of MongoDB's own upgrade; %s runs on it too)", h.To, want, data.Server, h.From)
		if want == start {
			why = fmt.Sprintf("%s starts only on data at FCV %s or newer (it crash-loops on older): set it on the running MongoDB %s first (%s runs on it too)", h.To, want, data.Server, h.From)
		}
		// Only a release's start floor must be met; a floor it raises
		// the data to itself is set as a courtesy, and a MongoDB that
		// refuses it (a managed service sets FCV itself) warns instead.
		h.Pre = append(h.Pre, DBStep{Kind: SetFCV, FCV: want, Why: why, Optional: want != start})
		fcv = want
	}
	return out, notes, nil
}

// RunSetFCV sets the featureCompatibilityVersion through the image's
// appsmithctl in the container or pod id; MongoDB 7 and later ask for
// confirm: true.
func RunSetFCV(ctx context.Context, ex Execer, id, fcv string) error {
	cmd := fmt.Sprintf(`db.adminCommand({setFeatureCompatibilityVersion: "%s"})`, fcv)
	if releases.CompareFCV(fcv, "7.0") >= 0 {
		cmd = fmt.Sprintf(`db.adminCommand({setFeatureCompatibilityVersion: "%s", confirm: true})`, fcv)
	}
	if _, err := mongoEval(ctx, ex, id, cmd); err != nil {
		return err
	}
	// A refused command may print {ok: 0} and still exit 0: read it back.
	got, err := ReadFCV(ctx, ex, id)
	if err != nil {
		return err
	}
	if releases.MongoMajor(got) != fcv {
		return fmt.Errorf("MongoDB's featureCompatibilityVersion is %q after setting it to %s", got, fcv)
	}
	return nil
}

// StreamExecer is a pod's exec (or a container's) as it streams.
type StreamExecer interface {
	ExecStream(ctx context.Context, id string, cmd, env []string, stdin io.Reader, stdout, stderr io.Writer) (int, error)
}

// Buffered is an Execer over a StreamExecer: the short commands the
// MongoDB steps run, their output kept whole.
func Buffered(s StreamExecer) Execer { return buffered{s} }

type buffered struct{ s StreamExecer }

func (b buffered) Exec(ctx context.Context, id string, cmd, env []string, stdin io.Reader) (docker.ExecResult, error) {
	var out, errb bytes.Buffer
	code, err := b.s.ExecStream(ctx, id, cmd, env, stdin, &out, &errb)
	return docker.ExecResult{ExitCode: code, Stdout: out.Bytes(), Stderr: errb.Bytes()}, err
}

func trimQuotes(s string) string {
	for len(s) > 1 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s
}
