package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/appsmith-install/appsmith-install/test/standin/spec"
)

// mongoState is the whole embedded "MongoDB": data/mongodb/standin-mongo.json.
// AppsmithVersion is the last release whose backend started fully on this
// data; the real backend keeps that in the database too, so a restore of the
// database carries it along.
type mongoState struct {
	Version         string `json:"version"` // the mongod release that last opened the files
	FCV             string `json:"fcv"`
	AppsmithVersion string `json:"appsmithVersion,omitempty"`
}

const mongoStateFile = "standin-mongo.json"

// mongod is the embedded database shared by the mongodb and backend programs.
type mongod struct {
	mu    sync.Mutex
	path  string
	major string      // "5.0"
	state *mongoState // nil while not running
	docs  docStore
	// user and pass are the credentials of APPSMITH_DB_URL, "" = no auth.
	user, pass string
}

// view returns a copy of the open state.
func (m *mongod) view() (mongoState, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		return mongoState{}, false
	}
	return *m.state, true
}

// update changes the open state and persists it.
func (m *mongod) update(f func(*mongoState)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.state == nil {
		return errors.New("MongoSocketOpenException: Exception opening socket: Connection refused")
	}
	next := *m.state
	f(&next)
	if err := writeJSON(m.path, next); err != nil {
		return err
	}
	m.state = &next
	return nil
}

// mongoLogLine is one line of mongod's structured log.
type mongoLogLine struct {
	T struct {
		Date string `json:"$date"`
	} `json:"t"`
	S    string            `json:"s"`
	C    string            `json:"c"`
	ID   int               `json:"id"`
	Ctx  string            `json:"ctx"`
	Msg  string            `json:"msg"`
	Attr map[string]string `json:"attr,omitempty"`
}

func (a *app) mongoLog(f *os.File, log *progLog, sev, comp string, id int, msg string, attr map[string]string) {
	var line mongoLogLine
	line.T.Date = time.Now().UTC().Format("2006-01-02T15:04:05.000+00:00")
	line.S, line.C, line.ID, line.Ctx, line.Msg, line.Attr = sev, comp, id, "initandlisten", msg, attr
	b, _ := json.Marshal(line)
	log.raw(f, string(b))
}

func (a *app) mongodbProgram() program {
	return program{name: "mongodb", priority: 10, start: func(ctx context.Context, log *progLog) (<-chan error, error) {
		if a.cfg.Fault == spec.FaultIllegalInstruction {
			// What the shell prints when mongod ≥ 5 hits an AVX instruction.
			log.Errorf("Illegal instruction (core dumped)")
			return nil, exitf(132, "mongod: Illegal instruction (core dumped)")
		}
		dbLog, err := os.OpenFile(a.l.stacks("logs", "mongodb", "db.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		release := spec.MongoRelease(a.mongo.major)
		a.mongoLog(dbLog, log, "I", "CONTROL", 23403, "Build Info", map[string]string{"version": release})

		st, err := a.openMongoState(release)
		if err != nil {
			var fe *spec.FCVError
			if errors.As(err, &fe) {
				a.mongoLog(dbLog, log, "F", "CONTROL", 20573, "Wrong mongod version", map[string]string{"error": fe.Error()})
				log.Errorf("mongod %s: %s", release, fe.Error())
				dbLog.Close()
				return nil, exitf(62, "mongod %s cannot open data at featureCompatibilityVersion %s", release, fe.FCV)
			}
			dbLog.Close()
			return nil, err
		}
		ln, err := a.mongo.listen(a.l)
		if err != nil {
			dbLog.Close()
			return nil, err
		}
		a.mongo.mu.Lock()
		a.mongo.state = st
		a.mongo.user, a.mongo.pass = credentials(a.env["APPSMITH_DB_URL"])
		a.mongo.mu.Unlock()
		go a.mongo.serve(ln)
		a.mongoLog(dbLog, log, "I", "NETWORK", 23016, "Waiting for connections", map[string]string{"port": "27017", "featureCompatibilityVersion": st.FCV})

		done := make(chan error, 1)
		go func() {
			<-ctx.Done()
			ln.Close()
			a.mongo.mu.Lock()
			a.mongo.state = nil
			a.mongo.mu.Unlock()
			a.mongoLog(dbLog, log, "I", "CONTROL", 20565, "Now exiting", nil)
			dbLog.Close()
			done <- nil
		}()
		return done, nil
	}}
}

// openMongoState loads the data files, or initialises an empty dbpath at this
// mongod's own FCV, and refuses data outside what this mongod can open.
func (a *app) openMongoState(release string) (*mongoState, error) {
	b, err := os.ReadFile(a.mongo.path)
	var st mongoState
	switch {
	case errors.Is(err, os.ErrNotExist):
		st = mongoState{Version: release, FCV: a.mongo.major}
	case err != nil:
		return nil, err
	default:
		if err := json.Unmarshal(b, &st); err != nil {
			return nil, exitf(100, "mongod: corrupt data files in %s: %v", a.mongo.path, err)
		}
		if err := spec.CheckOpen(a.mongo.major, st.FCV); err != nil {
			return nil, err
		}
		st.Version = release
	}
	if err := writeJSON(a.mongo.path, st); err != nil {
		return nil, err
	}
	return &st, nil
}
